"""Road networks downloaded from Overpass (after a Nominatim geocode) with osmnx.

Only this module touches the network, and only when :func:`graph_from_place` or
:func:`graph_from_polygon` is called (the ``geoservice network fetch`` command); the
service itself never downloads.
"""

from __future__ import annotations

import urllib.error
import urllib.request

import networkx as nx
import osmnx as ox
import shapely
from osmnx._errors import InsufficientResponseError, ResponseStatusCodeError
from shapely import MultiPolygon, Polygon

from geoservice.errors import InvalidParameterError, ServiceUnavailableError
from geoservice.io.osm_filter import check_network_type
from geoservice.io.osm_graph import normalise_graph

# requests' errors derive from OSError; osmnx reports bad answers with its own classes
_DOWNLOAD_ERRORS = (OSError, InsufficientResponseError, ResponseStatusCodeError)


def _offline_message(service: str, e: BaseException) -> str:
    return (
        f"could not download the network from {service} ({type(e).__name__}: {e}); check the "
        "internet connection, or build the network from a local file with --osm-file"
    )


def _require_overpass() -> None:
    """Fail fast when the Overpass server cannot be reached.

    osmnx asks the server's ``/status`` endpoint for a slot before each query and, when that
    fails, waits 60 s before trying the query anyway; one quick request here spares that wait.
    """
    url = str(ox.settings.overpass_url).rstrip("/") + "/status"
    try:
        with urllib.request.urlopen(url, timeout=15):
            pass
    except urllib.error.HTTPError:
        return  # the server answered: let osmnx deal with its status
    except OSError as e:  # URLError (DNS, refused, timeout) derives from OSError
        raise ServiceUnavailableError(_offline_message(f"Overpass ({url})", e)) from e


def graph_from_polygon(
    polygon: Polygon | MultiPolygon, *, network_type: str = "drive"
) -> nx.MultiDiGraph:
    """Download the road network inside `polygon` (EPSG:4326) from Overpass with osmnx.

    Needs the internet; used by ``geoservice network fetch`` only, never per request.

    Raises
    ------
    ServiceUnavailableError
        When Overpass cannot be reached or answers with an error.
    InvalidParameterError
        When `polygon` is not a valid Polygon/MultiPolygon.
    """
    check_network_type(network_type)
    if not isinstance(polygon, Polygon | MultiPolygon):
        kind = getattr(polygon, "geom_type", type(polygon).__name__)
        raise InvalidParameterError("polygon", f"a Polygon or MultiPolygon is needed, not {kind}")
    if not polygon.is_valid:
        reason = shapely.is_valid_reason(polygon)
        raise InvalidParameterError("polygon", f"the polygon is not valid: {reason}")
    _require_overpass()
    try:
        G = ox.graph_from_polygon(polygon, network_type=network_type)
    except _DOWNLOAD_ERRORS as e:
        raise ServiceUnavailableError(_offline_message("Overpass", e)) from e
    return normalise_graph(G, network_type=network_type, source="overpass")


def graph_from_place(name: str, *, network_type: str = "drive") -> nx.MultiDiGraph:
    """Geocode `name` with Nominatim, then download its road network (see `graph_from_polygon`).

    Raises
    ------
    ServiceUnavailableError
        When Nominatim or Overpass cannot be reached.
    InvalidParameterError
        When Nominatim finds no polygon for `name`.
    """
    check_network_type(network_type)
    try:
        places = ox.geocoder.geocode_to_gdf(name)
    except (InsufficientResponseError, TypeError) as e:
        # osmnx: no result (InsufficientResponseError) or a result that is not a polygon
        raise InvalidParameterError("place", f"no boundary polygon for {name!r}: {e}") from e
    except OSError as e:
        msg = (
            f"could not geocode {name!r} with Nominatim ({type(e).__name__}: {e}); check the "
            "internet connection, or build the network from a local file with --osm-file"
        )
        raise ServiceUnavailableError(msg) from e
    G = graph_from_polygon(places.union_all(), network_type=network_type)
    G.graph["source"] = f"overpass: {name}"
    return G
