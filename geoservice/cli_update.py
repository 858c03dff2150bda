"""The ``geoservice data update`` and ``geoservice agenda`` commands (added to ``cli.py``)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable
from typing import Any

from geoservice.errors import GeoserviceError, InvalidParameterError
from geoservice.io.agenda_events import DedupKey, dedup_key
from geoservice.settings import Settings

logger = logging.getLogger(__name__)

SettingsFactory = Callable[[argparse.Namespace], Settings]


def posted_event_keys(settings: Settings) -> set[DedupKey]:
    """Title / first day / commune of every published offer people posted (the import skips
    events already there). An unreachable or empty database gives an empty set (logged)."""
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from geoservice.store.config import store_config_from_settings
    from geoservice.store.db import open_store
    from geoservice.store.models import Offer

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


def _cmd_data_update(args: argparse.Namespace, settings_of: SettingsFactory) -> int:
    from geoservice.io.update import UpdateOptions, parse_source_overrides, report_lines, run_update

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = settings_of(args)
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


def _cmd_agenda_register(args: argparse.Namespace, settings_of: SettingsFactory) -> int:
    from sqlalchemy import select

    from geoservice.io.agenda_update import agenda_sources, registry_path
    from geoservice.io.ical_import import register_feed
    from geoservice.store.config import store_config_from_settings
    from geoservice.store.db import open_store
    from geoservice.store.models import User

    settings = settings_of(args)
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


def _cmd_agenda_list(args: argparse.Namespace, settings_of: SettingsFactory) -> int:
    from geoservice.io.agenda_update import agenda_sources
    from geoservice.io.update_state import describe_update_state, read_update_state

    settings = settings_of(args)
    state = describe_update_state(read_update_state(settings.data_dir))
    for source in agenda_sources(settings):
        last = state.get(source.source_id, {}).get("last_success") or "never"
        print(f"{source.source_id}\t{source.kind}\t{source.url}\t{source.licence}\tlast: {last}")
    return 0


def add_update_parsers(data: Any, sub: Any, settings_of: SettingsFactory) -> None:
    """Add ``data update`` to the `data` sub-parsers and ``agenda`` to the top level."""
    update = data.add_parser(
        "update", help="fetch the configured sources, rebuild, swap data/ atomically"
    )
    update.add_argument("--only", choices=("transit", "agenda", "osm"), help="one part only")
    update.add_argument("--dry-run", action="store_true", help="build and report, swap nothing")
    update.add_argument(
        "--source",
        action="append",
        metavar="ID=URL",
        help="download source ID from URL for this run (repeatable)",
    )
    update.add_argument(
        "--force", action="store_true", help="accept an update that removes most of the data"
    )
    update.add_argument("--json", action="store_true", help="print the report as JSON")
    update.add_argument("--data-dir", help="derived data folder (default: paths.data_dir)")
    update.add_argument("--raw-dir", help="raw sources folder (default: paths.raw_dir)")
    update.set_defaults(func=lambda a: _cmd_data_update(a, settings_of))

    agenda = sub.add_parser("agenda", help="imported agendas").add_subparsers(
        dest="agenda_command", required=True
    )
    register = agenda.add_parser("register", help="register an organisation's .ics feed URL")
    register.add_argument("--organisation", required=True, help="user name (organisation role)")
    register.add_argument("--url", required=True, help="http(s) URL of the .ics feed")
    register.add_argument(
        "--licence",
        default="Licence Ouverte / Open Licence 2.0 (Etalab)",
        help="licence the organisation publishes its events under",
    )
    register.set_defaults(func=lambda a: _cmd_agenda_register(a, settings_of))
    listing = agenda.add_parser("list", help="agenda sources and their last successful import")
    listing.add_argument("--data-dir", help="derived data folder (default: paths.data_dir)")
    listing.set_defaults(func=lambda a: _cmd_agenda_list(a, settings_of))
