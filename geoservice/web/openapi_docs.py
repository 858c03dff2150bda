"""Response schemas and examples of the OpenAPI document for views that build their JSON
themselves (GeoJSON collections, ``/health``): documentation only, nothing is serialised
through them. Schemathesis validates every answer against them (tests/web/test_contract_fuzz).
"""

from __future__ import annotations

from typing import Any

from geoservice.analytics.shared_rides import BASIS

#: A GeoJSON geometry (RFC 7946), EPSG:4326.
GEOMETRY: dict[str, Any] = {
    "type": "object",
    "required": ["type", "coordinates"],
    "properties": {
        "type": {
            "type": "string",
            "enum": [
                "Point",
                "MultiPoint",
                "LineString",
                "MultiLineString",
                "Polygon",
                "MultiPolygon",
            ],
        },
        "coordinates": {"type": "array"},
    },
}

_BAND_PROPERTIES: dict[str, Any] = {
    "type": "object",
    "required": ["value", "mode", "area_km2"],
    "properties": {
        "group_index": {"type": "integer", "minimum": 0},
        "value": {"type": "number", "exclusiveMinimum": 0, "description": "budget, seconds"},
        "center": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
        "mode": {"type": "string"},
        "area_km2": {"type": "number", "minimum": 0},
        "population": {
            "type": ["integer", "number", "null"],
            "minimum": 0,
            "description": "inhabitants inside the band and inside the département (Eurostat "
            "Census 2021 1 km grid, cells weighted by their area share)",
        },
        "population_by_age": {
            "type": ["object", "null"],
            "description": "the same by age band; the bands add up to `population`",
            "properties": {
                "under_15": {"type": "integer", "minimum": 0},
                "15_64": {"type": "integer", "minimum": 0},
                "65_plus": {"type": "integer", "minimum": 0},
            },
        },
        "area": {"type": "number", "minimum": 0},
        "total_pop": {"type": ["integer", "number", "null"], "minimum": 0},
        "minutes": {"type": "number", "exclusiveMinimum": 0},
        "access_mode": {"type": "string"},
    },
}

#: An isochrone FeatureCollection (road and transit isochrones, openrouteservice scheme).
ISOCHRONE_COLLECTION: dict[str, Any] = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "bbox": {
            "type": ["array", "null"],
            "items": {"type": "number"},
            "minItems": 4,
            "maxItems": 4,
        },
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "properties", "geometry"],
                "properties": {
                    "type": {"type": "string", "enum": ["Feature"]},
                    "properties": _BAND_PROPERTIES,
                    "geometry": GEOMETRY,
                },
            },
        },
        "info": {"type": "object"},
        "metadata": {"type": "object"},
    },
}

ISOCHRONE_EXAMPLE: dict[str, Any] = {
    "type": "FeatureCollection",
    "bbox": [3.154804, 46.988403, 3.162396, 46.993597],
    "features": [
        {
            "type": "Feature",
            "properties": {
                "group_index": 0,
                "value": 300.0,
                "center": [3.1586, 46.991],
                "mode": "walk",
                "area_km2": 0.25,
                "population": 779,
                "population_by_age": {"under_15": 91, "15_64": 475, "65_plus": 213},
            },
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [
                        [3.162396, 46.990995],
                        [3.158592, 46.988403],
                        [3.154804, 46.991005],
                        [3.158608, 46.993597],
                        [3.162396, 46.990995],
                    ]
                ],
            },
        }
    ],
    "info": {"network": "Travel Mapping main roads of the Nièvre (A, N, D)"},
    "metadata": {"service": "isochrones", "query": {"lon": 3.1586, "lat": 46.991}},
}

#: ``GET /health``.
HEALTH: dict[str, Any] = {
    "type": "object",
    "required": ["status", "version", "data"],
    "properties": {
        "status": {"type": "string", "enum": ["ok", "degraded"]},
        "version": {"type": "string"},
        "data": {
            "type": "object",
            "required": ["outputs", "counts"],
            "properties": {
                "built_at": {"type": ["string", "null"], "format": "date-time"},
                "outputs": {
                    "type": "object",
                    "additionalProperties": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                },
                "sources": {"type": "object"},
                "counts": {"type": "object"},
            },
        },
        "network": {"type": ["object", "null"]},
        "transit": {"type": ["object", "null"]},
        "accessibility": {"type": ["object", "null"]},
        "updates": {
            "type": "object",
            "description": "per source of `geoservice data update`: kind, last_success, age_s, "
            "last_error (empty when data/ was never updated)",
        },
        "store": {
            "type": "object",
            "required": ["status"],
            "properties": {"status": {"enum": ["ok", "unavailable", "migration pending"]}},
        },
    },
}

HEALTH_EXAMPLE: dict[str, Any] = {
    "status": "ok",
    "version": "0.1.0",
    "data": {
        "built_at": "2026-11-25T10:58:01+00:00",
        "outputs": {
            "communes.geojson": "23114a7290b3922138b7c181dc4dd240e2ffdd80ff3eff58878b048d504dfc79"
        },
        "sources": {},
        "counts": {"communes": 309, "population": 201417, "offers": 176},
    },
    "network": {"name": "Travel Mapping main roads of the Nièvre (A, N, D)", "nodes": 3330},
    "transit": None,
    "store": {"status": "ok", "database": "sqlite", "offers_by_status": {"published": 3}},
}


_TARGET: dict[str, Any] = {
    "type": "object",
    "required": ["type", "value"],
    "properties": {"type": {"enum": ["theme", "category"]}, "value": {"type": "string"}},
}


def _planner(required: list[str], extra: dict[str, Any]) -> dict[str, Any]:
    """A planner answer: target, mode and metadata, plus its own fields."""
    return {
        "type": "object",
        "required": ["target", "mode", "metadata", *required],
        "properties": {
            "target": _TARGET,
            "mode": {"type": "string"},
            "metadata": {"type": "object"},
            **extra,
        },
    }


_ROWS = {"type": "array", "items": {"type": "object"}}
_PLANNER_EXAMPLE_HEAD: dict[str, Any] = {
    "target": {"type": "category", "value": "cinema"},
    "mode": "drive",
    "metadata": {"origins": "each commune's town hall"},
}

#: ``GET /api/v1/accessibility`` (``format=json``; ``geojson`` adds ``type`` and ``features``).
ACCESSIBILITY = _planner(
    ["level"],
    {"level": {"type": "string"}, "items": _ROWS, "features": _ROWS, "type": {"type": "string"}},
)
ACCESSIBILITY_EXAMPLE = {
    **_PLANNER_EXAMPLE_HEAD,
    "level": "commune",
    "items": [{"code": "58194", "name": "Nevers", "population": 32990, "time_s": 212.4}],
}
ACCESSIBILITY_CSV_EXAMPLE = (
    "code,name,population,time_s,nearest_offer_id,nearest_offer_name,offers_within_15min,"
    "offers_within_30min,offers_within_45min,offers_within_60min,access_decay\n"
    "58001,Achun,160,1366.8,cnc:104091,ETOILE CINEMA,0,3,6,9,2.590004\n"
)
#: ``GET /api/v1/underserved``.
UNDERSERVED = _planner(
    ["threshold_minutes", "population_beyond", "population_total", "items"],
    {
        "threshold_minutes": {"type": "number"},
        "age": {"type": "string", "enum": ["all", "under_15", "15_64", "65_plus"]},
        "population_beyond": {"type": "integer", "minimum": 0},
        "population_total": {"type": "integer", "minimum": 0},
        "share_beyond": {"type": "number", "minimum": 0, "maximum": 1},
        "items": _ROWS,
    },
)
UNDERSERVED_EXAMPLE = {
    **_PLANNER_EXAMPLE_HEAD,
    "threshold_minutes": 30.0,
    "age": "all",
    "population_beyond": 2262,
    "population_total": 201417,
    "share_beyond": 0.01123,
    "items": [{"code": "58001", "name": "Alligny-Cosne", "population": 1340, "time_s": 1900.0}],
}
#: ``GET /api/v1/suggestions``.
SUGGESTIONS = _planner(
    ["threshold_minutes", "k", "steps"],
    {
        "threshold_minutes": {"type": "number"},
        "k": {"type": "integer", "minimum": 1},
        "population_uncovered_before": {"type": "integer", "minimum": 0},
        "method": {"type": "string"},
        "steps": _ROWS,
    },
)
SUGGESTIONS_EXAMPLE = {
    **_PLANNER_EXAMPLE_HEAD,
    "threshold_minutes": 30.0,
    "k": 1,
    "population_uncovered_before": 2262,
    "method": "greedy maximal coverage over the communes' origins (town halls)",
    "steps": [{"commune": "58086", "population_gained": 657}],
}
#: ``POST /api/v1/scenarios``.
SCENARIO = _planner(
    ["added", "removed", "thresholds"],
    {
        "added": _ROWS,
        "removed": {"type": "array", "items": {"type": "string"}},
        "thresholds": _ROWS,
        "communes_changed": {"type": "integer", "minimum": 0},
        "shared_rides": {
            "type": "object",
            "description": "only with shared_rides: inhabitants reached by shared ride; "
            "offered seats, not a transport service",
            "required": ["basis", "nearby_km", "rides", "seats_offered", "thresholds"],
            "properties": {
                "basis": {"enum": [BASIS]},
                "definition": {"type": "string"},
                "nearby_km": {"type": "number"},
                "rides": {"type": "integer", "minimum": 0},
                "seats_offered": {"type": "integer", "minimum": 0},
                "thresholds": _ROWS,
            },
        },
    },
)
SCENARIO_EXAMPLE = {
    **_PLANNER_EXAMPLE_HEAD,
    "added": [{"id": "scenario:1", "category": "cinema", "commune": "58086"}],
    "removed": [],
    "thresholds": [{"threshold_minutes": 15, "population_newly_within": 657}],
    "communes_changed": 20,
    "shared_rides": {
        "basis": BASIS,
        "nearby_km": 10.0,
        "rides": 0,
        "seats_offered": 0,
        "thresholds": [
            {
                "threshold_minutes": 15,
                "population_by_shared_ride": 0,
                "communes_by_shared_ride": 0,
                "rides_used": 0,
                "seats_offered_used": 0,
                "commune_codes": [],
            }
        ],
    },
}


def json_response_doc(schema: dict[str, Any], example: Any, status: str = "200") -> dict[str, Any]:
    """``@blp.doc(**json_response_doc(...))``: the schema and example of a JSON response."""
    return {
        "responses": {
            status: {"content": {"application/json": {"schema": schema, "example": example}}}
        }
    }


def file_doc(content_type: str, schema: dict[str, Any], example: Any) -> dict[str, Any]:
    """``@blp.doc(**file_doc(...))``: a download's media type, schema and example."""
    return {
        "responses": {"200": {"content": {content_type: {"schema": schema, "example": example}}}}
    }


#: A GeoJSON FeatureCollection of points (the offers export).
POINT_COLLECTION: dict[str, Any] = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"enum": ["FeatureCollection"]},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "geometry", "properties"],
                "properties": {"type": {"enum": ["Feature"]}, "geometry": GEOMETRY},
            },
        },
    },
}


#: A GeoJSON FeatureCollection of any geometries.
FEATURE_COLLECTION: dict[str, Any] = {
    **POINT_COLLECTION,
    "properties": {**POINT_COLLECTION["properties"]},
}

#: ``GET /api/v1/maps/accessibility.{geojson,png,html}``: one media type per suffix.
ACCESSIBILITY_MAP_CONTENT: dict[str, Any] = {
    "image/png": {"schema": {"type": "string", "format": "binary"}},
    "text/html": {
        "schema": {"type": "string"},
        "example": '<!DOCTYPE html>\n<html lang="fr">…Leaflet map of the communes…</html>',
    },
    "application/geo+json": {
        "schema": FEATURE_COLLECTION,
        "example": {
            "type": "FeatureCollection",
            "title": "Temps jusqu'à l'offre la plus proche : Cinéma, audiovisuel",
            "subtitle": "Depuis chaque commune, en voiture",
            "note": "Départ : point représentatif de chaque commune. Réseau : main roads only "
            "(A, N, D); no urban streets, no communal roads; edges are straight chords between "
            "junctions lengthened by a detour factor.",
            "metadata": {
                "network": {
                    "name": "Travel Mapping main roads of the Nièvre (A, N, D)",
                    "limits": "main roads only (A, N, D); no urban streets, no communal roads; "
                    "edges are straight chords between junctions lengthened by a detour factor",
                    "main_roads_only": True,
                },
                "origins": "each commune's town hall (a point inside the commune where its "
                "published town-hall point lies outside it; see GET /api/v1/communes, origin)",
                "modes": ["bike", "drive", "transit", "walk"],
                "transit": "transit: walk + TER trains and coaches + walk; median door-to-door "
                "time over departures every minute from 08:00 for 120 min on 2025-02-04",
                "tables": {"fingerprint": "4a5083432543f180…", "source": "file"},
            },
            "features": [
                {
                    "type": "Feature",
                    "properties": {
                        "code": "58001",
                        "name": "Achun",
                        "population": 160,
                        "time_s": 1366.8,
                        "value_minutes": 22.78,
                        "class": 3,
                        "class_label": "20–25 min",
                        "color": "#3b518b",
                        "underserved": False,
                    },
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [
                            [
                                [3.66732, 47.09246],
                                [3.66605, 47.09432],
                                [3.66476, 47.09506],
                                [3.66732, 47.09246],
                            ]
                        ],
                    },
                }
            ],
        },
    },
}
