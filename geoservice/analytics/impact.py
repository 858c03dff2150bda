"""SEROI+ impact indicators from the platform's own data, per commune, canton, EPCI and
département.

Pure computation over what the caller read: the communes, the open-data offers, and the
platform's rows as of a day (:class:`PlatformFacts`, read from the database by
:mod:`geoservice.store.impact`). Every indicator is first counted per commune, then summed
to the zones (every indicator is additive). Definitions: :mod:`geoservice.analytics.
impact_catalogue` and ``docs/impact.md``.

Row layout (:data:`VALUE_COLUMNS`): ``level``, ``zone_code``, ``indicator``, ``value``. Zone
levels hold a row for every zone and indicator (zeros included); the commune level holds the
non-zero values only (absent = 0), since most communes have none of most indicators.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import geopandas as gpd
import pandas as pd

from geoservice.analytics.impact_catalogue import (
    IMPACT_LEVELS,
    POPULATION_GROUPS,
    SMALL_COMMUNE_POPULATION,
)
from geoservice.core.offers import CATEGORIES, CONTRIBUTION_KINDS

VALUE_COLUMNS = ("level", "zone_code", "indicator", "value")
#: Days are Europe/Paris days.
LOCAL_TIMEZONE = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class PlatformFacts:
    """The platform's rows as of a day, as plain records (no personal data kept beyond the
    rounded points the rides need).

    Attributes
    ----------
    posted
        Published posted offers: ``offer_id``, ``kind``, ``themes``, ``commune_code``,
        ``lon``, ``lat``, ``timings`` (``begin`` ISO 8601 strings).
    projects
        Published projects: ``project_id``, ``commune_code``, ``members``.
    rides
        Open rides: ``ride_id``, ``departure_commune_code``, ``seats``, ``departure_lon``,
        ``departure_lat``, ``destination_lon``, ``destination_lat``.
    bookings
        Accepted bookings: ``ride_id``, ``pickup_lon``, ``pickup_lat`` (None when the rider
        gave no point), ``pickup_commune_code``.
    """

    posted: Sequence[Mapping[str, Any]] = ()
    projects: Sequence[Mapping[str, Any]] = ()
    rides: Sequence[Mapping[str, Any]] = ()
    bookings: Sequence[Mapping[str, Any]] = ()

    def counts(self) -> dict[str, int]:
        """How many rows of each kind were read (stored with the snapshot)."""
        return {
            "posted_offers": len(self.posted),
            "projects": len(self.projects),
            "rides": len(self.rides),
            "accepted_bookings": len(self.bookings),
        }


@dataclass(frozen=True)
class ImpactParams:
    """The ``[impact]`` table of ``config/impact.toml``.

    Attributes
    ----------
    events_period_days
        Events held: timings beginning in the this many days ending on the snapshot's day.
    thresholds_minutes
        Cut-offs of the reach indicators, minutes.
    reach_kinds
        Kinds of posted offers that people travel to, added to the reach figures.
    """

    events_period_days: int = 365
    thresholds_minutes: tuple[int, ...] = (15, 30, 45)
    reach_kinds: tuple[str, ...] = ("event", "venue")

    @classmethod
    def from_section(cls, table: Mapping[str, Any]) -> ImpactParams:
        """Parse ``[impact]``; missing keys keep their defaults."""
        d = cls()
        return cls(
            events_period_days=int(table.get("events_period_days", d.events_period_days)),
            thresholds_minutes=tuple(
                int(m) for m in table.get("thresholds_minutes", d.thresholds_minutes)
            ),
            reach_kinds=tuple(str(k) for k in table.get("reach_kinds", d.reach_kinds)),
        )


@dataclass(frozen=True)
class Snapshot:
    """The indicators of one day and what they were computed from."""

    day: date
    values: pd.DataFrame
    data_sha256: str
    inputs: dict[str, Any] = field(default_factory=dict)


def manifest_sha256(manifest: Mapping[str, Any]) -> str:
    """sha256 of the data manifest (canonical JSON): the derived data a snapshot rests on."""
    text = json.dumps(manifest, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def day_end_utc(day: date) -> datetime:
    """The last instant of `day` in Europe/Paris (exclusive bound: next midnight)."""
    return datetime.combine(day + timedelta(days=1), datetime.min.time(), LOCAL_TIMEZONE)


def _count(rows: Iterable[tuple[str | None, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=["commune_code", "indicator", "value"])
    frame = frame.dropna(subset=["commune_code"])
    summed: pd.DataFrame = frame.groupby(["commune_code", "indicator"], as_index=False).agg(
        value=("value", "sum")
    )
    return summed


def count_offer_indicators(
    open_offers: pd.DataFrame, facts: PlatformFacts, vocabulary: Sequence[str]
) -> pd.DataFrame:
    """Offers per commune: open data (by category), posted (by kind), both by theme."""
    rows: list[tuple[str | None, str, float]] = []
    for code, category, themes in zip(
        open_offers["commune_code"], open_offers["category"], open_offers["themes"], strict=True
    ):
        rows.append((code, "offers.open_data", 1.0))
        rows.append((code, f"offers.open_data.category.{category}", 1.0))
        rows.extend((code, f"offers.theme.{t}", 1.0) for t in themes if t in vocabulary)
    for o in facts.posted:
        code = o.get("commune_code")
        rows.append((code, "offers.posted", 1.0))
        rows.append((code, f"offers.posted.kind.{o['kind']}", 1.0))
        rows.extend((code, f"offers.theme.{t}", 1.0) for t in o.get("themes") or ())
    return _count(rows)


def count_activity_indicators(
    facts: PlatformFacts,
    population: Mapping[str, int],
    day: date,
    params: ImpactParams,
) -> pd.DataFrame:
    """Events held, projects and members, rides, seats offered and booked, per commune."""
    first = day - timedelta(days=params.events_period_days - 1)
    rows: list[tuple[str | None, str, float]] = []
    for o in facts.posted:
        if o["kind"] != "event":
            continue
        days = {
            datetime.fromisoformat(t["begin"]).astimezone(LOCAL_TIMEZONE).date()
            for t in o.get("timings") or ()
        }
        if any(first <= d <= day for d in days):
            code = o.get("commune_code")
            rows.append((code, "events.held", 1.0))
            if code is not None and population.get(code, 0) < SMALL_COMMUNE_POPULATION:
                rows.append((code, "events.held_small_communes", 1.0))
    for p in facts.projects:
        rows.append((p.get("commune_code"), "projects.published", 1.0))
        rows.append((p.get("commune_code"), "projects.members", float(p["members"])))
    departure = {r["ride_id"]: r.get("departure_commune_code") for r in facts.rides}
    for r in facts.rides:
        rows.append((r.get("departure_commune_code"), "rides.offered", 1.0))
        rows.append((r.get("departure_commune_code"), "rides.seats_offered", float(r["seats"])))
    for b in facts.bookings:
        if b["ride_id"] in departure:
            rows.append((departure[b["ride_id"]], "rides.seats_booked", 1.0))
    return _count(rows)


def expected_indicators(
    vocabulary: Sequence[str], modes: Sequence[str], params: ImpactParams, *, with_ages: bool
) -> list[str]:
    """Every indicator a snapshot holds for each zone (zeros included), in a stable order."""
    ids = ["offers.open_data", *(f"offers.open_data.category.{c}" for c in CATEGORIES)]
    ids += ["offers.posted", *(f"offers.posted.kind.{k}" for k in CONTRIBUTION_KINDS)]
    ids += [f"offers.theme.{t}" for t in vocabulary]
    ids += ["events.held", "events.held_small_communes", "projects.published", "projects.members"]
    ids += ["rides.offered", "rides.seats_offered", "rides.seats_booked"]
    ids += ["rides.minutes_saved", "rides.car_km_saved"]
    groups = POPULATION_GROUPS if with_ages else POPULATION_GROUPS[:1]
    for family in ("reach", "reach_new"):
        ids += [
            f"{family}.{mode}.{theme}.{m}min.{g}"
            for mode in modes
            for theme in vocabulary
            for m in params.thresholds_minutes
            for g in groups
        ]
    return ids


def zones_of(communes: pd.DataFrame, level: str) -> pd.Series:
    """The zone code of each commune at `level` (the département: the code's first two
    characters)."""
    codes = communes["code"].astype(str)
    if level == "commune":
        return codes
    if level == "departement":
        return codes.str[:2]
    return communes[level].astype(str)


def values_by_level(
    commune_values: pd.DataFrame, communes: pd.DataFrame, indicators: Sequence[str]
) -> pd.DataFrame:
    """Commune rows (``commune_code``, ``indicator``, ``value``) summed to every level.

    The commune level keeps its non-zero rows, and drops ``reach.*`` (all or nothing for a
    commune); zone levels hold every zone × indicator of `indicators` (and of the data),
    zeros included.
    """
    known = commune_values[commune_values["commune_code"].isin(set(communes["code"]))]
    # The expected ids, then any other the data holds (an open-data category added later).
    every = list(indicators) + sorted(set(known["indicator"]) - set(indicators))
    frames = []
    for level in IMPACT_LEVELS:
        zone = dict(zip(communes["code"].astype(str), zones_of(communes, level), strict=True))
        summed = (
            known.assign(zone_code=known["commune_code"].map(zone))
            .groupby(["zone_code", "indicator"], as_index=False)["value"]
            .sum()
        )
        if level == "commune":
            summed = summed[(summed["value"] != 0) & ~summed["indicator"].str.startswith("reach.")]
        else:
            grid = pd.MultiIndex.from_product(
                [sorted(set(zone.values())), every], names=["zone_code", "indicator"]
            )
            summed = (
                summed.set_index(["zone_code", "indicator"])["value"]
                .reindex(grid, fill_value=0.0)
                .reset_index()
            )
        frames.append(summed.assign(level=level))
    out = pd.concat(frames, ignore_index=True)
    out["value"] = out["value"].astype(float).round(3)
    return out[list(VALUE_COLUMNS)].reset_index(drop=True)


def zone_names(
    communes: gpd.GeoDataFrame, zones: Mapping[str, gpd.GeoDataFrame]
) -> dict[str, dict[str, str]]:
    """Level → zone code → name, for the answers."""
    names = {"commune": dict(zip(communes["code"].astype(str), communes["name"], strict=True))}
    for level in IMPACT_LEVELS[1:]:
        frame = zones.get(level)
        if frame is not None and "code" in frame.columns:
            names[level] = dict(
                zip(
                    frame["code"].astype(str),
                    frame.get("name", frame["code"]).astype(str),
                    strict=True,
                )
            )
    return names
