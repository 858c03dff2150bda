"""The OpenAPI document: every operation has its success response's schema and an example,
and every example is valid against its own schema."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from flask import Flask


@pytest.fixture(scope="module")
def document(app: Flask) -> dict[str, Any]:
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc: dict[str, Any] = response.get_json()
    return doc


def _success_contents(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    out = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            label = f"{method.upper()} {path}"
            successes = [s for s in operation["responses"] if s.startswith("2")]
            assert successes, f"{label} documents no success response"
            for status in successes:
                response = operation["responses"][status]
                if status == "204":
                    continue
                assert response.get("content"), f"{label} {status} documents no content"
                for media_type, content in response["content"].items():
                    out.append((f"{label} {status} {media_type}", media_type, content))
    return out


def test_every_success_response_has_a_schema_and_an_example(document: dict[str, Any]) -> None:
    contents = _success_contents(document)
    assert len(contents) >= 25
    missing = [
        label
        for label, media_type, content in contents
        if "schema" not in content
        # An image has no textual example: its schema says binary.
        or not ("example" in content or "examples" in content or media_type.startswith("image/"))
    ]
    assert not missing, missing


def test_every_error_response_is_a_problem_document(document: dict[str, Any]) -> None:
    default = document["components"]["responses"]["DEFAULT_ERROR"]
    assert list(default["content"]) == ["application/problem+json"]
    for operations in document["paths"].values():
        for method, operation in operations.items():
            if method != "parameters":
                assert "default" in operation["responses"]


def test_every_example_is_valid_against_its_schema(document: dict[str, Any]) -> None:
    checked = 0
    for label, media_type, content in _success_contents(document):
        if "example" not in content or not media_type.endswith("json"):
            continue
        schema = {**content["schema"], "components": document["components"]}
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(content["example"]))
        assert not errors, f"{label}: {[e.message for e in errors[:3]]}"
        checked += 1
    problem = document["components"]["responses"]["DEFAULT_ERROR"]["content"]
    schema = {
        **problem["application/problem+json"]["schema"],
        "components": document["components"],
    }
    jsonschema.validate(problem["application/problem+json"]["example"], schema)
    assert checked >= 20
