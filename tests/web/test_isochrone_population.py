"""Isochrone bands (road and transit) carry the census-grid population and its age split."""

from __future__ import annotations

import numpy as np
from flask.testing import FlaskClient

from geoservice.core.isochrones import isochrone_bands
from geoservice.core.population import AGE_BANDS
from geoservice.core.snapping import lambert93_from_wgs84
from geoservice.runtime import Runtime

NEVERS = "58194"


def test_isochrone_api_bands_carry_the_grid_population(
    client: FlaskClient,
    runtime: Runtime,
) -> None:
    grid, network = runtime.population_grid, runtime.network
    assert grid is not None
    assert network is not None
    nevers = runtime.communes.set_index("code").loc[NEVERS]
    x, y = lambert93_from_wgs84(nevers["origin_lon"], nevers["origin_lat"])
    (band,) = isochrone_bands(network.mode("drive"), float(x), float(y), [3600.0])
    body = client.get(
        "/api/v1/isochrones",
        query_string={
            "lon": nevers["origin_lon"],
            "lat": nevers["origin_lat"],
            "minutes": "60",
            "mode": "drive",
        },
    ).get_json()
    props = body["features"][0]["properties"]
    assert props["population"] == round(grid.population_within(band.geometry))
    assert sum(props["population_by_age"].values()) == props["population"]
    assert set(props["population_by_age"]) == set(AGE_BANDS)
    assert "Census 2021" in body["info"]["population_method"]


def test_transit_bands_carry_the_age_split(client: FlaskClient) -> None:
    query = {"lon": 3.154, "lat": 46.988, "minutes": "30,60", "departure": "2025-02-04T08:00"}
    body = client.get("/api/v1/transit/isochrones", query_string=query).get_json()
    for feature in body["features"]:
        props = feature["properties"]
        assert props["population"] > 0
        assert sum(props["population_by_age"].values()) == props["population"]
    assert np.diff([f["properties"]["population"] for f in body["features"]]).min() >= 0
