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

# POST /ors/v2/matrix/driving-car/json {"locations": [[3.159051, 46.985481],
# [3.021931, 47.176632], [3.5, 47.0]], "sources": [0], "destinations": [1, 2],
# "metrics": ["duration", "distance"]}
_ORS_METADATA = {
    "attribution": "© OpenStreetMap contributors; "
    "Travel Mapping project (TravelMapping/HighwayData)",
    "service": "matrix",
    "timestamp": 1796595489152,
    "query": {
        "locations": [[3.159051, 46.985481], [3.021931, 47.176632], [3.5, 47.0]],
        "profile": "driving-car",
        "responseType": "json",
        "metrics": ["duration", "distance"],
        "units": "m",
        "sources": [0],
        "destinations": [1, 2],
    },
    "engine": {"version": "geoservice 0.1.0"},
}
ROUTING_EXAMPLES["ors_matrix"] = {
    "durations": [[1130.2, 1706.29]],
    "distances": [[30023.83, 30244.5]],
    "sources": [{"location": [3.15791, 46.984984], "snapped_distance": 102.8}],
    "destinations": [
        {"location": [3.025167, 47.179003], "snapped_distance": 359.76},
        {"location": [3.509845, 46.992874], "snapped_distance": 1089.1},
    ],
    "metadata": _ORS_METADATA,
}
# POST /ors/v2/directions/driving-car/json {"coordinates": [[3.159051, 46.985481],
# [3.021931, 47.176632]]}
_SEGMENT = {"distance": 30023.83, "duration": 1130.2, "steps": []}
_BBOX = [3.021931, 46.984984, 3.168456, 47.184988]
ROUTING_EXAMPLES["ors_directions"] = {
    "bbox": _BBOX,
    "routes": [
        {
            "summary": {"distance": 30023.83, "duration": 1130.2},
            "segments": [_SEGMENT],
            "bbox": _BBOX,
            "way_points": [0, 15],
            "geometry": "gzw}Ga_hRbBbFwUoe@og@mZid@voA}|Alf@uwBbe@yuAfgAotDti@aeBtnFs|FjlGuuDsl@e_C"
            "~sAzQne@pQjb@xMfS",
        }
    ],
    "metadata": {**_ORS_METADATA, "service": "routing", "query": {"profile": "driving-car"}},
}
ROUTING_EXAMPLES["ors_directions_geojson"] = {
    "type": "FeatureCollection",
    "bbox": _BBOX,
    "features": [
        {
            "bbox": _BBOX,
            "type": "Feature",
            "properties": {
                "segments": [_SEGMENT],
                "summary": {"distance": 30023.83, "duration": 1130.2},
                "way_points": [0, 2],
            },
            "geometry": {
                "type": "LineString",
                "coordinates": [[3.159051, 46.985481], [3.15791, 46.984984], [3.021931, 47.176632]],
            },
        }
    ],
    "metadata": {**_ORS_METADATA, "service": "routing", "query": {"profile": "driving-car"}},
}

#: Request bodies (the explicit examples of the OpenAPI document).
ROUTING_EXAMPLES["matrix_request"] = {
    "origins": [{"commune": "58194"}, [3.5, 47.0]],
    "destinations": [{"offer": "cnc:102173"}, {"commune": "58059"}, [3.16, 46.99]],
    "mode": "drive",
}
ROUTING_EXAMPLES["ors_matrix_request"] = {
    "locations": [[3.159051, 46.985481], [3.021931, 47.176632], [3.5, 47.0]],
    "sources": [0],
    "destinations": [1, 2],
    "metrics": ["duration", "distance"],
}
ROUTING_EXAMPLES["ors_directions_request"] = {
    "coordinates": [[3.159051, 46.985481], [3.021931, 47.176632]],
}
