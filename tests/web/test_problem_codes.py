"""Every problem document carries a stable machine ``code`` (issue #17), and so does each
invalid parameter; the codes are documented in the OpenAPI document."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from geoservice import errors
from geoservice.web.problem_codes import (
    CODE_BY_ERROR,
    PARAM_CODES,
    PROBLEM_CODES,
    code_of_error,
    code_of_error_class,
    code_of_reason,
)


def test_every_error_class_has_a_documented_code() -> None:
    classes = [
        c
        for c in vars(errors).values()
        if isinstance(c, type) and issubclass(c, errors.GeoserviceError)
    ]
    assert len(classes) >= 12
    for cls in classes:
        if cls is errors.GeoserviceError:
            continue
        code = code_of_error_class(cls)
        assert code in PROBLEM_CODES, cls
        assert code != "internal_error", cls
    assert {c for _, c in CODE_BY_ERROR} <= set(PROBLEM_CODES)
    assert code_of_error(errors.DeadlineExceededError("slow", limit_s=1)) == "deadline_exceeded"


@pytest.mark.parametrize(
    ("url", "code", "param", "param_code"),
    [
        (
            "/api/v1/isochrones?lon=abc&lat=47&mode=drive",
            "invalid_parameter",
            "lon",
            "not_a_number",
        ),
        ("/api/v1/isochrones?lon=3.1&lat=47&mode=car", "invalid_parameter", "mode", "not_allowed"),
        ("/api/v1/isochrones?lat=47&mode=drive", "invalid_parameter", None, None),
        (
            "/api/v1/reachable?commune=58194&mode=drive&max_minutes=-5",
            "invalid_parameter",
            "max_minutes",
            "out_of_range",
        ),
        ("/api/v1/offers/nope:1", "not_found", None, None),
        ("/api/v1/nothing-here", "not_found", None, None),
        (
            "/api/v1/isochrones?lon=5.5&lat=45.0&mode=drive&minutes=10",
            "outside_coverage",
            None,
            None,
        ),
        ("/api/v1/isochrones?lon=3.1&lat=47&minutes=500", "limit_exceeded", None, None),
        ("/api/v1/accounts/me", "authentication_required", None, None),
    ],
)
def test_problems_carry_codes(
    client: FlaskClient, url: str, code: str, param: str | None, param_code: str | None
) -> None:
    response = client.get(url)
    assert response.status_code >= 400
    problem = response.get_json()
    assert problem["code"] == code, problem
    for p in problem.get("invalid_params", []):
        assert p["code"] in PARAM_CODES
    if param is not None:
        codes = {p["name"]: p["code"] for p in problem["invalid_params"]}
        assert codes[param] == param_code, problem


def test_method_not_allowed_has_its_code(client: FlaskClient) -> None:
    response = client.delete("/api/v1/communes")
    assert response.status_code == 405
    assert response.get_json()["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        ("Missing data for required field.", "required"),
        ("Not a valid number.", "not_a_number"),
        ("Not a valid integer.", "not_an_integer"),
        ("Not a valid datetime.", "not_a_date"),
        ("Must be greater than or equal to 1 and less than or equal to 120.", "out_of_range"),
        ("max_minutes -5 must be > 0 and at most 120 minutes", "out_of_range"),
        ("Must be one of: drive, bike.", "not_allowed"),
        ("Unknown field.", "unknown_field"),
        ("something odd", "invalid"),
    ],
)
def test_common_validation_messages_have_codes(reason: str, code: str) -> None:
    assert code_of_reason(reason) == code


def test_codes_are_documented_in_openapi(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    problem = spec["components"]["schemas"]["Problem"]
    assert "code" in problem["required"]
    assert set(problem["properties"]["code"]["enum"]) == set(PROBLEM_CODES)
    param = spec["components"]["schemas"]["InvalidParam"]
    assert set(param["properties"]["code"]["enum"]) == set(PARAM_CODES)
