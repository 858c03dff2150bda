"""Value proxies: off by default, used only with a value, a source and a date."""

from __future__ import annotations

from geoservice.analytics.impact_values import ValueProxies
from geoservice.settings import Settings


def test_the_shipped_configuration_has_no_value_and_is_off(settings: Settings) -> None:
    proxies = ValueProxies.from_section(dict(settings.section("impact")["values"]))
    assert proxies.enabled is False
    assert proxies.proxies
    assert all(p.value_eur is None and not p.usable for p in proxies.proxies)
    assert proxies.value_of("rides.minutes_saved", 90.0) is None


def test_a_filled_proxy_values_the_quantity_only_when_enabled() -> None:
    section = {
        "enabled": True,
        "proxies": {
            "time": {
                "indicator": "rides.minutes_saved",
                "unit": "EUR/heure",
                "per_unit_divisor": 60,
                "value": 12.5,
                "source": "a cited document, table 3",
                "date": "2026",
            },
            "undated": {"indicator": "projects.members", "value": 10, "source": "x", "date": ""},
        },
    }
    proxies = ValueProxies.from_section(section)
    assert proxies.value_of("rides.minutes_saved", 90.0) == 18.75
    assert proxies.value_of("projects.members", 4.0) is None  # no date: not usable
    assert (
        ValueProxies.from_section({**section, "enabled": False}).value_of(
            "rides.minutes_saved", 90.0
        )
        is None
    )
    described = proxies.describe()["proxies"][0]
    assert described["note"].startswith("proxy")
