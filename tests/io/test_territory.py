"""Build step ``territory`` and the committed communes / zones."""

from __future__ import annotations

from pathlib import Path

import pytest

from geoservice.io.build_steps import BuildContext
from geoservice.io.territory import build_territory, load_communes, load_zones
from geoservice.runtime import Runtime
from geoservice.settings import Settings

NIEVRE_POPULATION = 201_417


def test_communes_count_population_and_columns(runtime: Runtime) -> None:
    communes = runtime.communes
    assert len(communes) == 309
    assert communes["code"].is_unique
    assert communes["code"].tolist() == sorted(communes["code"])
    assert int(communes["population"].sum()) == NIEVRE_POPULATION
    assert list(communes.columns) == [
        "code", "name", "population", "canton", "epci", "arrondissement",
        "origin_lon", "origin_lat", "origin_source", "geometry",
    ]  # fmt: skip
    assert communes.crs.to_epsg() == 4326
    nevers = communes.set_index("code").loc["58194"]
    assert (nevers["name"], nevers["population"]) == ("Nevers", 33_085)
    assert nevers["epci"] == "245804406"
    assert nevers["arrondissement"] == "583"
    assert communes[["canton", "epci", "arrondissement"]].notna().all().all()
    assert communes.geometry.is_valid.all()


def test_zones_sum_to_the_departement(runtime: Runtime) -> None:
    zones = runtime.zones
    assert set(zones) == {"canton", "epci", "arrondissement", "departement"}
    assert len(zones["departement"]) == 1
    assert len(zones["arrondissement"]) == 4
    assert len(zones["epci"]) == 13
    # 17 cantons; Nevers-4 covers only part of Nevers, whose point lies in Nevers-3.
    assert len(zones["canton"]) == 16
    for level, frame in zones.items():
        assert int(frame["population"].sum()) == NIEVRE_POPULATION, level
        assert frame["name"].notna().all(), level
        assert frame.geometry.is_valid.all(), level
    area_km2 = zones["departement"].to_crs(2154).area.iloc[0] / 1e6
    assert area_km2 == pytest.approx(6_817, rel=0.01)


def test_every_commune_lies_in_its_zones(runtime: Runtime) -> None:
    points = runtime.communes.to_crs(2154).representative_point()
    for level in ("canton", "epci", "arrondissement"):
        zone = runtime.zones[level].set_index("code").to_crs(2154).geometry
        inside = [
            zone.loc[code].buffer(1).contains(p)
            for code, p in zip(runtime.communes[level], points, strict=True)
        ]
        assert all(inside), level


def test_build_matches_committed_files(settings: Settings, raw_dir: Path, tmp_path: Path) -> None:
    result = build_territory(BuildContext(settings, raw_dir, tmp_path, echo=lambda _: None))
    assert sorted(p.name for p in result.outputs) == ["communes.geojson", "zones.geojson"]
    for path in result.outputs:
        assert path.read_bytes() == (settings.data_dir / path.name).read_bytes(), path.name
    assert any("58014" in line for line in result.repairs)
    assert len(load_communes(tmp_path)) == 309
    assert len(load_zones(tmp_path)["canton"]) == 16
