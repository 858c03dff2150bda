"""Bad input is a 400 (or 413) problem naming the field, never a 500, on SQLite and
PostgreSQL: control characters, timings out of range, deeply nested or huge JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from geoservice.runtime import Runtime
from geoservice.store.auth import add_user
from geoservice.store.db import Store
from geoservice.store.location import Coverage
from geoservice.web import create_app
from geoservice.web.json_limits import MAX_JSON_DEPTH, json_depth
from geoservice.web.middleware import content_security_policy
from tests.web.test_contributions import offer_body, props


@pytest.fixture
def client(
    runtime: Runtime, store: Store, coverage: Coverage
) -> tuple[FlaskClient, dict[str, str]]:
    with store.write() as session:
        token = add_user(session, "mod", "moderator")[1]
    return create_app(runtime=runtime, store=store).test_client(), {
        "Authorization": f"Bearer {token}"
    }


def names(response: Any) -> set[str]:
    assert response.mimetype == "application/problem+json", response.get_data(as_text=True)
    return {p["name"] for p in response.get_json().get("invalid_params", [])}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "Concert\x00"}, "title"),
        ({"description": "a\x00b"}, "description"),
        ({"description": "bell\x07"}, "description"),
        ({"organiser": "MJC\x1b[31m"}, "organiser"),
        ({"location_name": "Salle\ndes fêtes"}, "location_name"),
        ({"address": "\x00"}, "address"),
        ({"conditions": "\x0b"}, "conditions"),
        ({"url": "https://example.org/\x00"}, "url"),
        ({"commune_code": "58194\n"}, "commune_code"),
        ({"themes": ["music\x00"]}, "themes.0"),
        ({"registration": [{"type": "phone", "value": "03 86\x00"}]}, "registration.0.value"),
        ({"title": "\ud800 surrogate"}, "title"),
    ],
)
def test_control_characters_are_400_naming_the_field(
    client: tuple[FlaskClient, dict[str, str]], changes: dict[str, Any], field: str
) -> None:
    api, headers = client
    as_json = {"content_type": "application/json", "headers": headers}  # \uXXXX escapes
    response = api.post("/api/v1/offers", data=json.dumps(offer_body(**changes)), **as_json)
    assert response.status_code == 400
    assert field in names(response)
    posted = props(api.post("/api/v1/offers", json=offer_body(), headers=headers))
    url = f"/api/v1/offers/{posted['offer_id']}"
    patched = api.patch(url, data=json.dumps(changes), **as_json)
    assert patched.status_code == 400
    assert field in names(patched)


def test_descriptions_keep_line_breaks_and_tabs(
    client: tuple[FlaskClient, dict[str, str]],
) -> None:
    api, headers = client
    text = "Programme :\n\t- Bach\r\n\t- Couperin"
    response = api.post("/api/v1/offers", json=offer_body(description=text), headers=headers)
    assert props(response)["description"] == text


@pytest.mark.parametrize(
    ("begin", "end"),
    [
        ("0001-01-01T00:00:00", "0001-01-01T01:00:00"),
        ("0001-01-01T00:00:00+14:00", "2030-01-01T01:00:00"),
        ("2030-01-01T00:00:00", "9999-12-31T23:59:59"),
        ("2030-01-01T00:00:00", "9999-12-31T23:59:59-23:59"),
        ("1899-12-31T12:00:00", "1900-01-02T00:00:00"),
        ("2030-01-01T00:00:00+20:00", "2030-01-01T01:00:00"),
    ],
)
def test_timings_out_of_range_are_400(
    client: tuple[FlaskClient, dict[str, str]], begin: str, end: str
) -> None:
    api, headers = client
    body = offer_body(timings=[{"begin": begin, "end": end}])
    response = api.post("/api/v1/offers", json=body, headers=headers)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert names(response) & {"timings.0.begin", "timings.0.end"}


def test_search_days_out_of_range_are_400(client: tuple[FlaskClient, dict[str, str]]) -> None:
    api, _ = client
    response = api.get("/api/v1/offers?date_from=0001-01-01")
    assert response.status_code == 400
    assert names(response) == {"date_from"}


@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_deeply_nested_json_is_400_naming_the_body(
    client: tuple[FlaskClient, dict[str, str]], opening: str
) -> None:
    api, headers = client
    body = opening * 5_000
    for path in ("/api/v1/offers", "/api/v1/offers/user:1"):
        method = api.post if path.endswith("offers") else api.patch
        response = method(path, data=body, content_type="application/json", headers=headers)
        assert response.status_code == 400, response.get_data(as_text=True)
        assert names(response) == {"body"}


def test_nesting_within_the_limit_reaches_the_schema(
    client: tuple[FlaskClient, dict[str, str]],
) -> None:
    api, headers = client
    body = offer_body(accessibility={"wheelchair": [[[1]]]})
    response = api.post("/api/v1/offers", json=body, headers=headers)
    assert response.status_code == 400
    assert names(response) == {"accessibility.wheelchair"}


def test_json_depth_ignores_brackets_in_strings() -> None:
    assert json_depth(b'{"a": "[[[[{{{{", "b": [1, {"c": "\\"]]]"}]}') == 3
    assert json_depth(b"[" * (MAX_JSON_DEPTH + 1)) == MAX_JSON_DEPTH + 1
    assert json_depth(b"]]]]") == 0


def test_huge_json_is_413(client: tuple[FlaskClient, dict[str, str]]) -> None:
    api, headers = client
    body = offer_body(description="x" * 2_000_000)
    response = api.post("/api/v1/offers", json=body, headers=headers)
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


def test_huge_numbers_are_400(client: tuple[FlaskClient, dict[str, str]]) -> None:
    api, headers = client
    body = (
        '{"kind": "event", "title": "Bal", "commune_code": "58194", "age_min": ' + "9" * 5_000 + "}"
    )
    response = api.post(
        "/api/v1/offers", data=body, content_type="application/json", headers=headers
    )
    assert response.status_code == 400, response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("tile_url", "images"),
    [
        ("", "img-src 'self';"),
        (
            "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            "img-src 'self' https://tile.openstreetmap.org;",
        ),
        (
            "https://{s}.tiles.example:8443/{z}/{x}/{y}.png",
            "img-src 'self' https://*.tiles.example:8443;",
        ),
    ],
)
def test_images_come_only_from_the_service_and_the_tile_host(tile_url: str, images: str) -> None:
    csp = content_security_policy(tile_url)
    assert images in csp
    assert "https:;" not in csp
    assert "data:" not in csp


@pytest.mark.parametrize(
    "query",
    [{"q": "bal\x00"}, {"commune": "58194\x00"}, {"theme": "music\x00"}, {"category": "event\x00"}],
)
def test_control_characters_in_the_search_are_never_a_500(
    client: tuple[FlaskClient, dict[str, str]], query: dict[str, str]
) -> None:
    api, _ = client
    response = api.get("/api/v1/offers", query_string=query)
    assert response.status_code in {200, 400}, response.get_data(as_text=True)
