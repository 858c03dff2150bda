"""RFC 9457 problem documents: the one place where errors become HTTP statuses."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http import HTTPStatus
from typing import Any

from flask import Response, current_app, json, request
from marshmallow import Schema, fields, validate
from werkzeug.exceptions import HTTPException

from geoservice.errors import (
    AuthenticationError,
    ConflictError,
    DataError,
    GeoserviceError,
    InvalidParameterError,
    LimitExceededError,
    NotFoundError,
    OutsideCoverageError,
    PermissionDeniedError,
    RateLimitedError,
    ServiceUnavailableError,
)
from geoservice.web.problem_codes import (
    PARAM_CODES,
    PROBLEM_CODES,
    code_of_error,
    code_of_reason,
    code_of_status,
)

PROBLEM_MIMETYPE = "application/problem+json"

#: Error class → HTTP status. The first matching class (in this order) wins.
STATUS_BY_ERROR: tuple[tuple[type[GeoserviceError], int], ...] = (
    (LimitExceededError, 422),
    (InvalidParameterError, 400),
    (NotFoundError, 404),
    (OutsideCoverageError, 422),
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (ConflictError, 409),
    (RateLimitedError, 429),
    (ServiceUnavailableError, 503),
    (DataError, 500),
)


class InvalidParamSchema(Schema):
    """One offending parameter of a problem document."""

    name = fields.String(required=True, metadata={"description": "the parameter, as spelled"})
    reason = fields.String(required=True)
    in_ = fields.String(data_key="in", metadata={"description": "query, json, path..."})
    code = fields.String(
        validate=validate.OneOf(list(PARAM_CODES)),
        metadata={
            "description": "stable machine code of the failure: "
            + "; ".join(f"{k}: {v}" for k, v in PARAM_CODES.items())
        },
    )


class ProblemSchema(Schema):
    """RFC 9457 problem document (``application/problem+json``), every error of the API."""

    type = fields.String(required=True, metadata={"example": "about:blank"})
    title = fields.String(required=True, metadata={"example": "Bad Request"})
    status = fields.Integer(required=True, metadata={"example": 400})
    code = fields.String(
        required=True,
        validate=validate.OneOf(list(PROBLEM_CODES)),
        metadata={
            "example": "invalid_parameter",
            "description": "stable machine code of the error, to show it in the client's "
            "language (detail is English): "
            + "; ".join(f"{k}: {v}" for k, v in PROBLEM_CODES.items()),
        },
    )
    detail = fields.String(required=True)
    instance = fields.String(required=True, metadata={"description": "the request path"})
    invalid_params = fields.List(fields.Nested(InvalidParamSchema))
    allowed = fields.List(fields.String(), metadata={"description": "allowed values"})
    distance_m = fields.Float(metadata={"description": "distance to the covered area, m"})
    retry_after_s = fields.Integer(metadata={"description": "rate limited: retry after, s"})


#: An example problem document, for the OpenAPI document.
PROBLEM_EXAMPLE = {
    "type": "about:blank",
    "title": "Bad Request",
    "status": 400,
    "code": "invalid_parameter",
    "detail": "unknown mode 'car'; allowed: bike, drive, walk",
    "instance": "/api/v1/isochrones",
    "invalid_params": [
        {
            "name": "mode",
            "reason": "unknown mode 'car'; allowed: bike, drive, walk",
            "code": "not_allowed",
        }
    ],
    "allowed": ["bike", "drive", "walk"],
}


def problem_response_doc(status: HTTPStatus | None) -> dict[str, Any]:
    """OpenAPI response object of an error `status` (None: the default error response)."""
    return {
        "description": status.phrase if status is not None else "Error (RFC 9457 problem)",
        "content": {
            PROBLEM_MIMETYPE: {"schema": ProblemSchema, "example": PROBLEM_EXAMPLE},
        },
    }


def problem_response(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    code: str | None = None,
    extra: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A ``application/problem+json`` response; `code` defaults to the status's
    (:func:`geoservice.web.problem_codes.code_of_status`), and each invalid parameter gets
    the code of its reason."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "code": code or code_of_status(status),
        "detail": detail,
        "instance": request.path,
    }
    body.update(extra or {})
    for param in body.get("invalid_params") or ():
        param.setdefault("code", code_of_reason(str(param.get("reason", ""))))
    response = current_app.response_class(
        json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_MIMETYPE
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _flatten_messages(messages: Any, location: str | None = None) -> list[dict[str, str]]:
    """webargs' ``{"query": {"limit": ["..."]}}`` → ``[{"name", "in", "reason"}]``."""
    params: list[dict[str, str]] = []

    def walk(node: Any, path: list[str], where: str | None) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                if where is None and key in {"query", "json", "form", "headers", "files", "path"}:
                    walk(value, path, str(key))
                else:
                    walk(value, [*path, str(key)], where)
        elif isinstance(node, list | tuple) and node and all(isinstance(v, str) for v in node):
            params.append(
                {"name": ".".join(path) or "body", "in": where or "body", "reason": " ".join(node)}
            )
        elif isinstance(node, list | tuple):
            for i, value in enumerate(node):
                walk(value, [*path, str(i)], where)
        else:
            params.append(
                {"name": ".".join(path) or "body", "in": where or "body", "reason": str(node)}
            )

    walk(messages, [], location)
    return params


def handle_http_exception(error: HTTPException) -> Response:
    """Werkzeug / flask-smorest HTTP errors (404, 405, 413, argument validation...)."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    extra: dict[str, Any] = {}
    if messages:
        invalid = _flatten_messages(messages)
        extra["invalid_params"] = invalid
        names = ", ".join(sorted({p["name"] for p in invalid}))
        detail = f"invalid parameter(s): {names}: " + "; ".join(
            f"{p['name']}: {p['reason']}" for p in invalid
        )
    elif status == 404:
        detail = f"no resource at {request.path}"
    elif status == 405:
        detail = f"method {request.method} is not allowed on {request.path}"
    elif status == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        detail = f"request body too large (limit {limit} bytes)"
    else:
        detail = data.get("message") or error.description or HTTPStatus(status).phrase
    headers = dict(data.get("headers") or {})
    if status == 405 and error.get_response().headers.get("Allow"):
        headers["Allow"] = error.get_response().headers["Allow"]
    return problem_response(status, str(detail), extra=extra, headers=headers)


@contextmanager
def request_fields(**field_by_name: str) -> Iterator[None]:
    """Name request parameters in the domain errors raised inside the block.

    ``core`` names what it checked by its own argument (``mode``, ``location``,
    ``budgets_s``…); a view says which request field that was, e.g.
    ``with request_fields(mode="access_mode", location="lon"):``. Names without a
    translation are kept.
    """
    try:
        yield
    except (InvalidParameterError, OutsideCoverageError) as error:
        error.field = field_by_name.get(error.field, error.field)
        raise


def handle_geoservice_error(error: GeoserviceError) -> Response:
    """Domain errors: status from :data:`STATUS_BY_ERROR`."""
    status = next((s for cls, s in STATUS_BY_ERROR if isinstance(error, cls)), 500)
    extra: dict[str, Any] = {}
    if isinstance(error, InvalidParameterError):
        extra["invalid_params"] = [{"name": error.field, "reason": str(error)}]
        if error.allowed is not None:
            extra["allowed"] = error.allowed
    if isinstance(error, OutsideCoverageError):
        extra["invalid_params"] = [{"name": error.field, "reason": str(error)}]
        if error.distance_m is not None:
            extra["distance_m"] = round(error.distance_m, 1)
    headers: dict[str, str] = {}
    if isinstance(error, ServiceUnavailableError):
        headers["Retry-After"] = "5"
    if isinstance(error, AuthenticationError):
        headers["WWW-Authenticate"] = 'Bearer realm="geoservice"'
    if isinstance(error, RateLimitedError):
        retry_after_s = max(1, math.ceil(error.retry_after_s))
        headers["Retry-After"] = str(retry_after_s)
        extra["retry_after_s"] = retry_after_s
    if status >= 500:
        current_app.logger.error("%s: %s", type(error).__name__, error)
    code = code_of_error(error)
    return problem_response(status, str(error), code=code, extra=extra, headers=headers)


def handle_unexpected_error(error: Exception) -> Response:
    """Anything else: log it with its traceback, answer a 500 problem without internals."""
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return problem_response(500, "internal error; it has been logged")
