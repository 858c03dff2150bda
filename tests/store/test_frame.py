"""Posted offers as rows of the shared offers schema."""

from __future__ import annotations

from geoservice.store.records import OFFERS_FRAME_COLUMNS, offers_frame_from_records


def test_posted_records_become_offer_rows() -> None:
    records = [
        {
            "offer_id": "user:7",
            "title": "Atelier de poterie",
            "kind": "skill",
            "themes": ["decorative-arts"],
            "commune_code": "58086",
            "address": None,
            "url": "https://example.org",
            "timings": [
                {"begin": "2030-05-01T08:00:00+00:00", "end": "2030-05-01T10:00:00+00:00"},
                {"begin": "2030-05-08T08:00:00+00:00", "end": "2030-05-08T10:00:00+00:00"},
            ],
            "organiser": None,
            "author": "alice",
            "located_by": "commune",
            "lon": 3.52,
            "lat": 47.46,
        }
    ]
    frame = offers_frame_from_records(records, licence="Licence Ouverte 2.0")
    assert frame.crs.to_epsg() == 4326
    assert list(frame.columns) == [*OFFERS_FRAME_COLUMNS, "geometry"]
    row = frame.iloc[0]
    assert (row["name"], row["category"], row["themes"]) == (
        "Atelier de poterie",
        "skill",
        ("decorative-arts",),
    )
    assert row["period"] == "2030-05-01 → 2030-05-08"
    assert (row["source"], row["source_id"], row["attribution"]) == ("contribution", "7", "alice")
    assert row["location_quality"] == "commune_centroid_missing"
    assert (row.geometry.x, row.geometry.y) == (3.52, 47.46)
    empty = offers_frame_from_records([], licence="x")
    assert empty.empty
    assert empty.crs.to_epsg() == 4326
