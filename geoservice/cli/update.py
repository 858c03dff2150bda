"""``geoservice data update`` and ``geoservice agenda``: fresh timetables and agendas.

The work is in :mod:`geoservice.io.update`; this module reads the arguments, the posted
events to deduplicate against, and prints the report.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from geoservice.cli.options import settings_from_args
from geoservice.errors import GeoserviceError, InvalidParameterError
from geoservice.io.agenda_events import DedupKey, dedup_key
from geoservice.io.agenda_update import agenda_sources, registry_path
from geoservice.io.ical_import import register_feed
from geoservice.io.update import UpdateOptions, parse_source_overrides, report_lines, run_update
from geoservice.io.update_state import describe_update_state, read_update_state
from geoservice.settings import Settings
from geoservice.store.config import store_config_from_settings
from geoservice.store.db import open_store
from geoservice.store.models import Offer, User

logger = logging.getLogger(__name__)


def posted_event_keys(settings: Settings) -> set[DedupKey]:
    """Title / first day / commune of every published offer people posted (the import skips
    events already there). An unreachable or empty database gives an empty set (logged)."""

    try:
        config = store_config_from_settings(settings)
        store = open_store(config.url, upgrade=False)
        with store.read() as session:
            offers = list(session.scalars(select(Offer).where(Offer.status == "published")))
            keys = {
                dedup_key(o.title, o.timings[0].begin_at, o.commune_code)
                for o in offers
                if o.timings and o.deleted_at is None
            }
        store.engine.dispose()
    except (SQLAlchemyError, GeoserviceError) as e:
        logger.warning("posted offers not read (%s): no deduplication against them", e)
        return set()
    return keys


def cmd_data_update(args: argparse.Namespace) -> int:
    """Run ``geoservice data update``."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = settings_from_args(args)
    options = UpdateOptions(
        only=args.only,
        dry_run=args.dry_run,
        force=args.force,
        source_urls=parse_source_overrides(args.source or ()),
    )
    keys = posted_event_keys(settings) if args.only in (None, "agenda") else set()
    echo: Callable[[str], None] = (
        (lambda line: print(line, file=sys.stderr)) if args.json else print
    )
    report = run_update(settings, options, posted_keys=keys, echo=echo)
    if args.json:
        print(json.dumps(report.to_dict(), indent=1, ensure_ascii=False, default=str))
    else:
        for line in report_lines(report):
            print(line)
    if report.status == "refused":
        return 3
    return 1 if report.failures else 0


def cmd_agenda_register(args: argparse.Namespace) -> int:
    """Run ``geoservice agenda register``."""
    settings = settings_from_args(args)
    store = open_store(store_config_from_settings(settings).url, upgrade=True)
    with store.read() as session:
        user = session.scalars(select(User).where(User.name == args.organisation)).first()
    store.engine.dispose()
    if user is None or user.role != "organisation":
        msg = f"{args.organisation!r} is not a user with the organisation role (`users add`)"
        raise InvalidParameterError("organisation", msg)
    entry = register_feed(
        registry_path(settings),
        organisation=args.organisation,
        url=args.url,
        licence=args.licence,
        existing_ids=[s.source_id for s in agenda_sources(settings)],
    )
    print(f"registered {entry['url']} as agenda source {entry['id']!r}")
    return 0


def cmd_agenda_list(args: argparse.Namespace) -> int:
    """Run ``geoservice agenda list``."""
    settings = settings_from_args(args)
    state = describe_update_state(read_update_state(settings.data_dir))
    for source in agenda_sources(settings):
        last = state.get(source.source_id, {}).get("last_success") or "never"
        print(f"{source.source_id}\t{source.kind}\t{source.url}\t{source.licence}\tlast: {last}")
    return 0
