"""Accessibility tables on the real Nièvre data."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geoservice.analytics.accessibility import AccessibilityModel, accessibility_model
from geoservice.analytics.accessibility_params import AccessibilityParams
from geoservice.analytics.accessibility_tables import points_m
from geoservice.analytics.age_split import commune_age_populations, with_age_split
from geoservice.analytics.batch import compute_accessibility
from geoservice.analytics.targets import Target
from geoservice.analytics.traveltimes import RoadTimeSource
from geoservice.core.commune_origins import commune_origins_m
from geoservice.core.network import MODES
from geoservice.errors import InvalidParameterError
from geoservice.io.accessibility import read_accessibility_tables, write_accessibility_tables
from geoservice.runtime import Runtime, load_accessibility
from geoservice.settings import Settings

NEVERS = "58194"
TOTAL_POPULATION = 201_417


@pytest.fixture(scope="module")
def model(runtime: Runtime) -> AccessibilityModel:
    assert runtime.accessibility is not None
    return runtime.accessibility


@pytest.mark.parametrize("mode", MODES)
def test_matrix_equals_one_search_per_origin(runtime: Runtime, mode: str) -> None:
    """The batched matrix is exactly reach_from_xy + egress/direct legs, origin by origin."""
    assert runtime.network is not None
    net = runtime.network.mode(mode)
    x, y = commune_origins_m(runtime.communes)
    ox, oy = points_m(runtime.offers)
    source = RoadTimeSource.from_points(net, x, y)
    rng = np.random.default_rng(7)
    origins = rng.choice(len(x), size=12, replace=False)
    got = source.task_to(ox, oy).run(origins)
    for row, i in enumerate(origins):
        reach = net.reach_from_xy(float(x[i]), float(y[i]))
        for j in range(len(ox)):
            snap = net.index.snap(float(ox[j]), float(oy[j]), net.snap_candidates)
            via = float(np.min(reach.times_s[snap.positions] + net.access_time_s(snap.distances_m)))
            direct = float(net.access_time_s(float(np.hypot(ox[j] - x[i], oy[j] - y[i]))))
            assert got[row, j] == pytest.approx(min(via, direct), abs=1e-6)


def test_nevers_has_cinema_library_museum_within_5_minutes_by_car(
    model: AccessibilityModel,
) -> None:
    for category in ("cinema", "library", "museum"):
        row = model.commune_figures(Target("category", category), "drive")
        nevers = row[row["commune_code"] == NEVERS].iloc[0]
        assert nevers["time_s"] <= 5 * 60, category
        assert nevers["offers_within_15min"] >= 1
        offer = model.offers[model.offers["offer_id"] == nevers["nearest_offer_id"]].iloc[0]
        assert offer["category"] == category


def test_table_shape_and_modes(model: AccessibilityModel) -> None:
    table = model.tables.communes
    n_targets = len(model.vocabulary) + 4
    assert len(table) == 309 * n_targets * 4
    assert model.modes == ("bike", "drive", "transit", "walk")
    # every commune reaches a library (the target with most offers) in finite time
    lib = table[(table["target"] == "library")]
    assert lib["time_s"].notna().all()
    # walking is never faster than driving to the nearest offer (same origins, slower speeds)
    wide = table.pivot_table(index=["target", "commune_code"], columns="mode", values="time_s")
    assert (wide["walk"] >= wide["bike"] - 1e-6).all()
    # transit includes walking all the way: never slower than walking, faster for some
    assert (wide["transit"] <= wide["walk"] + 1e-6).all()
    assert (wide["transit"] < wide["walk"] - 60).any()


def test_transit_beats_walking_where_a_station_is_near(model: AccessibilityModel) -> None:
    """From a town with a TER station, the train beats walking to a distant festival."""
    assert model.transit is not None
    cosne = "58086"  # Cosne-Cours-sur-Loire, TER station on the Paris–Nevers line
    rows = model.tables.communes
    pick = rows[(rows["commune_code"] == cosne) & (rows["target"] == "multidisciplinary")]
    by_mode = pick.set_index("mode")["time_s"]
    assert by_mode["transit"] < by_mode["walk"] - 3600
    assert by_mode["transit"] > by_mode["drive"]
    window = model.params.transit_window
    assert window.window_minutes == 120
    assert window.statistic == "median"


def test_population_weighted_figures_sum_to_departement(model: AccessibilityModel) -> None:
    zones = model.tables.zones
    groups = zones.groupby(["level", "mode", "target_type", "target"])["population"].sum()
    assert set(groups.unique()) == {TOTAL_POPULATION}
    dep = zones[zones["level"] == "departement"]
    assert (dep["population"] == TOTAL_POPULATION).all()
    for m in (15, 30, 45):
        assert (zones[f"population_within_{m}min"] <= zones["population"]).all()
        assert zones[f"share_within_{m}min"].between(0, 1).all()
    # shares are cumulative
    assert (zones["population_within_15min"] <= zones["population_within_30min"]).all()
    assert (zones["population_within_30min"] <= zones["population_within_45min"]).all()
    # the département figure is the population-weighted sum of the cantons'
    cantons = zones[zones["level"] == "canton"]
    key = ["mode", "target_type", "target"]
    within = cantons.groupby(key)["population_within_30min"].sum()
    assert (dep.set_index(key)["population_within_30min"] == within).all()
    lib = dep[(dep["mode"] == "drive") & (dep["target"] == "library")].iloc[0]
    communes = model.commune_figures(Target("category", "library"), "drive")
    mean = float((communes["time_s"] * communes["population"]).sum() / TOTAL_POPULATION)
    assert lib["mean_time_s"] == pytest.approx(mean, abs=0.1)


def test_committed_tables_match_inputs_and_recomputation(
    runtime: Runtime, model: AccessibilityModel
) -> None:
    """data/accessibility/ is up to date and equals an in-memory recomputation."""
    assert model.tables_origin == "file"
    assert runtime.network is not None
    result = compute_accessibility(
        runtime.network,
        runtime.communes,
        runtime.offers,
        model.vocabulary,
        model.params,
        transit=runtime.transit,
    )
    # the served tables carry the age split, derived on loading (not stored): derive it here too
    assert runtime.population_grid is not None
    fresh = with_age_split(
        result.tables,
        commune_age_populations(runtime.population_grid, runtime.communes),
        pd.DataFrame(runtime.communes.drop(columns="geometry")),
        model.params.population_thresholds_minutes,
    )
    pd.testing.assert_frame_equal(fresh.communes, model.tables.communes, check_dtype=False)
    pd.testing.assert_frame_equal(fresh.zones, model.tables.zones, check_dtype=False)
    pd.testing.assert_frame_equal(result.indicators, model.tables.indicators, check_dtype=False)


def test_parquet_files_are_deterministic(model: AccessibilityModel, tmp_path: Path) -> None:
    frames = {"communes": model.tables.communes, "zones": model.tables.zones,
              "indicators": model.tables.indicators}  # fmt: skip
    a = write_accessibility_tables(tmp_path / "a", frames, "f" * 64, {"x": "1"})
    b = write_accessibility_tables(tmp_path / "b", frames, "f" * 64, {"x": "1"})
    for pa_, pb in zip(a, b, strict=True):
        assert pa_.read_bytes() == pb.read_bytes(), pa_.name
    stored = read_accessibility_tables(tmp_path / "a")
    assert stored is not None
    assert stored[1] == "f" * 64
    assert len(stored[0]["communes"]) == len(model.tables.communes)


def test_changed_inputs_are_recomputed_with_a_warning(
    runtime: Runtime, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    changed = settings.with_overrides({"accessibility.decay.half_life_minutes": 10.0})
    assert runtime.network is not None
    with caplog.at_level(logging.WARNING, logger="geoservice.analytics.accessibility"):
        model = load_accessibility(
            changed, runtime.communes, runtime.offers, runtime.network, runtime.transit
        )
    assert model.tables_origin == "recomputed"
    assert "recomputing" in caplog.text
    assert runtime.accessibility is not None
    assert model.tables.fingerprint != runtime.accessibility.tables.fingerprint
    # a shorter half-life weighs every offer less
    new = model.tables.communes["access_decay"].to_numpy()
    old = runtime.accessibility.tables.communes["access_decay"].to_numpy()
    assert (new <= old + 1e-9).all()
    assert (new < old).any()


def test_decay_functions() -> None:
    exp = AccessibilityParams(half_life_minutes=20.0)
    assert exp.decay_weight(np.array([0.0, 20.0, 40.0, np.inf])) == pytest.approx(
        [1.0, 0.5, 0.25, 0.0]
    )
    logistic = AccessibilityParams(decay="logistic", logistic_midpoint_minutes=30.0)
    assert logistic.decay_weight(np.array([30.0]))[0] == pytest.approx(0.5)
    w = logistic.decay_weight(np.array([0.0, 15.0, 30.0, 60.0]))
    assert (np.diff(w) < 0).all()


@pytest.mark.parametrize("mode", MODES)
def test_vectorised_snapping_equals_node_index(runtime: Runtime, mode: str) -> None:
    from geoservice.analytics.traveltimes import snap_points

    assert runtime.network is not None
    net = runtime.network.mode(mode)
    x, y = commune_origins_m(runtime.communes)
    ox, oy = points_m(runtime.offers)
    px, py = np.concatenate([x, ox]), np.concatenate([y, oy])
    snaps = snap_points(net, px, py)
    for i in range(len(px)):
        ref = net.index.snap(float(px[i]), float(py[i]), net.snap_candidates)
        found = np.isfinite(snaps.access_s[i])
        assert np.array_equal(snaps.positions[i][found], ref.positions)
        assert np.allclose(snaps.access_s[i][found], net.access_time_s(ref.distances_m))


def test_stored_tables_are_served_when_computed_from_the_same_inputs(
    runtime: Runtime, model: AccessibilityModel
) -> None:
    tables = model.tables
    stored = (
        {"communes": tables.communes, "zones": tables.zones, "indicators": tables.indicators},
        tables.fingerprint,
    )
    assert runtime.network is not None
    served = accessibility_model(
        runtime.communes,
        runtime.offers,
        runtime.network,
        vocabulary=model.vocabulary,
        params=model.params,
        fingerprint=tables.fingerprint,
        stored=stored,
    )
    assert served.tables_origin == "file"
    assert served.tables.communes is tables.communes
    assert served.tables.fingerprint == tables.fingerprint


def test_the_transit_window_comes_from_the_configuration(settings: Settings) -> None:
    section = dict(settings.section("accessibility"))
    window = AccessibilityParams.from_section(section).transit_window
    assert window is not None
    assert window.day.isoformat() == settings.get("accessibility.transit.date")
    without_date = {k: v for k, v in dict(section["transit"]).items() if k != "date"}
    with pytest.raises(InvalidParameterError, match="date") as info:
        AccessibilityParams.from_section({**section, "transit": without_date})
    assert info.value.field == "accessibility.transit"
    assert AccessibilityParams().transit_window is None
