"""Limits on JSON request bodies checked before any parser sees them.

Python's ``json`` module parses nested arrays and objects recursively: a body of 5,000
``[`` raises ``RecursionError``. :func:`check_json_body` refuses bodies nested deeper than
:data:`MAX_JSON_DEPTH` with a 400 problem naming ``body``, by counting brackets outside
strings, then parses the body once so that any other parser error (invalid JSON, an
integer of more than 4,300 digits) is a 400 too; the size limit is Flask's
``MAX_CONTENT_LENGTH`` (413).
"""

from __future__ import annotations

import json
import re

from flask import request

from geoservice.errors import InvalidParameterError

#: Deepest nesting of arrays and objects accepted (an offer needs 3).
MAX_JSON_DEPTH = 32
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects in `body` (JSON text, maybe invalid)."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRING.sub(b"", body)):
        if bracket in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(0, depth - 1)
    return deepest


def check_json_body() -> None:
    """``before_request`` hook: refuse JSON bodies nested deeper than :data:`MAX_JSON_DEPTH`."""
    if request.method not in {"POST", "PUT", "PATCH"} or not request.is_json:
        return
    body = request.get_data(cache=True)  # bounded by MAX_CONTENT_LENGTH (413 above it)
    depth = json_depth(body)
    if depth > MAX_JSON_DEPTH:
        msg = f"JSON nested {depth} levels deep; at most {MAX_JSON_DEPTH}"
        raise InvalidParameterError("body", msg)
    try:
        json.loads(body)
    except ValueError as e:  # JSONDecodeError, UnicodeDecodeError, too many digits
        raise InvalidParameterError("body", f"not valid JSON: {e}") from e
