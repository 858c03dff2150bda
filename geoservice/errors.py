"""The exception hierarchy.

Every error raised on purpose derives from :class:`GeoserviceError` and also from the
built-in it refines, so callers may catch either. ``web/problems.py`` maps these classes
to HTTP statuses in one table.
"""

from __future__ import annotations

from collections.abc import Iterable


class GeoserviceError(Exception):
    """Base class of every error geoservice raises on purpose."""


class InvalidParameterError(GeoserviceError, ValueError):
    """A request or function argument has a value that is not allowed.

    Parameters
    ----------
    field
        Name of the offending parameter, as the caller spelled it.
    message
        What is wrong, quoting the bad value.
    allowed
        The allowed values, when there is a closed list.
    """

    def __init__(self, field: str, message: str, allowed: Iterable[str] | None = None) -> None:
        self.field = field
        self.allowed = sorted(allowed) if allowed is not None else None
        if self.allowed is not None:
            message = f"{message}; allowed: {', '.join(self.allowed)}"
        super().__init__(message)


class LimitExceededError(InvalidParameterError):
    """A parameter is well formed but above a configured limit (too many bands, minutes...)."""


class NotFoundError(GeoserviceError, LookupError):
    """A resource named by the caller (offer id, commune code...) does not exist."""


class OutsideCoverageError(GeoserviceError, LookupError):
    """A point lies outside the covered area or too far from the network."""

    def __init__(self, message: str, *, field: str = "location", distance_m: float | None = None):
        self.field = field
        self.distance_m = distance_m
        super().__init__(message)


class AuthenticationError(GeoserviceError, PermissionError):
    """The request needs a valid API token and has none, or an unknown or revoked one."""


class PermissionDeniedError(GeoserviceError, PermissionError):
    """The caller is known but their role does not allow the action."""


class ConflictError(GeoserviceError, ValueError):
    """The action does not apply to the resource in its current state (e.g. approve a draft)."""


class RateLimitedError(GeoserviceError, RuntimeError):
    """The caller sent too many requests; retry after `retry_after_s` seconds."""

    def __init__(self, message: str, *, retry_after_s: float) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(message)


class DataError(GeoserviceError, RuntimeError):
    """Input data is missing, corrupted or inconsistent."""


class MissingDataError(DataError, FileNotFoundError):
    """A required data file does not exist."""


class ChecksumMismatchError(DataError):
    """A raw file does not have the sha256 its provenance record states."""


class MissingColumnError(DataError, KeyError):
    """A table lacks a column the computation needs."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class ServiceUnavailableError(GeoserviceError, RuntimeError):
    """A backing service (database, worker) is unreachable or too slow; retry later."""


class DeadlineExceededError(ServiceUnavailableError, TimeoutError):
    """A computation ran past its configured time limit and was stopped."""

    def __init__(self, message: str, *, limit_s: float) -> None:
        self.limit_s = limit_s
        super().__init__(message)
