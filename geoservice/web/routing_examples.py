"""Response examples of the routing endpoints (matrix, route, openrouteservice matrix and
directions), taken from the service's real answers on the embedded Nièvre data and
shortened. Regenerate by calling the endpoints named in each comment."""

from __future__ import annotations

from typing import Any

ROUTING_EXAMPLES: dict[str, Any] = {}

# POST /api/v1/matrix {"origins": [{"commune": "58194"}, [3.5, 47.0]], "destinations":
# [{"offer": "cnc:102173"}, {"commune": "58059"}, [3.16, 46.99]], "mode": "drive"}
ROUTING_EXAMPLES["matrix"] = {
    "mode": "drive",
    "origins": [
        {"lon": 3.159051, "lat": 46.985481, "commune": "58194"},
        {"lon": 3.5, "lat": 47.0},
    ],
    "destinations": [
        {"lon": 3.021931, "lat": 47.176632, "offer": "cnc:102173"},
        {"lon": 3.032439, "lat": 47.181813, "commune": "58059"},
        {"lon": 3.16, "lat": 46.99},
    ],
    "travel_time_s": [[1130.2, 1051.9, 79.1], [2542.9, 2464.6, 1719.0]],
    "distance_m": [[30024, 28966, 659], [58539, 57481, 29683]],
    "max_minutes": None,
}
ROUTING_EXAMPLES["matrix_csv"] = (
    "origin_index,destination_index,origin,destination,travel_time_s,distance_m\n"
    "0,0,58194,cnc:102173,1130.2,30024\n"
    "0,1,58194,58059,1051.9,28966\n"
    '0,2,58194,"3.160000,46.990000",79.1,659\n'
)

# GET /api/v1/route?from=3.159051,46.985481&to=3.021931,47.176632&mode=drive
ROUTING_EXAMPLES["route"] = {
    "type": "Feature",
    "geometry": {
        "type": "LineString",
        "coordinates": [[3.159051, 46.985481], [3.15791, 46.984984], [3.021931, 47.176632]],
    },
    "properties": {
        "mode": "drive",
        "from": {"lon": 3.159051, "lat": 46.985481},
        "to": {"lon": 3.021931, "lat": 47.176632},
        "travel_time_s": 1130.2,
        "travel_time_min": 18.8,
        "distance_m": 30024,
        "legs": {"access_s": 16.0, "network_s": 1058.0, "egress_s": 56.1},
        "route_refs": ["D907", "D907B", "A77", "D179A", "D245A"],
        "roads": [
            {"ref": "A77", "highway": "motorway", "distance_m": 19337, "travel_time_s": 580.1}
        ],
    },
}
