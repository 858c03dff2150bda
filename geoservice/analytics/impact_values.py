"""Value proxies (the "V" of SEROI+): money per unit of a measured indicator.

A proxy is configuration (``[impact.values]`` of ``config/impact.toml``), not a measurement:
it applies only when ``enabled = true`` and the proxy has a value, a source and a date; it is
always served beside the measured quantity and labelled as a proxy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ValueProxy:
    """Money per unit of one indicator family (``indicator``): ``value`` per
    ``per_unit_divisor`` units, from ``source`` at ``date``."""

    key: str
    indicator: str
    label: str
    unit: str
    value_eur: float | None
    per_unit_divisor: float
    source: str
    date: str

    @property
    def usable(self) -> bool:
        """A value, a source and a date are all given."""
        return self.value_eur is not None and bool(self.source) and bool(self.date)

    def describe(self) -> dict[str, Any]:
        """The proxy as served."""
        return {
            "key": self.key,
            "indicator": self.indicator,
            "label": self.label,
            "unit": self.unit,
            "value": self.value_eur,
            "source": self.source or None,
            "date": self.date or None,
            "usable": self.usable,
            "note": "proxy: a conventional value per unit, not a measurement",
        }


@dataclass(frozen=True)
class ValueProxies:
    """The configured proxies and whether they are switched on."""

    enabled: bool
    proxies: tuple[ValueProxy, ...]

    @classmethod
    def from_section(cls, table: Mapping[str, Any]) -> ValueProxies:
        """Parse ``[impact.values]``."""
        proxies = []
        for key, p in dict(table.get("proxies", {})).items():
            raw = p.get("value", "")
            proxies.append(
                ValueProxy(
                    key=str(key),
                    indicator=str(p.get("indicator", "")),
                    label=str(p.get("label", key)),
                    unit=str(p.get("unit", "")),
                    value_eur=None if raw in ("", None) else float(raw),
                    per_unit_divisor=float(p.get("per_unit_divisor", 1) or 1),
                    source=str(p.get("source", "") or ""),
                    date=str(p.get("date", "") or ""),
                )
            )
        return cls(enabled=bool(table.get("enabled", False)), proxies=tuple(proxies))

    def for_indicator(self, indicator: str) -> ValueProxy | None:
        """The usable proxy of `indicator` when proxies are enabled, else None."""
        if not self.enabled:
            return None
        for p in self.proxies:
            if p.indicator == indicator and p.usable:
                return p
        return None

    def value_of(self, indicator: str, quantity: float) -> float | None:
        """The proxy value (EUR) of `quantity` of `indicator`, or None without a proxy."""
        p = self.for_indicator(indicator)
        if p is None or p.value_eur is None:
            return None
        return round(quantity / p.per_unit_divisor * p.value_eur, 2)

    def describe(self) -> dict[str, Any]:
        """``enabled`` and every proxy (usable or not)."""
        return {"enabled": self.enabled, "proxies": [p.describe() for p in self.proxies]}
