"""App-wide behaviour: health, OpenAPI, problem documents for unknown paths."""

from __future__ import annotations

import json
import logging
from dataclasses import replace

import pytest
from flask.testing import FlaskClient

from geoservice.runtime import Runtime
from geoservice.web import create_app


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
    assert counts["offers_by_category"] == {
        "cinema": 10, "festival": 50, "library": 105, "museum": 11
    }  # fmt: skip
    assert {"communes.geojson", "zones.geojson", "offers.geojson"} <= set(outputs)


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


def test_security_headers_on_every_response(client: FlaskClient) -> None:
    response = client.get("/health")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_server_timing_gives_the_application_time(client: FlaskClient) -> None:
    """Every answer says how long the application took (W3C Server Timing, ms), so that a
    client can tell the service's time from the network's; errors too."""
    for path, status in (("/health", 200), ("/api/v1/no-such-thing", 404)):
        response = client.get(path)
        assert response.status_code == status
        name, _, duration = response.headers["Server-Timing"].partition(";dur=")
        assert name == "app"
        assert 0.0 <= float(duration) < 60_000


def test_cors_only_for_configured_origins_on_the_api(runtime: Runtime) -> None:
    settings = runtime.settings.with_overrides({"api.cors_origins": ["https://front.example"]})
    app = create_app(runtime=replace(runtime, settings=settings))
    client = app.test_client()
    ok = client.get("/api/v1/openapi.json", headers={"Origin": "https://front.example"})
    assert ok.headers["Access-Control-Allow-Origin"] == "https://front.example"
    other = client.get("/api/v1/openapi.json", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    health = client.get("/health", headers={"Origin": "https://front.example"})
    assert "Access-Control-Allow-Origin" not in health.headers


def test_each_request_is_logged_with_status_and_duration(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="geoservice.requests"):
        client.get("/api/v1/no-such-thing")
    record = json.loads(caplog.records[-1].getMessage())
    assert record["path"] == "/api/v1/no-such-thing"
    assert record["status"] == 404
    assert record["duration_ms"] >= 0


def test_json_keys_keep_their_documented_order(client: FlaskClient) -> None:
    body = client.get("/health").get_data(as_text=True)
    assert body.index('"status"') < body.index('"data"') < body.index('"outputs"')
