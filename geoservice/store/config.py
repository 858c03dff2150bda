"""The ``[store]`` settings, parsed once into a frozen dataclass."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from geoservice.core.offers import CONTRIBUTION_KINDS
from geoservice.errors import InvalidParameterError
from geoservice.settings import Settings

#: Offer kinds (events, venues, works, skills, resources): the ``category`` of posted offers.
KINDS: tuple[str, ...] = CONTRIBUTION_KINDS
#: Life cycle of an offer (see docs/contributions.md).
STATUSES: tuple[str, ...] = ("draft", "pending", "published", "rejected", "cancelled")
#: Roles of registered users; anonymous callers have the pseudo-role ``anonymous``.
ROLES: tuple[str, ...] = ("contributor", "organisation", "moderator")
#: OpenAgenda's attendanceMode 1, 2, 3.
ATTENDANCE_MODES: tuple[str, ...] = ("on_site", "online", "mixed")
#: OpenAgenda's accessibility codes, spelled out.
ACCESSIBILITY_KEYS: tuple[str, ...] = ("wheelchair", "hearing", "visual", "intellectual", "psychic")


@dataclass(frozen=True)
class StoreConfig:
    """How to reach the database and the limits applied to contributions.

    Attributes
    ----------
    url
        SQLAlchemy URL of the database.
    sqlite_busy_timeout_ms
        How long a SQLite writer waits for the lock, milliseconds.
    upgrade_on_start
        Apply pending migrations when the app starts.
    coverage_margin_m
        Posted points may lie this far outside the département, metres.
    max_timings
        Most timings per offer.
    anonymous_burst
        Anonymous posts accepted at once from one client.
    anonymous_per_hour
        Sustained anonymous posts per hour from one client.
    themes
        The theme vocabulary (``config/themes.toml``).
    licence
        Licence of published contributions.
    """

    url: str
    sqlite_busy_timeout_ms: int = 30_000
    upgrade_on_start: bool = True
    coverage_margin_m: float = 5_000.0
    max_timings: int = 100
    anonymous_burst: int = 5
    anonymous_per_hour: float = 20.0
    themes: tuple[str, ...] = ()
    licence: str = "Licence Ouverte / Open Licence 2.0 (Etalab)"


def database_url_from_settings(settings: Settings, environ: Mapping[str, str]) -> str:
    """``store.url``, else ``DATABASE_URL``, else the SQLite file at ``store.sqlite_path``."""
    url = str(settings.get("store.url") or "").strip()
    if not url:
        url = environ.get("DATABASE_URL", "").strip()
    if not url:
        path = settings.path("store.sqlite_path")
        url = f"sqlite:///{path}"
    return url


def themes_from_settings(settings: Settings) -> tuple[str, ...]:
    """The theme vocabulary of ``[themes]``: its sub-table names, sorted.

    A ``vocabulary`` (or ``names``) list inside the table is used as is when present.
    """
    section: Mapping[str, Any] = settings.section("themes")
    for key in ("vocabulary", "names"):
        value = section.get(key)
        if isinstance(value, tuple | list):
            return tuple(sorted(str(v) for v in value))
    return tuple(sorted(k for k, v in section.items() if isinstance(v, Mapping | str)))


def store_config_from_settings(
    settings: Settings, environ: Mapping[str, str] | None = None
) -> StoreConfig:
    """Parse ``[store]`` (and ``[themes]``) of `settings`."""
    env = os.environ if environ is None else environ
    section = settings.section("store")
    anonymous = section.get("anonymous", {})
    try:
        config = StoreConfig(
            url=database_url_from_settings(settings, env),
            sqlite_busy_timeout_ms=int(section.get("sqlite_busy_timeout_ms", 30_000)),
            upgrade_on_start=bool(section.get("upgrade_on_start", True)),
            coverage_margin_m=float(section.get("coverage_margin_m", 5_000)),
            max_timings=int(section.get("max_timings", 100)),
            anonymous_burst=int(anonymous.get("burst", 5)),
            anonymous_per_hour=float(anonymous.get("per_hour", 20)),
            themes=themes_from_settings(settings),
            licence=str(section.get("licence", StoreConfig.licence)),
        )
    except (TypeError, ValueError) as e:
        raise InvalidParameterError("store", f"invalid [store] settings: {e}") from e
    if config.anonymous_burst < 0 or config.anonymous_per_hour < 0:
        raise InvalidParameterError("store.anonymous", "burst and per_hour must be >= 0")
    return config
