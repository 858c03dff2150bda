"""The ``[accounts]`` settings, parsed once into a frozen dataclass."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from geoservice.errors import InvalidParameterError
from geoservice.settings import Settings

#: Longest accepted password, characters (argon2 hashes any length; this bounds the work).
PASSWORD_MAX_LENGTH = 128
#: Values of ``accounts.cookie_secure``.
COOKIE_SECURE_CHOICES: tuple[str, ...] = ("auto", "true", "false")


@dataclass(frozen=True)
class Argon2Params:
    """argon2id cost parameters (argon2-cffi's defaults: RFC 9106 low-memory profile)."""

    time_cost: int = 3
    memory_kib: int = 65_536
    parallelism: int = 4


@dataclass(frozen=True)
class AccountLimits:
    """Token buckets (``burst`` at once, then ``per_hour``) of the account endpoints."""

    sign_in_ip_burst: int = 20
    sign_in_ip_per_hour: float = 120.0
    sign_in_account_burst: int = 5
    sign_in_account_per_hour: float = 12.0
    sign_up_burst: int = 5
    sign_up_per_hour: float = 20.0
    reset_burst: int = 3
    reset_per_hour: float = 10.0


@dataclass(frozen=True)
class AccountsConfig:
    """Sessions, password rules and reset tokens.

    Attributes
    ----------
    session_days
        Lifetime of a session cookie after sign-in, days.
    reset_minutes
        Lifetime of a password-reset token, minutes.
    password_min_length
        Fewest characters of a password.
    cookie_secure
        ``auto`` (Secure when the request came over https), ``true`` or ``false``.
    public_url
        Base URL of the page for e-mails; empty: the request's.
    argon2
        Hashing cost.
    limits
        Rate limits.
    """

    session_days: float = 14.0
    reset_minutes: float = 60.0
    password_min_length: int = 10
    cookie_secure: str = "auto"
    public_url: str = ""
    argon2: Argon2Params = Argon2Params()
    limits: AccountLimits = AccountLimits()


def _ints_and_floats(cls: type[Any], section: Mapping[str, Any]) -> dict[str, Any]:
    fields = cls.__dataclass_fields__
    unknown = sorted(set(section) - set(fields))
    if unknown:
        raise InvalidParameterError("accounts", f"unknown settings {unknown}", fields)
    out: dict[str, Any] = {}
    for name, value in section.items():
        kind = int if fields[name].type in ("int", int) else float
        number = kind(value)
        if number < 0:
            raise InvalidParameterError(f"accounts.{name}", f"{name} must be >= 0: {value!r}")
        out[name] = number
    return out


def accounts_config_from_settings(settings: Settings) -> AccountsConfig:
    """Parse ``[accounts]`` (every key optional)."""
    section = settings.section("accounts")
    try:
        argon2 = Argon2Params(**_ints_and_floats(Argon2Params, section.get("argon2", {})))
        limits = AccountLimits(**_ints_and_floats(AccountLimits, section.get("limits", {})))
        config = AccountsConfig(
            session_days=float(section.get("session_days", 14)),
            reset_minutes=float(section.get("reset_minutes", 60)),
            password_min_length=int(section.get("password_min_length", 10)),
            cookie_secure=str(section.get("cookie_secure", "auto")).lower(),
            public_url=str(section.get("public_url", "")).rstrip("/"),
            argon2=argon2,
            limits=limits,
        )
    except (TypeError, ValueError) as e:
        raise InvalidParameterError("accounts", f"invalid [accounts] settings: {e}") from e
    if config.cookie_secure not in COOKIE_SECURE_CHOICES:
        msg = f"unknown accounts.cookie_secure {config.cookie_secure!r}"
        raise InvalidParameterError("accounts.cookie_secure", msg, COOKIE_SECURE_CHOICES)
    if config.session_days <= 0 or config.reset_minutes <= 0:
        raise InvalidParameterError("accounts", "session_days and reset_minutes must be > 0")
    if not 8 <= config.password_min_length <= PASSWORD_MAX_LENGTH:
        msg = f"password_min_length must be 8 to {PASSWORD_MAX_LENGTH}"
        raise InvalidParameterError("accounts.password_min_length", msg)
    if config.argon2.time_cost < 1 or config.argon2.parallelism < 1:
        raise InvalidParameterError("accounts.argon2", "time_cost and parallelism must be >= 1")
    if config.argon2.memory_kib < 8 * config.argon2.parallelism:
        raise InvalidParameterError("accounts.argon2", "memory_kib must be >= 8 × parallelism")
    return config
