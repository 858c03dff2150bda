"""The rule of a night out, in core: arrive, stay, and a way home must still leave."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from geoservice.core.reachable import ReachableOffers
from geoservice.core.timetable import Timetable
from geoservice.core.transit_reachable import transit_offer_times
from geoservice.core.way_home import (
    ReturnParams,
    can_get_home,
    latest_returns,
    ways_home_after_stay,
)
from geoservice.errors import InvalidParameterError
from geoservice.runtime import Runtime

TUESDAY = date(2025, 2, 4)
NEVERS = "ter:StopArea:OCE87696005"


@pytest.fixture(scope="module")
def tt(runtime: Runtime) -> Timetable:
    assert runtime.transit is not None
    return runtime.transit


def _nevers_xy(tt: Timetable) -> tuple[float, float]:
    i = tt.stops_of_station(NEVERS)[0]
    return float(tt.stop_x[i]), float(tt.stop_y[i])


def test_stay_then_home_keeps_exactly_the_offers_left_late_enough(
    tt: Timetable, reachable: ReachableOffers
) -> None:
    x, y = _nevers_xy(tt)
    times = transit_offer_times(tt, reachable, "walk", x, y, 17 * 3600, TUESDAY, limit_s=5400)
    params = ReturnParams(default_stay_minutes=120, return_arrive_by_s=86_400)
    home = ways_home_after_stay(tt, reachable, times, x, y, TUESDAY, params)
    assert home.stay_minutes == 120
    returns = latest_returns(tt, reachable, "walk", x, y, 86_400, TUESDAY, rows=times.rows)
    np.testing.assert_array_equal(home.returns.departure_s, returns.departure_s)
    arrival = 17 * 3600 + times.travel_time_s
    expected = np.isfinite(returns.departure_s) & (returns.departure_s >= arrival + 120 * 60)
    np.testing.assert_array_equal(home.keep, expected)
    # Reached offers in Nevers itself are walked home from: some are kept, and unreached
    # offers never are.
    assert home.keep.any()
    assert not home.keep[~np.isfinite(times.travel_time_s)].any()
    # A longer stay keeps no more offers; a stay past midnight keeps none.
    longer = ways_home_after_stay(tt, reachable, times, x, y, TUESDAY, params, stay_minutes=300)
    assert longer.keep.sum() <= home.keep.sum()
    assert not (longer.keep & ~home.keep).any()
    night = ways_home_after_stay(tt, reachable, times, x, y, TUESDAY, params, stay_minutes=600)
    assert not night.keep.any()


def test_can_get_home_and_a_negative_stay(tt: Timetable, reachable: ReachableOffers) -> None:
    x, y = _nevers_xy(tt)
    returns = latest_returns(tt, reachable, "walk", x, y, 86_400, TUESDAY, rows=[0, 1])
    leave = returns.departure_s
    ok = can_get_home(returns, leave - 1)
    np.testing.assert_array_equal(ok, np.isfinite(leave))
    assert not can_get_home(returns, leave + 1).any()
    times = transit_offer_times(tt, reachable, "walk", x, y, 8 * 3600, TUESDAY, limit_s=600)
    with pytest.raises(InvalidParameterError, match="stay_minutes"):
        ways_home_after_stay(tt, reachable, times, x, y, TUESDAY, ReturnParams(), stay_minutes=-5)
