"""``geoservice data update`` against a loopback HTTP server (no internet).

The server serves the staged SNCF TER zip, a copy of it whose service dates are shifted by
104 weeks (made here, in a temporary folder), a broken zip, two hand-made OpenAgenda pages
and an .ics file (``tests/data/update/``). Every test works on a temporary copy of ``data/``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest

from geoservice.cli import main
from geoservice.core.offers import OfferIndex, OfferQuery
from geoservice.core.raptor import earliest_arrival
from geoservice.core.service_date import service_date_for
from geoservice.core.timetable import Timetable, transit_params_from_settings
from geoservice.core.timetable_build import timetable_from_tables
from geoservice.io.agenda_events import load_imported_events, with_imported_events
from geoservice.io.gtfs import read_gtfs_dir
from geoservice.io.manifest import read_manifest, verify_outputs
from geoservice.io.offers import load_offers
from geoservice.io.update import UpdateOptions, run_update
from geoservice.io.update_state import describe_update_state, read_update_state
from geoservice.settings import Settings
from tests.update_fixtures import SHIFT, agenda_settings, data_copy_fixture, server_fixture  # noqa: F401 (fixtures)

TUESDAY = date(2025, 2, 4)  # inside the staged TER feed's validity
IMPHY_TRAIN = "ter:StopPoint:OCETrain TER-87696450"


def _timetable(data_dir: Path, settings: Settings) -> Timetable:
    """The timetable as the service loads it at start-up from `data_dir`."""
    tables = read_gtfs_dir(data_dir / "transit")
    return timetable_from_tables(tables, transit_params_from_settings(settings))


def _validity(data_dir: Path, settings: Settings) -> tuple[date, date]:
    return _timetable(data_dir, settings).validity


@pytest.mark.slow
def test_update_replaces_the_timetable_and_answers_use_the_new_validity(
    data_copy: Settings, server: tuple[str, list[str]]
) -> None:
    base, _ = server
    data_dir = data_copy.data_dir
    old_tt = _timetable(data_dir, data_copy)
    before = old_tt.validity
    report = run_update(
        data_copy,
        UpdateOptions(only="transit", source_urls={"ter": f"{base}/ter-later.zip"}),
        echo=lambda _: None,
    )
    assert report.status == "swapped", report
    assert report.failures == []
    new_tt = _timetable(data_dir, data_copy)
    after = new_tt.validity
    assert after == (before[0] + SHIFT, before[1] + SHIFT)
    # Answers now use the new validity: a Tuesday of it is served as itself (the old feed
    # mapped it to a 2025 weekday), with the same trains as the matching 2025 Tuesday.
    day = TUESDAY + SHIFT
    assert service_date_for(day, before).used != day
    new_answer = earliest_arrival(new_tt, {IMPHY_TRAIN: 0}, 7 * 3600, day)
    assert new_answer.service_date.used == day
    old_answer = earliest_arrival(old_tt, {IMPHY_TRAIN: 0}, 7 * 3600, TUESDAY)
    assert np.array_equal(new_answer.arrival_s, old_answer.arrival_s)
    assert (new_answer.arrival_s < np.iinfo(new_answer.arrival_s.dtype).max).sum() > 10
    assert report.transit is not None
    assert report.transit["after"]["validity"] == [after[0].isoformat(), after[1].isoformat()]
    assert report.transit["after"]["trips"] == report.transit["before"]["trips"]
    manifest, _ = read_manifest(data_dir)
    verify_outputs(data_dir, manifest)  # the service would start on it
    assert manifest["downloads"]["ter"]["url"].endswith("/ter-later.zip")
    # The replaced data stays beside, complete, for a roll-back.
    assert _validity(data_dir.with_name("data.old"), data_copy) == before
    # /health's view: the source's last success, a few seconds old.
    state = describe_update_state(read_update_state(data_dir))
    assert state["ter"]["kind"] == "transit"
    assert state["ter"]["age_s"] is not None
    assert 0 <= state["ter"]["age_s"] < 600


@pytest.mark.slow
def test_a_broken_feed_keeps_the_previous_one_and_is_reported(
    data_copy: Settings, server: tuple[str, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    base, _ = server
    data_dir = data_copy.data_dir
    stop_times = (data_dir / "transit" / "stop_times.txt").read_bytes()
    before = _validity(data_dir, data_copy)
    status = main(
        [
            "data",
            "update",
            "--only",
            "transit",
            "--data-dir",
            str(data_dir),
            "--source",
            f"ter={base}/broken.zip",
            "--json",
        ]
    )
    assert status == 1  # a source failed: cron / systemd see it
    report = json.loads(capsys.readouterr().out)
    (ter,) = [f for f in report["transit"]["feeds"] if f["feed_id"] == "ter"]
    assert ter["status"] == "kept"
    assert "gtfs-kit" in ter["reason"] or "zip" in ter["reason"]
    assert any(f.startswith("transit ter:") for f in report["failures"])
    assert (data_dir / "transit" / "stop_times.txt").read_bytes() == stop_times
    assert _validity(data_dir, data_copy) == before
    assert read_update_state(data_dir)["ter"]["last_error"] == ter["reason"]


@pytest.mark.slow
def test_an_update_killed_before_the_swap_leaves_the_old_data_intact(
    data_copy: Settings, server: tuple[str, list[str]]
) -> None:
    base, _ = server
    data_dir = data_copy.data_dir
    manifest_before = (data_dir / "MANIFEST.json").read_bytes()
    env = {**os.environ, "GEOSERVICE_UPDATE_PAUSE_BEFORE_SWAP_S": "60"}
    args = [sys.executable, "-m", "geoservice.cli", "data", "update", "--only", "transit"]
    args += ["--data-dir", str(data_dir), "--source", f"ter={base}/ter-later.zip"]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 240
        for line in proc.stdout:
            if line.startswith("pausing"):
                break
            assert time.monotonic() < deadline
        assert data_dir.with_name("data.new").is_dir()  # fully built, not yet swapped
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()
    assert (data_dir / "MANIFEST.json").read_bytes() == manifest_before
    manifest, _ = read_manifest(data_dir)
    verify_outputs(data_dir, manifest)
    assert _validity(data_dir, data_copy)[1] == date(2025, 4, 22)
    # The next run cleans up the leftover and says so.
    report = run_update(data_copy, UpdateOptions(only="agenda"), echo=lambda _: None)
    assert any("unfinished data.new" in r for r in report.recovered)
    assert not data_dir.with_name("data.new").exists()


def test_agenda_events_appear_in_search_with_source_and_licence_once(
    data_copy: Settings, server: tuple[str, list[str]]
) -> None:
    base, seen = server
    settings = agenda_settings(data_copy, base)
    report = run_update(settings, UpdateOptions(only="agenda"), echo=lambda _: None)
    assert report.status == "swapped", report
    assert report.failures == []
    assert report.agenda is not None
    assert len(report.agenda["added"]) == 4  # 2 OpenAgenda in the Nièvre + 2 from the .ics
    assert any("not in a commune of the Nièvre" in n for n in report.agenda["notes"])
    # The service's catalogue (as load_runtime builds it) finds them, with source and licence.
    data_dir = settings.data_dir
    offers = with_imported_events(load_offers(data_dir), load_imported_events(data_dir))
    index = OfferIndex(offers, {})
    found = offers.loc[index.frame.index[index.matches(OfferQuery(q="concert fictif de la loire"))]]
    assert len(found) == 1
    row = found.iloc[0]
    assert row["offer_id"] == "oa:424242:91000001"
    assert row["source"] == "openagenda:agenda-fictif"
    assert row["licence"] == "Licence Ouverte v2.0 (fictive test agenda)"
    assert row["url"] == "https://openagenda.com/agendas/424242/events/concert-fictif-de-la-loire"
    assert row["commune_code"] == "58194"
    assert row["period"] == "2030-06-21"
    bal = offers[offers["name"] == "Bal folk fictif"].iloc[0]
    assert (bal["commune_code"], bal["licence"]) == ("58062", "CC BY 4.0")
    assert bal["url"] == "https://example.org/bal-fictif"
    total = len(offers)
    # A second run adds nothing twice, and asks OpenAgenda only for what changed since.
    seen.clear()
    again = run_update(settings, UpdateOptions(only="agenda"), echo=lambda _: None)
    assert again.agenda is not None
    assert again.agenda["added"] == []
    assert len(with_imported_events(load_offers(data_dir), load_imported_events(data_dir))) == total
    assert any("updatedAt%5Bgte%5D" in p for p in seen)


def test_imported_events_are_skipped_when_already_posted(
    data_copy: Settings, server: tuple[str, list[str]]
) -> None:
    base, _ = server
    settings = agenda_settings(data_copy, base)
    posted = {("bal folk fictif", "2030-09-14", "58062")}
    report = run_update(
        settings, UpdateOptions(only="agenda"), posted_keys=posted, echo=lambda _: None
    )
    assert report.agenda is not None
    assert len(report.agenda["added"]) == 3
    assert any("already posted" in n for n in report.agenda["notes"])


def test_a_failing_agenda_keeps_its_events_and_a_dry_run_swaps_nothing(
    data_copy: Settings, server: tuple[str, list[str]]
) -> None:
    base, _ = server
    settings = agenda_settings(data_copy, base)
    run_update(settings, UpdateOptions(only="agenda"), echo=lambda _: None)
    events = (settings.data_dir / "agenda" / "events.geojson").read_bytes()
    bad = settings.with_overrides({"agendas.openagenda_key": "wrong"})
    report = run_update(bad, UpdateOptions(only="agenda"), echo=lambda _: None)
    assert any("HTTP 403" in f for f in report.failures)
    assert "wrong" not in json.dumps(report.to_dict())  # keys never reach the report
    assert (settings.data_dir / "agenda" / "events.geojson").read_bytes() == events
    manifest = (settings.data_dir / "MANIFEST.json").read_bytes()
    dry = run_update(settings, UpdateOptions(only="agenda", dry_run=True), echo=lambda _: None)
    assert dry.status == "dry-run"
    assert (settings.data_dir / "MANIFEST.json").read_bytes() == manifest
    assert not settings.data_dir.with_name("data.new").exists()


def test_an_update_removing_most_events_is_refused_without_force(
    data_copy: Settings, server: tuple[str, list[str]]
) -> None:
    base, _ = server
    settings = agenda_settings(data_copy, base)
    run_update(settings, UpdateOptions(only="agenda"), echo=lambda _: None)
    manifest = (settings.data_dir / "MANIFEST.json").read_bytes()
    # Two years later every imported event is long over: the import would drop them all.
    later = datetime(2032, 1, 1, tzinfo=UTC)
    report = run_update(settings, UpdateOptions(only="agenda"), echo=lambda _: None, now=later)
    assert report.status == "refused"
    assert "imported events would fall from 4 to 0" in report.refused[0]
    assert (settings.data_dir / "MANIFEST.json").read_bytes() == manifest
    forced = run_update(
        settings, UpdateOptions(only="agenda", force=True), echo=lambda _: None, now=later
    )
    assert forced.status == "swapped"
    assert load_imported_events(settings.data_dir).empty


def test_unknown_source_and_non_http_urls_are_refused(data_copy: Settings) -> None:
    from geoservice.errors import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="unknown source"):
        run_update(data_copy, UpdateOptions(source_urls={"nope": "http://127.0.0.1:9/x"}))
    report = run_update(
        data_copy,
        UpdateOptions(only="transit", source_urls={"ter": "file:///etc/passwd"}, dry_run=True),
        echo=lambda _: None,
    )
    assert any("http:// or https://" in f for f in report.failures)


def test_osm_update_reports_a_bad_extract_and_that_it_is_not_applied(
    data_copy: Settings, server: tuple[str, list[str]]
) -> None:
    base, _ = server
    report = run_update(
        data_copy,
        UpdateOptions(only="osm", source_urls={"osm": f"{base}/broken.zip"}, dry_run=True),
        echo=lambda _: None,
    )
    assert report.osm is not None
    assert report.osm["applied"] is False
    assert "does not rebuild" in report.osm["note"]
    assert report.failures
    assert report.failures[0].startswith("osm:")


def test_osm_update_checks_a_good_extract_and_says_it_is_not_applied(
    data_copy: Settings, server: tuple[str, list[str]]
) -> None:
    base, _ = server
    manifest = (data_copy.data_dir / "MANIFEST.json").read_bytes()
    report = run_update(
        data_copy,
        UpdateOptions(only="osm", source_urls={"osm": f"{base}/map.osm"}),
        echo=lambda _: None,
    )
    assert report.failures == []
    assert report.osm is not None
    assert report.osm["checked"] is True
    assert report.osm["applied"] is False
    assert "nodes" in report.osm["summary"][0]
    # Nothing of the served data changed, only the state (the extract's last check).
    assert read_manifest(data_copy.data_dir)[0]["outputs"] == json.loads(manifest)["outputs"]
    assert read_update_state(data_copy.data_dir)["osm"]["last_success"] is not None


def test_ics_import_reads_a_registered_feed(
    data_copy: Settings, server: tuple[str, list[str]]
) -> None:
    from geoservice.io.agenda_update import agenda_sources, registry_path
    from geoservice.io.ical_import import register_feed

    base, _ = server
    entry = register_feed(
        registry_path(data_copy),
        organisation="MJC fictive",
        url=f"{base}/events.ics",
        licence="CC BY 4.0",
    )
    assert entry["id"] == "org-mjc-fictive"
    assert [s.source_id for s in agenda_sources(data_copy)] == ["org-mjc-fictive"]
    report = run_update(data_copy, UpdateOptions(only="agenda"), echo=lambda _: None)
    assert report.agenda is not None
    assert sorted(report.agenda["added"])[0].startswith("ics:org-mjc-fictive:")
    events = load_imported_events(data_copy.data_dir)
    atelier = events[events["name"] == "Atelier gravure fictif"].iloc[0]
    assert atelier["commune_code"] == "58194"
    assert [list(t) for t in atelier["timings"]] == [
        ["2030-10-03T00:00:00+02:00", "2030-10-04T00:00:00+02:00"]
    ]
    assert atelier["attribution"] == "MJC fictive"


def test_a_second_update_of_the_same_folder_is_refused_while_one_runs(data_copy: Settings) -> None:
    from geoservice.io.swap import UpdateRunningError, update_lock

    with update_lock(data_copy.data_dir), pytest.raises(UpdateRunningError, match="running"):
        run_update(data_copy, UpdateOptions(only="agenda"), echo=lambda _: None)
    report = run_update(data_copy, UpdateOptions(only="agenda"), echo=lambda _: None)
    assert report.status == "swapped"
