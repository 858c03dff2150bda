"""Faults and security: time limits, data integrity at start-up, no debug mode, no secrets."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from flask import Flask

from geoservice.cli import main
from geoservice.errors import ChecksumMismatchError, MissingDataError
from geoservice.io.manifest import read_manifest, verify_outputs
from geoservice.runtime import Runtime, load_runtime
from geoservice.settings import Settings, load_settings
from geoservice.web import create_app

ROOT = Path(__file__).resolve().parents[2]
NEVERS = {"lon": 3.1586, "lat": 46.9910}


# --- a request that would run too long ---------------------------------------------------


def _app_with(runtime: Runtime, folder: Path, **overrides: object) -> Flask:
    """An app over the session's data with changed settings and a fresh offers database."""
    overrides = {"store.url": f"sqlite:///{folder / 'offers.sqlite'}", **overrides}
    settings = load_settings(environ={}, overrides=overrides)
    return create_app(runtime=dataclasses.replace(runtime, settings=settings))


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("GET", "/api/v1/isochrones?lon=3.1586&lat=46.991&minutes=60,120&mode=drive", None),
        ("POST", "/api/v1/isochrones", {"locations": [[3.1586, 46.991]], "range": [7200]}),
        (
            "POST",
            "/ors/v2/isochrones/driving-car",
            {"locations": [[3.1586, 46.991]], "range": 7200},
        ),
    ],
)
def test_a_computation_past_the_time_limit_is_a_503_problem(
    runtime: Runtime, tmp_path: Path, method: str, url: str, body: object
) -> None:
    app = _app_with(runtime, tmp_path, **{"limits.compute_timeout_s": 0.0})
    response = app.test_client().open(url, method=method, json=body)
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"] == "5"
    problem = response.get_json()
    assert problem["status"] == 503
    assert "compute_timeout_s" in problem["detail"]


def test_the_default_time_limit_lets_normal_requests_through(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/isochrones", query_string={**NEVERS, "minutes": "15"})
    assert response.status_code == 200
    assert len(response.get_json()["features"]) == 1


def test_gunicorn_backstop_is_larger_than_the_in_app_limit(settings: Settings) -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    config = re.search(r"gunicorn .*--config (\S+)", makefile)
    assert config, "make serve-prod must read its gunicorn settings from a file"
    text = (ROOT / config.group(1)).read_text(encoding="utf-8")
    match = re.search(r"^timeout = (\d+)$", text, re.MULTILINE)
    assert match, f"{config.group(1)} must set the gunicorn timeout"
    assert int(match.group(1)) > float(settings.get("limits.compute_timeout_s"))


# --- missing or corrupted data at start-up -----------------------------------------------


@pytest.fixture
def data_copy(settings: Settings, tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(settings.data_dir, target)
    return target


def test_a_corrupted_data_file_stops_the_start_naming_file_and_command(
    data_copy: Path,
) -> None:
    manifest, _ = read_manifest(data_copy)
    name = sorted(manifest["outputs"])[0]
    with (data_copy / name).open("ab") as f:
        f.write(b" ")
    with pytest.raises(ChecksumMismatchError) as caught:
        verify_outputs(data_copy, manifest)
    assert str(data_copy / name) in str(caught.value)
    assert "geoservice data build" in str(caught.value)


def test_a_missing_data_file_stops_the_start(data_copy: Path) -> None:
    manifest, _ = read_manifest(data_copy)
    name = "offers.geojson"
    assert name in manifest["outputs"]
    (data_copy / name).unlink()
    settings = load_settings(environ={}, overrides={"paths.data_dir": str(data_copy)})
    with pytest.raises(
        MissingDataError, match=r"offers\.geojson is missing.*geoservice data build"
    ):
        load_runtime(settings)


def test_the_server_refuses_to_start_on_corrupted_data(
    data_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = data_copy / "communes.geojson"
    path.write_bytes(path.read_bytes().replace(b"Nevers", b"Neverz", 1))
    status = main(["serve", "--data-dir", str(data_copy), "--port", "1"])
    assert status == 2
    err = capsys.readouterr().err
    assert "communes.geojson is corrupted" in err
    assert "geoservice data build" in err


def test_the_committed_data_matches_its_manifest(settings: Settings) -> None:
    manifest, _ = read_manifest(settings.data_dir)
    verify_outputs(settings.data_dir, manifest)


# --- no debug mode outside development ---------------------------------------------------


def test_create_app_never_enables_debug(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = create_app(runtime=runtime)
    assert app.debug is False
    assert app.config["DEBUG"] is False


@pytest.mark.parametrize("environment", [None, "production", "staging"])
def test_serve_refuses_debug_outside_development(
    environment: str | None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if environment is None:
        monkeypatch.delenv("GEOSERVICE_ENV", raising=False)
    else:
        monkeypatch.setenv("GEOSERVICE_ENV", environment)
    assert main(["serve", "--debug", "--port", "1"]) == 2
    assert "GEOSERVICE_ENV=development" in capsys.readouterr().err


# --- no secrets in the repository --------------------------------------------------------

#: Shapes of credentials: private keys, cloud / forge tokens, URLs with a password, and
#: assignments of long random-looking values to names that say secret, token or password.
SECRET_PATTERNS = {
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "AWS key": re.compile(r"AKIA[0-9A-Z]{16}"),
    "GitHub token": re.compile(r"gh[pousr]_[A-Za-z0-9]{36,}"),
    "Slack token": re.compile(r"xox[baprs]-[A-Za-z0-9-]{10,}"),
    "password in URL": re.compile(r"[a-z+]+://[^/\s:@'\"]+:(?!password@|PASSWORD@)[^/\s@'\"]{3,}@"),
    "secret assignment": re.compile(
        r"(?i)(secret|token|passw(or)?d|api_?key)[\w-]*['\"]?\s*[:=]\s*['\"][A-Za-z0-9+/_\-]{24,}['\"]"
    ),
}


def _tracked_text_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    files = []
    for raw in listed:
        path = ROOT / raw.decode()
        if raw and path.is_file() and path.stat().st_size < 2_000_000:
            files.append(path)
    return files


def test_no_secrets_in_tracked_files() -> None:
    files = _tracked_text_files()
    assert len(files) > 50
    found = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for kind, pattern in SECRET_PATTERNS.items():
            for match in pattern.finditer(text):
                found.append(f"{path.relative_to(ROOT)}: {kind}: {match.group(0)[:40]}")
    assert not found, "\n".join(found)


def test_the_secret_patterns_catch_secrets() -> None:
    samples = [
        # Split so that this file does not match its own scan.
        "-----BEGIN RSA " + "PRIVATE KEY-----",
        "AKIA" + "ABCDEFGHIJKLMNOP",
        "ghp_" + "a1" * 18,
        "postgresql://geo:" + "s3cr3tpass@db:5432/geo",
        'API_TOKEN = "' + "Zx9" * 10 + '"',
    ]
    for sample in samples:
        assert any(p.search(sample) for p in SECRET_PATTERNS.values()), sample
    assert not any(
        p.search("postgresql://user:password@host:5432/geoservice")
        for p in SECRET_PATTERNS.values()
    )


# --- rate limits of anonymous posts and the client address ------------------------------


def _anonymous_burst(app: Flask, forwarded_for: list[str]) -> list[int]:
    from tests.web.test_contributions import offer_body

    client = app.test_client()
    statuses = []
    for address in forwarded_for:
        response = client.post(
            "/api/v1/offers",
            json=offer_body(),
            headers={"X-Forwarded-For": address},
            environ_base={"REMOTE_ADDR": "198.51.100.7"},
        )
        statuses.append(response.status_code)
    return statuses


def test_spoofed_forwarded_for_does_not_evade_the_rate_limit(
    runtime: Runtime, tmp_path: Path
) -> None:
    """Without a trusted proxy, X-Forwarded-For is ignored: a new fake address per post still
    counts against the one TCP peer (burst of 5 posts in config/store.toml)."""
    app = _app_with(runtime, tmp_path)
    statuses = _anonymous_burst(app, [f"203.0.113.{i}" for i in range(8)])
    assert statuses[:5] == [201] * 5
    assert set(statuses[5:]) == {429}


def test_behind_a_trusted_proxy_clients_are_limited_one_by_one(
    runtime: Runtime, tmp_path: Path
) -> None:
    app = _app_with(runtime, tmp_path, **{"api.proxy_hops": 1})
    statuses = _anonymous_burst(app, [f"203.0.113.{i}" for i in range(8)])
    assert statuses == [201] * 8  # eight clients behind the proxy, one post each
    assert _anonymous_burst(app, ["203.0.113.200"] * 6)[-1] == 429


# --- authorisation: malformed credentials ------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "bearer gs_" + "x" * 40,
        "Bearer gs_" + "x" * 5000,
        "Bearer \u00e9\u00e8",
        "Token abc",
    ],
)
def test_malformed_credentials_are_401_problems(
    runtime: Runtime, tmp_path: Path, authorization: str
) -> None:
    """Whatever the Authorization header holds, a write or the moderation queue answers a 401
    problem with a Bearer challenge: never a 500, never treated as anonymous for moderation."""
    from tests.web.test_contributions import offer_body

    client = _app_with(runtime, tmp_path).test_client()
    headers = {"Authorization": authorization}
    for response in (
        client.get("/api/v1/moderation/queue", headers=headers),
        client.patch("/api/v1/offers/user:1", json={"title": "x"}, headers=headers),
        client.post("/api/v1/offers", json=offer_body(), headers=headers),
    ):
        assert response.status_code == 401, response.get_data(as_text=True)
        assert response.mimetype == "application/problem+json"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
