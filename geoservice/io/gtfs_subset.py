"""The Nièvre ± buffer part of GTFS feeds: cut by area, prefix the ids, merge.

Stops within the buffer of the département polygon are kept, with the trips that call at least
twice at them and, of those trips, only the stop_times at kept stops. Every id of a feed is
prefixed with ``<feed id>:`` so that several feeds never collide.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
import shapely
from shapely.geometry import shape

from geoservice.core.crs import METRIC_CRS, SERVICE_CRS, geometry_to_lambert93, transformer
from geoservice.errors import DataError
from geoservice.io.gtfs import COLUMNS, ID_COLUMNS


def read_area_polygon_2154(path: Path, buffer_m: float) -> shapely.Geometry:
    """The polygon of a GeoJSON Feature or FeatureCollection, EPSG:2154, buffered by `buffer_m`.

    The file is WGS 84 (RFC 7946); all its features are united.
    """
    doc = json.loads(path.read_text(encoding="utf-8"))
    if doc.get("type") == "Feature":
        features = [doc]
    elif doc.get("type") == "FeatureCollection":
        features = list(doc.get("features", []))
    else:
        raise DataError(f"{path.name}: not a GeoJSON Feature or FeatureCollection")
    if not features:
        raise DataError(f"{path.name}: no feature")
    geom_4326 = shapely.union_all([shape(f["geometry"]) for f in features])
    # quad_segs=16: the default of BaseGeometry.buffer, which wrote the committed subset.
    return shapely.buffer(geometry_to_lambert93(geom_4326), buffer_m, quad_segs=16)


def subset_feed(
    tables: Mapping[str, pd.DataFrame], area_2154: shapely.Geometry
) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """The part of a feed inside `area_2154` (a polygon in EPSG:2154).

    Kept: stops (location_type 0 or empty) inside the area and their parent stations; trips
    calling at least twice at kept stops, with only their stop_times at kept stops; the routes,
    agencies, services (calendar, calendar_dates) and transfers these use.

    Returns
    -------
    tables, notes
        The subset, and one line per kind of record dropped.
    """
    notes: list[str] = []
    stops = tables["stops"]
    is_point = stops["location_type"].isin(["", "0"])
    to_2154 = transformer(SERVICE_CRS, METRIC_CRS)
    x, y = to_2154.transform(
        stops["stop_lon"].astype(float).to_numpy(), stops["stop_lat"].astype(float).to_numpy()
    )
    inside = shapely.contains_xy(area_2154, x, y)
    kept_points = set(stops.loc[is_point & inside, "stop_id"])

    st = tables["stop_times"]
    st_in = st[st["stop_id"].isin(kept_points)]
    calls = st_in.groupby("trip_id").size()
    trip_ids = set(calls[calls >= 2].index)
    single = int((calls < 2).sum())
    if single:
        notes.append(f"{single} trip(s) calling only once inside the area dropped")
    st_out = st_in[st_in["trip_id"].isin(trip_ids)]
    used_points = set(st_out["stop_id"])
    parents = set(stops.loc[stops["stop_id"].isin(used_points), "parent_station"]) - {""}
    stops_out = stops[stops["stop_id"].isin(used_points | parents)]

    trips = tables["trips"]
    trips_out = trips[trips["trip_id"].isin(trip_ids)]
    routes_out = tables["routes"][tables["routes"]["route_id"].isin(set(trips_out["route_id"]))]
    agency = tables["agency"]
    if len(agency) > 1 or (len(agency) == 1 and agency["agency_id"].iloc[0] != ""):
        agency = agency[agency["agency_id"].isin(set(routes_out["agency_id"]))]
    services = set(trips_out["service_id"])
    transfers = tables["transfers"]
    transfers_out = transfers[
        transfers["from_stop_id"].isin(set(stops_out["stop_id"]))
        & transfers["to_stop_id"].isin(set(stops_out["stop_id"]))
    ]
    out = {
        "agency": agency,
        "stops": stops_out,
        "routes": routes_out,
        "trips": trips_out,
        "stop_times": st_out,
        "calendar": tables["calendar"][tables["calendar"]["service_id"].isin(services)],
        "calendar_dates": tables["calendar_dates"][
            tables["calendar_dates"]["service_id"].isin(services)
        ],
        "transfers": transfers_out,
        "feed_info": tables["feed_info"],
    }
    return out, notes


def prefix_feed(tables: Mapping[str, pd.DataFrame], feed_id: str) -> dict[str, pd.DataFrame]:
    """A copy whose ids are prefixed with ``<feed_id>:`` (empty ids stay empty)."""
    out: dict[str, pd.DataFrame] = {}
    for name, df in tables.items():
        df = df.copy()
        for col in ID_COLUMNS[name]:
            df[col] = df[col].where(df[col] == "", feed_id + ":" + df[col])
        out[name] = df
    info = out["feed_info"]
    if len(info) == 0:
        info = pd.DataFrame([dict.fromkeys(COLUMNS["feed_info"], "")])
    out["feed_info"] = info.head(1).assign(feed_id=feed_id)
    return out


def merge_feeds(feeds: Sequence[Mapping[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    """Concatenate prefixed feeds table by table; refuse duplicate ids."""
    merged: dict[str, pd.DataFrame] = {}
    for name in COLUMNS:
        frames = [f[name][list(COLUMNS[name])] for f in feeds]
        merged[name] = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    for name, key in (("stops", "stop_id"), ("trips", "trip_id"), ("routes", "route_id")):
        dup = merged[name][key].duplicated()
        if dup.any():
            example = merged[name].loc[dup, key].iloc[0]
            raise DataError(f"duplicate {key} after merging feeds, e.g. {example!r}")
    return merged
