"""OpenAPI examples of the projects and rides endpoints (Clamecy, Luzy, Decize, Nevers)."""

from __future__ import annotations

from typing import Any

_NEEDS = [
    {
        "id": 1,
        "kind": "skill",
        "text": "ingénieur du son pour le concert",
        "quantity": 1,
        "needed_on": "2030-07-14",
        "fulfilled": False,
    },
    {
        "id": 2,
        "kind": "resource",
        "text": "scène démontable 6 x 4 m",
        "quantity": 1,
        "needed_on": None,
        "fulfilled": False,
    },
]
_PROJECT_PROPS: dict[str, Any] = {
    "project_id": 1,
    "title": "Fête de la musique au bord de l'Yonne",
    "description": "Une scène ouverte aux groupes du Clamecycois.",
    "themes": ["music"],
    "commune_code": "58079",
    "located_by": "commune",
    "starts_on": "2030-07-14",
    "ends_on": "2030-07-14",
    "stage": "open",
    "status": "published",
    "owner": "comite-des-fetes",
    "needs": _NEEDS,
    "members": [],
    "answers": [],
    "responses": [],
    "created_at": "2030-05-01T08:00:00+00:00",
    "updated_at": "2030-05-01T08:00:00+00:00",
    "published_at": "2030-05-01T09:00:00+00:00",
}
_PROJECT = {
    "type": "Feature",
    "id": 1,
    "geometry": {"type": "Point", "coordinates": [3.5185, 47.4572]},
    "properties": _PROJECT_PROPS,
}
_RIDE = {
    "ride_id": 7,
    "event": "user:12",
    "destination": {"name": "Concert d'orgue à Saint-Étienne", "lon": 3.1591, "lat": 46.9896},
    "arrive_at": None,
    "departure_commune_code": "58149",
    "departure": "2030-06-21T17:30:00+00:00",
    "return_departure": "2030-06-21T20:30:00+00:00",
    "seats": 3,
    "seats_free": 2,
    "max_detour_minutes": 20.0,
    "driver": "camille",
    "note": "Retour vers 22 h 30.",
    "status": "open",
}
_BOOKING = {
    "booking_id": 3,
    "ride_id": 7,
    "rider": "dominique",
    "pickup_commune_code": "58095",
    "message": "Je serai devant la mairie.",
    "status": "pending",
    "created_at": "2030-06-10T12:00:00+00:00",
    "decided_at": None,
    "contact": None,
    "pickup": None,
}

EXAMPLES: dict[str, Any] = {
    "project": _PROJECT,
    "projects": {"type": "FeatureCollection", "total": 1, "features": [_PROJECT]},
    "project_create": {
        "title": "Fête de la musique au bord de l'Yonne",
        "description": "Une scène ouverte aux groupes du Clamecycois.",
        "themes": ["music"],
        "commune_code": "58079",
        "starts_on": "2030-07-14",
        "needs": [
            {"kind": "skill", "text": "ingénieur du son pour le concert", "quantity": 1},
            {"kind": "resource", "text": "scène démontable 6 x 4 m"},
        ],
    },
    "need": {"kind": "volunteers", "text": "bénévoles pour l'accueil", "quantity": 4},
    "response_create": {
        "need_id": 1,
        "offer_id": "user:5",
        "message": "Je sonorise des concerts depuis dix ans.",
    },
    "response": {
        "id": 1,
        "need_id": 1,
        "responder": "alex-son",
        "offer_id": "user:5",
        "message": "Je sonorise des concerts depuis dix ans.",
        "status": "pending",
        "created_at": "2030-05-02T10:00:00+00:00",
        "decided_at": None,
    },
    "project_event": {
        "at": "2030-05-01T09:00:00+00:00",
        "actor": "mod",
        "actor_role": "moderator",
        "from_status": "pending",
        "to_status": "published",
        "reason": None,
    },
    "matches": {
        "project_id": 1,
        "mode": "drive",
        "max_minutes": 45.0,
        "origin": {"lon": 3.5185, "lat": 47.4572, "commune": "58079"},
        "needs": [
            {
                "need": _NEEDS[0],
                "offer_kinds": ["skill"],
                "words": ["ingenieur", "son", "concert"],
                "matches": [
                    {
                        "offer_id": "user:5",
                        "name": "Ingénieure du son, sonorisation de concerts",
                        "category": "skill",
                        "commune_code": "58079",
                        "travel_time_s": 95.2,
                        "travel_time_min": 1.6,
                        "distance_m": 1320,
                        "matched_words": ["ingenieur", "son"],
                    }
                ],
            }
        ],
    },
    "offer_projects": {
        "offer_id": "user:5",
        "mode": "drive",
        "max_minutes": 30.0,
        "projects": [
            {
                "project_id": 1,
                "title": "Fête de la musique au bord de l'Yonne",
                "commune_code": "58079",
                "travel_time_s": 95.2,
                "travel_time_min": 1.6,
                "needs": [_NEEDS[0]],
            }
        ],
    },
    "ride": _RIDE,
    "rides": {"total": 1, "rides": [_RIDE]},
    "ride_create": {
        "event": "user:12",
        "commune_code": "58149",
        "seats": 3,
        "departure": "2030-06-21T19:30:00",
        "return_departure": "2030-06-21T22:30:00",
        "max_detour_minutes": 20,
        "contact": "06 12 34 56 78",
        "note": "Retour vers 22 h 30.",
    },
    "ride_matches": {
        "origin": {"lon": 3.4846, "lat": 46.8284, "commune": "58095"},
        "total": 1,
        "matches": [
            {
                **_RIDE,
                "detour_s": 412.5,
                "detour_min": 6.9,
                "direct_s": 3361.0,
                "to_rider_s": 2405.3,
                "rider_to_destination_s": 1368.2,
            }
        ],
    },
    "booking_create": {
        "commune_code": "58095",
        "contact": "dominique@example.org",
        "message": "Je serai devant la mairie.",
    },
    "booking": _BOOKING,
    "notifications": [
        {
            "id": 1,
            "kind": "booking_requested",
            "text": "dominique demande une place pour « Concert d'orgue à Saint-Étienne »",
            "ride_id": 7,
            "booking_id": 3,
            "created_at": "2030-06-10T12:00:00+00:00",
        }
    ],
}
