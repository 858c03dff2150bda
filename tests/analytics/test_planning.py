"""Underserved ranking, scenarios, site suggestions and territory indicators."""

from __future__ import annotations

import numpy as np
import pytest

from geoservice.analytics.accessibility import AccessibilityModel
from geoservice.analytics.accessibility_tables import nearest_figures
from geoservice.analytics.scenarios import NewVenue, run_scenario
from geoservice.analytics.suggestions import coverage_gain, suggest_sites
from geoservice.analytics.targets import Target
from geoservice.analytics.underserved import rank_underserved
from geoservice.core.commune_origins import commune_origins_m
from geoservice.core.snapping import wgs84_from_lambert93
from geoservice.errors import InvalidParameterError, OutsideCoverageError
from geoservice.runtime import Runtime

TOTAL_POPULATION = 201_417


@pytest.fixture(scope="module")
def model(runtime: Runtime) -> AccessibilityModel:
    assert runtime.accessibility is not None
    return runtime.accessibility


def test_underserved_ranking(model: AccessibilityModel) -> None:
    target = Target("category", "cinema")
    figures = model.commune_figures(target, "drive")
    names = model.offers.set_index("offer_id")["name"]
    ranking = rank_underserved(figures, names, target, "drive", 20)
    c = ranking.communes
    assert len(c) > 0
    assert (c["time_s"] > 20 * 60).all()
    assert c["population"].is_monotonic_decreasing
    assert c["nearest_offer_name"].notna().all()
    within = figures[figures["time_s"] <= 20 * 60]["population"].sum()
    assert ranking.population_beyond + within == ranking.population_total == TOTAL_POPULATION


def test_scenario_before_equals_table(model: AccessibilityModel) -> None:
    target = Target("theme", "cinema")
    result = run_scenario(model, target, "drive")
    table = model.commune_figures(target, "drive")
    assert np.allclose(result.communes["time_s_before"], table["time_s"])
    assert (result.communes["time_s_before"] == result.communes["time_s_after"]).all()
    assert (result.thresholds["population_newly_within"] == 0).all()


@pytest.mark.parametrize("mode", ["drive", "walk", "transit"])
def test_removing_never_improves_adding_never_worsens(model: AccessibilityModel, mode: str) -> None:
    """Property over seeded random offers: removal ≥ before, addition ≤ before, per commune."""
    rng = np.random.default_rng(2026)
    x, y = commune_origins_m(model.communes)
    for round_ in range(4):
        theme = model.vocabulary[round_ % len(model.vocabulary)]
        target = Target("category", "library") if round_ == 0 else Target("theme", theme)
        members = model.offers[target.mask(model.offers)]["offer_id"].tolist()
        removed = list(rng.choice(members, size=min(3, len(members)), replace=False))
        after_remove = run_scenario(model, target, mode, remove=removed).communes
        before = after_remove["time_s_before"].fillna(np.inf)
        assert (after_remove["time_s_after"].fillna(np.inf) >= before).all()
        # new venues near random communes (±2 km)
        picks = rng.choice(len(x), size=3, replace=False)
        lon, lat = wgs84_from_lambert93(
            x[picks] + rng.uniform(-2000, 2000, 3), y[picks] + rng.uniform(-2000, 2000, 3)
        )
        venues = [
            NewVenue(category="library", themes=(theme, "books"), lon=float(a), lat=float(b))
            for a, b in zip(lon, lat, strict=True)
        ]
        added = run_scenario(model, target, mode, add=venues).communes
        assert (added["time_s_after"].fillna(np.inf) <= added["time_s_before"].fillna(np.inf)).all()
        assert (added["time_s_after"] < added["time_s_before"].fillna(np.inf)).any()


def test_scenario_added_commune_venue_and_population_summary(model: AccessibilityModel) -> None:
    target = Target("category", "cinema")
    figures = model.commune_figures(target, "drive")
    far = figures.sort_values("time_s").iloc[-1]
    result = run_scenario(
        model, target, "drive", add=[NewVenue(category="cinema", commune=str(far["commune_code"]))]
    )
    row = result.communes[result.communes["code"] == far["commune_code"]].iloc[0]
    assert row["nearest_after"] == "scenario:1"
    assert row["time_s_after"] < 15 * 60
    t30 = result.thresholds.set_index("threshold_minutes").loc[30]
    assert t30["population_within_after"] - t30["population_within_before"] == (
        t30["population_newly_within"] - t30["population_no_longer_within"]
    )
    assert t30["population_newly_within"] >= far["population"]
    # a venue that does not serve the target changes nothing
    other = run_scenario(
        model, target, "drive", add=[NewVenue(category="museum", commune=str(far["commune_code"]))]
    )
    assert (other.communes["delta_s"].fillna(0) == 0).all()


def test_scenario_bad_inputs_name_the_field(model: AccessibilityModel) -> None:
    target = Target("category", "cinema")
    with pytest.raises(InvalidParameterError) as e:
        run_scenario(model, target, "drive", remove=["nope:1"])
    assert e.value.field == "remove.0"
    with pytest.raises(InvalidParameterError) as e:
        run_scenario(model, target, "drive", add=[NewVenue(category="cinema", commune="75056")])
    assert e.value.field == "add.0.commune"
    with pytest.raises(OutsideCoverageError) as e2:
        run_scenario(model, target, "drive", add=[NewVenue(category="cinema", lon=2.35, lat=48.85)])
    assert e2.value.field == "add.0"
    with pytest.raises(InvalidParameterError) as e:
        run_scenario(model, target, "plane")
    assert e.value.field == "mode"


def test_greedy_first_pick_is_the_best_single_commune(model: AccessibilityModel) -> None:
    target = Target("category", "cinema")
    threshold = 20
    figures = model.commune_figures(target, "drive")
    times = model.commune_times("drive")
    pop = model.communes["population"].to_numpy(dtype=np.int64)
    codes = model.communes["code"].tolist()
    steps = suggest_sites(
        times, figures["time_s"].to_numpy(dtype=float, na_value=np.nan), pop, codes,
        model.communes["name"].tolist(), threshold_minutes=threshold, k=3,
    )  # fmt: skip
    assert len(steps) == 3
    uncovered = figures["time_s"].to_numpy(dtype=float, na_value=np.nan) > threshold * 60
    # brute force, independently of coverage_gain: each candidate on its own
    for j in range(len(codes)):
        covered = uncovered & (times[:, j] <= threshold * 60)
        assert steps[0].gain_population >= int(pop[covered].sum())
    assert steps[0].gain_population == int(
        coverage_gain(times, uncovered, pop, threshold * 60).max()
    )
    # gains never grow, cumulative adds up, a picked commune covers itself
    gains = [s.gain_population for s in steps]
    assert gains == sorted(gains, reverse=True)
    assert steps[-1].cumulative_population == sum(gains)
    assert steps[-1].remaining_population == int(pop[uncovered].sum()) - sum(gains)
    # the pick, added as a venue, brings at least its gain newly within the threshold
    result = run_scenario(
        model, target, "drive", add=[NewVenue(category="cinema", commune=steps[0].code)],
        thresholds_minutes=[threshold],
    )  # fmt: skip
    assert int(result.thresholds["population_newly_within"].iloc[0]) == steps[0].gain_population


def test_commune_times_diagonal_is_zero(model: AccessibilityModel) -> None:
    times = model.commune_times("bike")
    assert times.shape == (309, 309)
    assert np.allclose(np.diag(times), 0.0)


def test_nearest_figures_without_offers(model: AccessibilityModel) -> None:
    times = model.offer_times("drive")
    fig = nearest_figures(times, np.zeros(times.shape[1], dtype=bool), model.params)
    assert np.isinf(fig.time_s).all()
    assert (fig.nearest == -1).all()
    assert (fig.counts == 0).all()


def test_territory_indicators(model: AccessibilityModel) -> None:
    ind = model.tables.indicators
    assert set(ind["level"]) == {"canton", "epci"}
    assert len(ind) == (16 + 13) * len(model.vocabulary)
    books = sum("books" in t for t in model.offers["themes"])
    for level in ("canton", "epci"):
        rows = ind[(ind["level"] == level) & (ind["theme"] == "books")]
        assert rows["offers"].sum() == books
        assert rows["population"].sum() == TOTAL_POPULATION
        expected = 1000 * rows["offers"] / rows["population"]
        assert np.allclose(rows["offers_per_1000"], expected, atol=1e-6)
    assert np.allclose(ind["gap"], ind["share_drive"] - ind["share_no_car"], atol=2e-6)
    assert ind["share_drive"].between(0, 1).all()
    assert (ind["no_car_modes"] == "bike,walk,transit").all()
