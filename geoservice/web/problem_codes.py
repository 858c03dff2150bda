"""Stable machine codes of the problem documents: one per error class and per common
validation failure, so that a client (the page) can say each error in its own language
without parsing the English ``detail``."""

from __future__ import annotations

import re

from geoservice.errors import (
    AuthenticationError,
    ConflictError,
    DataError,
    DeadlineExceededError,
    GeoserviceError,
    InvalidParameterError,
    LimitExceededError,
    NotFoundError,
    OutsideCoverageError,
    PermissionDeniedError,
    RateLimitedError,
    ServiceUnavailableError,
)

#: Problem ``code`` → what it means (documented in OpenAPI). Stable: never renamed.
PROBLEM_CODES: dict[str, str] = {
    "invalid_parameter": "a parameter or body field is invalid (see invalid_params)",
    "limit_exceeded": "a request is too large (too many points, minutes, timings…)",
    "not_found": "no such resource or offer",
    "outside_coverage": "the place is outside the area the service covers",
    "authentication_required": "sign in or send a valid token",
    "permission_denied": "signed in, but not allowed to do this",
    "conflict": "the request conflicts with the current state (name taken, transition refused)",
    "rate_limited": "too many requests: retry after retry_after_s",
    "deadline_exceeded": "the computation took too long and was stopped",
    "service_unavailable": "a backing service is unavailable: retry later",
    "data_error": "the service's data is missing or damaged",
    "method_not_allowed": "this HTTP method is not allowed here",
    "payload_too_large": "the request body is too large",
    "unsupported_media_type": "the body must be JSON",
    "http_error": "another HTTP error",
    "internal_error": "an unexpected error, logged",
}

#: Error class → code; the first matching class (in this order) wins.
CODE_BY_ERROR: tuple[tuple[type[GeoserviceError], str], ...] = (
    (LimitExceededError, "limit_exceeded"),
    (InvalidParameterError, "invalid_parameter"),
    (NotFoundError, "not_found"),
    (OutsideCoverageError, "outside_coverage"),
    (AuthenticationError, "authentication_required"),
    (PermissionDeniedError, "permission_denied"),
    (ConflictError, "conflict"),
    (RateLimitedError, "rate_limited"),
    (DeadlineExceededError, "deadline_exceeded"),
    (ServiceUnavailableError, "service_unavailable"),
    (DataError, "data_error"),
)

#: HTTP status of a non-domain error → code.
CODE_BY_STATUS: dict[int, str] = {
    400: "invalid_parameter",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_parameter",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}

#: ``invalid_params[].code`` → what it means (documented in OpenAPI).
PARAM_CODES: dict[str, str] = {
    "required": "missing",
    "not_a_number": "not a number",
    "not_an_integer": "not a whole number",
    "not_a_boolean": "not true or false",
    "not_a_date": "not a date or date-time",
    "out_of_range": "below the minimum or above the maximum",
    "not_allowed": "not one of the allowed values (see allowed)",
    "bad_length": "too short or too long",
    "not_an_email": "not an e-mail address",
    "not_a_url": "not an http(s) address",
    "unknown_field": "a field the endpoint does not know",
    "invalid": "any other invalid value (see reason)",
}

#: Marshmallow / webargs / domain messages → parameter code, first match wins.
_PARAM_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), code)
    for pattern, code in (
        (r"missing data for required field|is required|needs \w+", "required"),
        (r"unknown field", "unknown_field"),
        (r"not a valid integer", "not_an_integer"),
        (r"not a valid (number|float)|not a number", "not_a_number"),
        (r"not a valid boolean", "not_a_boolean"),
        (r"not a valid (date|datetime|time)|not an aware|iso 8601", "not_a_date"),
        (r"e-?mail", "not_an_email"),
        (r"url", "not_a_url"),
        (r"length must|shorter than|longer than|characters", "bad_length"),
        (r"must be one of|allowed:|unknown mode|unknown \w+ '", "not_allowed"),
        (
            r"greater than|less than|between|must be [<>]|at most|at least|above|below|"
            r"out of range|range",
            "out_of_range",
        ),
    )
)


def code_of_error_class(error_class: type[GeoserviceError]) -> str:
    """The problem code of a domain error class."""
    return next((c for k, c in CODE_BY_ERROR if issubclass(error_class, k)), "internal_error")


def code_of_error(error: GeoserviceError) -> str:
    """The problem code of a domain error."""
    return code_of_error_class(type(error))


def code_of_status(status: int) -> str:
    """The problem code of an HTTP error that is not a domain error."""
    return CODE_BY_STATUS.get(status, "internal_error" if status >= 500 else "http_error")


def code_of_reason(reason: str) -> str:
    """The ``invalid_params[].code`` of a validation message."""
    return next((c for p, c in _PARAM_PATTERNS if p.search(reason)), "invalid")
