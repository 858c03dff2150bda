"""App-wide behaviour: health, OpenAPI, problem documents for unknown paths."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_health_reports_data_checksums(client: FlaskClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    outputs = body["data"]["outputs"]
    assert "communes.geojson" in outputs
    assert all(len(sha) == 64 for sha in outputs.values())
    assert all(len(sha) == 64 for sha in body["data"]["sources"].values())
    counts = body["data"]["counts"]
    assert counts["communes"] == 309
    assert counts["population"] == 201_417


def test_openapi_document_is_served(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"].startswith("3.")
    assert "/health" in doc["paths"]
    assert "/api/v1/communes" in doc["paths"]


def test_unknown_path_is_a_404_problem(client: FlaskClient) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 404
    assert body["instance"] == "/api/v1/no-such-thing"


def test_wrong_method_is_a_405_problem(client: FlaskClient) -> None:
    response = client.delete("/health")
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert "GET" in response.headers["Allow"]
