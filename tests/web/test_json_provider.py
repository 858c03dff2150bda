"""JSON responses written by orjson are the documents Flask's own provider writes."""

from __future__ import annotations

import dataclasses
import decimal
import json
import uuid
from datetime import date, datetime
from typing import Any

import numpy as np
import pytest
from flask import Flask
from flask.json.provider import DefaultJSONProvider

from geoservice.web.json_provider import OrjsonProvider


@dataclasses.dataclass
class _Point:
    lon: float
    lat: float


def _apps() -> tuple[Flask, Flask]:
    apps = []
    for provider in (OrjsonProvider, DefaultJSONProvider):
        app = Flask(__name__)
        app.json = provider(app)
        app.json.ensure_ascii = False  # type: ignore[attr-defined]
        app.json.sort_keys = False  # type: ignore[attr-defined]
        apps.append(app)
    return apps[0], apps[1]


@pytest.mark.parametrize(
    "document",
    [
        {"type": "FeatureCollection", "features": [], "total": 0},
        {"name": "Église Saint-Étienne — « concert »", "z": 1, "a": [1.5, -2, None, True]},
        {"coordinates": [[3.159, 46.99], [3.1600001, 46.981234]], "value": 0.1 + 0.2},
        {"when": date(2030, 6, 21), "at": datetime(2030, 6, 21, 20, 30)},
        {"price": decimal.Decimal("12.50"), "id": uuid.UUID(int=58), "p": _Point(3.1, 46.9)},
        {"control": 'tab\tline\nquote"back\\slash\u2028', "empty": {}},
        [1, "two", 3.0],
    ],
)
def test_same_document_as_flask(document: Any) -> None:
    ours, flask_app = _apps()
    with ours.app_context():
        a = ours.json.response(document)
    with flask_app.app_context():
        b = flask_app.json.response(document)
    assert json.loads(a.get_data()) == json.loads(b.get_data())
    assert a.get_data().endswith(b"\n")
    assert a.mimetype == b.mimetype == "application/json"


@pytest.mark.parametrize(
    "document",
    [
        {1: "integer key", None: "none key"},
        {"x": np.float64(0.1), "n": 3},
        {"big": 2**70},
    ],
)
def test_what_orjson_would_write_otherwise_goes_to_flask(document: Any) -> None:
    """Non-string keys, numpy scalars, huge integers: byte for byte Flask's answer."""
    ours, flask_app = _apps()
    with ours.app_context():
        a = ours.json.response(document)
    with flask_app.app_context():
        b = flask_app.json.response(document)
    assert a.get_data() == b.get_data()


def test_the_app_answers_through_orjson(client: Any) -> None:
    response = client.get("/api/v1/reachable?lon=3.159&lat=46.99&mode=walk&max_minutes=10")
    assert response.status_code == 200
    # Compact, as Flask's provider writes it out of debug mode.
    assert b'{"type":"FeatureCollection","origin":{' in response.get_data()
    assert response.get_data().endswith(b"\n")
