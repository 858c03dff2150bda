"""OpenAPI schema and examples of ``GET /api/v1/impact``."""

from __future__ import annotations

from typing import Any

_NUMBER_OR_NULL = {"type": ["number", "null"]}

IMPACT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["level", "snapshots", "indicators", "series", "value_proxies"],
    "properties": {
        "level": {"type": "string"},
        "from": {"type": ["string", "null"]},
        "to": {"type": ["string", "null"]},
        "absent_is_zero": {
            "type": "boolean",
            "description": "commune level: only non-zero values are stored",
        },
        "snapshots": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "date": {"type": "string"},
                    "taken_at": {"type": "string"},
                    "data_sha256": {"type": "string"},
                    "inputs": {"type": "object"},
                },
            },
        },
        "indicators": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "label"],
                "properties": {
                    "id": {"type": "string"},
                    "family": {"type": "string"},
                    "label": {"type": "string"},
                    "definition": {"type": "string"},
                    "unit": {"type": "string"},
                    "source": {"type": "string"},
                },
            },
        },
        "value_proxies": {
            "type": "object",
            "properties": {"enabled": {"type": "boolean"}, "proxies": {"type": "array"}},
        },
        "series": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["indicator", "zone_code", "points"],
                "properties": {
                    "indicator": {"type": "string"},
                    "zone_code": {"type": "string"},
                    "zone_name": {"type": ["string", "null"]},
                    "points": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["date", "value", "proxy_value_eur"],
                            "properties": {
                                "date": {"type": "string"},
                                "value": {"type": "number"},
                                "proxy_value_eur": _NUMBER_OR_NULL,
                            },
                        },
                    },
                },
            },
        },
    },
}

IMPACT_EXAMPLE: dict[str, Any] = {
    "level": "departement",
    "from": "2026-12-01",
    "to": "2026-12-31",
    "absent_is_zero": False,
    "snapshots": [
        {
            "date": "2026-12-05",
            "taken_at": "2026-12-05T22:00:03+00:00",
            "data_sha256": "e4c57585cbe5…",
            "inputs": {"platform_rows": {"posted_offers": 0}},
        },
        {
            "date": "2026-12-06",
            "taken_at": "2026-12-06T22:00:02+00:00",
            "data_sha256": "e4c57585cbe5…",
            "inputs": {"platform_rows": {"posted_offers": 1}},
        },
    ],
    "indicators": [
        {
            "id": "offers.posted",
            "family": "offers.posted",
            "label": "Offres publiées sur la plateforme",
            "definition": "Offers posted on the platform, published on or before the day…",
            "unit": "offers",
            "source": "base de données de la plateforme (offres publiées, projets, trajets)",
        }
    ],
    "value_proxies": {"enabled": False, "proxies": []},
    "series": [
        {
            "indicator": "offers.posted",
            "zone_code": "58",
            "zone_name": "Nièvre",
            "points": [
                {"date": "2026-12-05", "value": 0.0, "proxy_value_eur": None},
                {"date": "2026-12-06", "value": 1.0, "proxy_value_eur": None},
            ],
        }
    ],
}

IMPACT_CSV_EXAMPLE = (
    "date,level,zone_code,zone_name,indicator,unit,value,proxy_value_eur\n"
    "2026-12-05,departement,58,Nièvre,offers.posted,offers,0.0,\n"
    "2026-12-06,departement,58,Nièvre,offers.posted,offers,1.0,\n"
)
