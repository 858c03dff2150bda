"""Response examples of the OpenAPI document, taken from the service's real answers
(embedded Nièvre data, one posted offer) and shortened: one item per list, polygons cut to a
triangle. Regenerate by calling the endpoints named in each key."""

from __future__ import annotations

from typing import Any

EXAMPLES: dict[str, Any] = {
    "posted_offer_created": {
        "type": "Feature",
        "id": "user:1",
        "geometry": {"type": "Point", "coordinates": [3.159051, 46.985481]},
        "properties": {
            "offer_id": "user:1",
            "kind": "event",
            "title": "Concert d'orgue à l'église Saint-Étienne",
            "description": "Bach et Couperin, par l'ensemble de la cathédrale.",
            "themes": ["music"],
            "timings": [{"begin": "2030-06-21T18:30:00+00:00", "end": "2030-06-21T20:00:00+00:00"}],
            "commune_code": "58194",
            "located_by": "commune",
            "location_name": "Église Saint-Étienne",
            "address": "13 rue Saint-Étienne, 58000 Nevers",
            "accessibility": {},
            "age_min": None,
            "age_max": None,
            "free": None,
            "price_eur": None,
            "conditions": None,
            "registration": [],
            "attendance_mode": "on_site",
            "online_url": None,
            "url": "https://example.org/concert",
            "image_url": None,
            "organiser": None,
            "status": "published",
            "author": "mod",
            "created_at": "2026-11-25T11:44:24.357093+00:00",
            "updated_at": "2026-11-25T11:44:24.357093+00:00",
            "published_at": "2026-11-25T11:44:24.357093+00:00",
            "source": "contribution",
        },
    },
    "trips_return": {
        "offer": {
            "offer_id": "cnc:102173",
            "name": "CRYSTAL PALACE",
            "commune_code": "58059",
            "lon": 3.021931,
            "lat": 47.176632,
        },
        "home": {"lon": 3.150743, "lat": 46.987282},
        "after": "2025-02-04T18:00:00+01:00",
        "arrive_by": "2025-02-05T00:00:00+01:00",
        "access_mode": "walk",
        "service_date": {
            "requested": "2025-02-04",
            "used": "2025-02-04",
            "reason": "2025-02-04 is inside the timetable validity 2025-01-22 → 2025-04-22",
        },
        "found": True,
        "departure": "2025-02-04T20:06:11+01:00",
        "arrival": "2025-02-04T20:35:00+01:00",
        "itinerary": [
            {
                "mode": "walk",
                "from_stop": None,
                "from_name": "CRYSTAL PALACE",
                "to_stop": "ter:StopPoint:OCETrain TER-87696195",
                "to_name": "La Charité-sur-Loire",
                "departure": "2025-02-04T20:06:11+01:00",
                "arrival": "2025-02-04T20:13:00+01:00",
                "distance_m": None,
                "route_short_name": None,
                "route_long_name": None,
                "trip_id": None,
                "headsign": None,
                "stops": [],
            }
        ],
        "last_departure": None,
    },
    "communes": {
        "type": "FeatureCollection",
        "total": 309,
        "features": [
            {
                "type": "Feature",
                "id": "58001",
                "properties": {
                    "code": "58001",
                    "name": "Achun",
                    "population": 160,
                    "canton": "58002",
                    "epci": "200067882",
                    "arrondissement": "581",
                    "origin": {"lon": 3.679777, "lat": 47.124508, "source": "town_hall"},
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
    "offers": {
        "type": "FeatureCollection",
        "total": 10,
        "limit": 1,
        "offset": 0,
        "links": [{"rel": "self", "href": "/api/v1/offers?category=cinema&limit=1&offset=0"}],
        "features": [
            {
                "type": "Feature",
                "id": "cnc:102173",
                "properties": {
                    "offer_id": "cnc:102173",
                    "name": "CRYSTAL PALACE",
                    "category": "cinema",
                    "themes": ["cinema"],
                    "commune_code": "58059",
                    "address": "14 RUE DE BOURGOGNE, La Charité-sur-Loire",
                    "url": None,
                    "period": None,
                    "source": "cnc",
                    "source_id": "102173",
                    "licence": "Licence Ouverte / Etalab 2.0",
                    "attribution": "CNC, liste des établissements "
                    "cinématographiques actifs (activité "
                    "2022)",
                    "location_quality": "source",
                },
                "geometry": {"type": "Point", "coordinates": [3.021931, 47.176632]},
            }
        ],
    },
    "offer": {
        "type": "Feature",
        "id": "bibliotheques:BD2450",
        "properties": {
            "offer_id": "bibliotheques:BD2450",
            "name": "58 - BIBLIOTHEQUE DE LA NIEVRE",
            "category": "library",
            "themes": ["books"],
            "commune_code": "58303",
            "address": "20 RUE DU 8 MAI 1945, 58640 Varennes-Vauzelles",
            "url": None,
            "period": None,
            "source": "bibliotheques",
            "source_id": "BD2450",
            "licence": "Licence Ouverte / Etalab 2.0",
            "attribution": "Ministère de la Culture / Observatoire de la "
            "lecture publique, adresses des bibliothèques "
            "publiques (copie préparée par "
            "SandraRiner/offre_culturelle)",
            "location_quality": "commune_centroid_missing",
        },
        "geometry": {"type": "Point", "coordinates": [3.148041, 47.036948]},
    },
    "moderation_events": [
        {
            "at": "2026-11-25T11:44:24.357093+00:00",
            "actor": "mod",
            "actor_role": "moderator",
            "from_status": None,
            "to_status": "published",
            "reason": None,
        }
    ],
    "moderation_queue": {
        "type": "FeatureCollection",
        "total": 0,
        "limit": 50,
        "offset": 0,
        "features": [],
    },
    "reachable": {
        "type": "FeatureCollection",
        "origin": {"lon": 3.1586, "lat": 46.991, "commune": None, "point": "given point"},
        "mode": "drive",
        "max_minutes": 30.0,
        "total": 57,
        "limit": 1,
        "features": [
            {
                "type": "Feature",
                "id": "festivals:FEST_58194_4369",
                "properties": {
                    "offer_id": "festivals:FEST_58194_4369",
                    "name": "D'Jazz Nevers Festival",
                    "category": "festival",
                    "themes": ["music"],
                    "commune_code": "58194",
                    "address": "6 Place des Reines de Pologne, 58000 Nevers",
                    "url": "https://www.djazznevers.com",
                    "period": "Après-saison (6 septembre - 31 décembre)",
                    "source": "festivals",
                    "source_id": "FEST_58194_4369",
                    "licence": "Licence Ouverte / Etalab 2.0",
                    "attribution": "Ministère de la Culture (DEPS), Panorama des festivals",
                    "location_quality": "source",
                    "travel_time_s": 53.9,
                    "travel_time_min": 0.9,
                    "distance_m": 449,
                    "route_refs": [],
                    "legs": {"access_s": 53.9, "network_s": 0.0, "egress_s": 0.0},
                },
                "geometry": {"type": "Point", "coordinates": [3.156891, 46.988119]},
            }
        ],
        "info": {
            "network": "Travel Mapping main roads of the Nièvre (A, N, D)",
            "network_limits": "main roads only (A, N, D); no urban streets, no "
            "communal roads; edges are straight chords between "
            "junctions lengthened by a detour factor",
            "main_roads_only": True,
            "notice": "computed on main roads only (A, N, D roads): villages and "
            "streets away from them are reached by straight access "
            "legs, so times are indicative",
            "attribution": "© OpenStreetMap contributors; Travel Mapping project "
            "(TravelMapping/HighwayData)",
        },
    },
    "nearest": {
        "origin": {"lon": 3.1586, "lat": 46.991, "commune": None, "point": "given point"},
        "mode": "drive",
        "nearest": [
            {
                "kind": "theme",
                "value": "music",
                "label": "Musique",
                "offer_id": "festivals:FEST_58194_4369",
                "name": "D'Jazz Nevers Festival",
                "commune_code": "58194",
                "travel_time_s": 53.9,
                "travel_time_min": 0.9,
            }
        ],
        "info": {
            "network": "Travel Mapping main roads of the Nièvre (A, N, D)",
            "network_limits": "main roads only (A, N, D); no urban streets, no "
            "communal roads; edges are straight chords between "
            "junctions lengthened by a detour factor",
            "main_roads_only": True,
            "notice": "computed on main roads only (A, N, D roads): villages and "
            "streets away from them are reached by straight access legs, "
            "so times are indicative",
            "attribution": "© OpenStreetMap contributors; Travel Mapping project "
            "(TravelMapping/HighwayData)",
        },
    },
    "transit_earliest": {
        "service_date": {
            "requested": "2025-02-03",
            "used": "2025-02-03",
            "reason": "2025-02-03 is inside the timetable validity 2025-01-22 → 2025-04-22",
        },
        "departure": "2025-02-03T08:00:00+01:00",
        "window_minutes": None,
        "access_stops": 3,
        "stops": [
            {
                "stop_id": "ter:StopPoint:OCECar TER-87500793",
                "name": "Nevers Le Mouesse ANPE",
                "station_id": "ter:StopArea:OCE87500793",
                "lon": 3.161602,
                "lat": 46.987177,
                "arrival": "2025-02-03T08:08:22+01:00",
                "travel_time_s": 502,
                "median_travel_time_s": None,
                "rides": 0,
                "legs": [
                    {
                        "mode": "walk",
                        "from_stop": None,
                        "from_name": None,
                        "to_stop": "ter:StopPoint:OCECar TER-87500793",
                        "to_name": "Nevers Le Mouesse ANPE",
                        "departure": "2025-02-03T08:00:00+01:00",
                        "arrival": "2025-02-03T08:08:22+01:00",
                        "distance_m": None,
                        "route_short_name": None,
                        "route_long_name": None,
                        "trip_id": None,
                        "headsign": None,
                        "stops": [],
                    }
                ],
            }
        ],
    },
    "transit_latest": {
        "service_date": {
            "requested": "2025-02-03",
            "used": "2025-02-03",
            "reason": "2025-02-03 is inside the timetable validity 2025-01-22 → 2025-04-22",
        },
        "arrive_by": "2025-02-03T12:00:00+01:00",
        "egress_stops": 3,
        "stops": [
            {
                "stop_id": "ter:StopPoint:OCECar TER-87500793",
                "name": "Nevers Le Mouesse ANPE",
                "station_id": "ter:StopArea:OCE87500793",
                "lon": 3.161602,
                "lat": 46.987177,
                "departure": "2025-02-03T11:51:38+01:00",
                "legs": [
                    {
                        "mode": "walk",
                        "from_stop": "ter:StopPoint:OCECar TER-87500793",
                        "from_name": "Nevers Le Mouesse ANPE",
                        "to_stop": None,
                        "to_name": None,
                        "departure": "2025-02-03T11:51:38+01:00",
                        "arrival": "2025-02-03T12:00:00+01:00",
                        "distance_m": None,
                        "route_short_name": None,
                        "route_long_name": None,
                        "trip_id": None,
                        "headsign": None,
                        "stops": [],
                    }
                ],
            }
        ],
    },
}

CSV_EXAMPLE = (
    "offer_id,kind,title,themes,first_begin,last_end,commune_code,location_name,address,lon,lat,organiser,free,price_eur,attendance_mode,url,status,description\n"
    "user:1,event,Concert d'orgue à l'église "
    "Saint-Étienne,music,2030-06-21T18:30:00+00:00,2030-06-21T20:00:00+00:00,58194,Église "
    'Saint-Étienne,"13 rue Saint-Étienne, 58000 '
    'Nevers",3.159051,46.985481,,,,on_site,https://example.org/concert,published,"Bach et '
    "Couperin, par l'ensemble de la cathédrale.\"\n"
)

ICS_EXAMPLE = (
    "BEGIN:VCALENDAR\r\n"
    "VERSION:2.0\r\n"
    "PRODID:-//geoservice//Nièvre offers//FR\r\n"
    "CALSCALE:GREGORIAN\r\n"
    "X-WR-CALNAME:Nièvre : offres culturelles\r\n"
    "BEGIN:VEVENT\r\n"
    "SUMMARY:Concert d'orgue à l'église Saint-Étienne\r\n"
    "DTSTART:20300621T183000Z\r\n"
    "DTEND:20300621T200000Z\r\n"
    "DTSTAMP:20261125T114424Z\r\n"
    "UID:user:1-0@localhost\r\n"
    "CATEGORIES:music\r\n"
    "DESCRIPTION:Bach et Couperin\\, par l'ensemble de la cathédrale.\r\n"
    "GEO:46.985481;3.159051\r\n"
    "LOCATION:Église Saint-Étienne\\, 13 rue Saint-Étienne\\, 58000 Nevers\r\n"
    "STATUS:CONFIRMED\r\n"
    "URL:https://example.org/concert\r\n"
    "END:VEVENT\r\n"
    "END:VCALENDAR\r\n"
)

# A posted offer reads back exactly as it was answered when created.
EXAMPLES["posted_offer"] = EXAMPLES["posted_offer_created"]

# GET /api/v1/coverage/transit?date=2026-12-12 (one item of 309 shown; measured figures).
EXAMPLES["coverage_transit"] = {
    "date": "2026-12-12",
    "service_date": {
        "requested": "2026-12-12",
        "used": "2025-02-01",
        "reason": "2026-12-12 is outside the timetable validity 2025-01-22 → 2025-04-22; the "
        "timetable of Saturday 2025-02-01, the same weekday in the first full week "
        "(Monday–Sunday) of the validity, is used",
        "holiday": None,
    },
    "level": "commune",
    "radii_m": [1000, 2000],
    "served_stops": 136,
    "totals": {
        "population": 200976,
        "population_no_stop_within_1000m": 137435,
        "population_no_stop_within_2000m": 108730,
        "communes": 309,
        "communes_without_service": 280,
    },
    "networks": {
        "loaded": [
            {"id": "ter", "name": "TER Bourgogne-Franche-Comté (SNCF) : trains et cars TER"}
        ],
        "missing": [{"id": "mobigo", "name": "Mobigo", "what": "cars régionaux"}],
    },
    "method": "Eurostat Census 2021 1 km grid cells cut by the commune outlines, …",
    "items": [
        {
            "code": "58001",
            "name": "Achun",
            "population": 165,
            "population_no_stop_within_1000m": 165,
            "share_no_stop_within_1000m": 1.0,
            "population_no_stop_within_2000m": 165,
            "share_no_stop_within_2000m": 1.0,
            "served_stops": 0,
            "transit_service": False,
            "nearest_served_stop_m": 14474,
        }
    ],
}
