"""Posted offers as plain records: JSON-ready dicts and rows of the shared offers frame."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import geopandas as gpd
import shapely

from geoservice.core.offers import OFFER_COLUMNS
from geoservice.store.models import OFFER_ID_PREFIX, ModerationEvent, Offer

#: Columns of the shared offers schema (``Runtime.offers``), geometry aside.
OFFERS_FRAME_COLUMNS: tuple[str, ...] = OFFER_COLUMNS


def _iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def offer_to_record(offer: Offer) -> dict[str, Any]:
    """A posted offer as a plain JSON-ready dict (datetimes as ISO 8601 UTC strings)."""
    return {
        "offer_id": offer.offer_id,
        "kind": offer.kind,
        "title": offer.title,
        "description": offer.description,
        "themes": offer.themes,
        "timings": [
            {"begin": _iso_utc(t.begin_at), "end": _iso_utc(t.end_at)} for t in offer.timings
        ],
        "lon": offer.lon,
        "lat": offer.lat,
        "commune_code": offer.commune_code,
        "located_by": offer.located_by,
        "location_name": offer.location_name,
        "address": offer.address,
        "accessibility": dict(offer.accessibility or {}),
        "age_min": offer.age_min,
        "age_max": offer.age_max,
        "free": offer.free,
        "price_eur": offer.price_eur,
        "conditions": offer.conditions,
        "registration": list(offer.registration or []),
        "attendance_mode": offer.attendance_mode,
        "online_url": offer.online_url,
        "url": offer.url,
        "image_url": offer.image_url,
        "organiser": offer.organiser,
        "status": offer.status,
        "author": offer.author.name if offer.author is not None else None,
        "created_at": _iso_utc(offer.created_at),
        "updated_at": _iso_utc(offer.updated_at),
        "published_at": _iso_utc(offer.published_at) if offer.published_at else None,
        "source": "contribution",
    }


def event_to_record(event: ModerationEvent) -> dict[str, Any]:
    """A moderation event as a plain dict."""
    return {
        "at": _iso_utc(event.at),
        "actor": event.actor_name,
        "actor_role": event.actor_role,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "reason": event.reason,
    }


def offers_frame_from_records(
    records: Sequence[Mapping[str, Any]], *, licence: str
) -> gpd.GeoDataFrame:
    """Posted offer records as rows of the shared offers schema (EPSG:4326 points).

    The columns are those of ``Runtime.offers`` so that posted and open-data offers are
    searched and served together: ``name`` is the title, ``category`` the kind, ``period``
    ``first day → last day`` of the timings, ``source`` ``contribution``, ``licence`` the
    platform's licence for contributions, ``attribution`` the organiser (else the author),
    ``location_quality`` ``source`` for a posted point and ``commune_centroid_missing`` for
    an offer placed at its commune.
    """
    columns = [*OFFERS_FRAME_COLUMNS, "geometry"]
    if not records:  # the usual case of a search: a copy of a frame built once
        return _empty_offers_frame().copy()
    rows = []
    for r in records:
        timings = r.get("timings") or []
        period = None
        if timings:
            first = min(t["begin"] for t in timings)[:10]
            last = max(t["end"] for t in timings)[:10]
            period = first if first == last else f"{first} → {last}"
        rows.append(
            {
                "offer_id": r["offer_id"],
                "name": r["title"],
                "category": r["kind"],
                "themes": tuple(r.get("themes") or ()),
                "commune_code": r.get("commune_code"),
                "address": r.get("address"),
                "url": r.get("url"),
                "period": period,
                "source": "contribution",
                "source_id": r["offer_id"].removeprefix(OFFER_ID_PREFIX),
                "licence": licence,
                "attribution": r.get("organiser") or r.get("author") or "anonymous",
                "location_quality": (
                    "commune_centroid_missing" if r.get("located_by") == "commune" else "source"
                ),
                "geometry": shapely.Point(r["lon"], r["lat"]),
            }
        )
    return gpd.GeoDataFrame(rows, columns=columns, geometry="geometry", crs="EPSG:4326")


@functools.cache
def _empty_offers_frame() -> gpd.GeoDataFrame:
    """The frame of no posted offer (never handed out: callers get a copy)."""
    columns = [*OFFERS_FRAME_COLUMNS, "geometry"]
    return gpd.GeoDataFrame([], columns=columns, geometry="geometry", crs="EPSG:4326")
