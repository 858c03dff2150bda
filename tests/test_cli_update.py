"""``geoservice agenda register`` / ``list`` and ``data update`` argument errors (CLI)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from geoservice.cli import main


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A throw-away database and registry file for the CLI; returns the registry path."""
    for name in [k for k in os.environ if k.startswith("GEOSERVICE_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("GEOSERVICE_STORE__URL", f"sqlite:///{tmp_path / 'offers.sqlite'}")
    registry = tmp_path / "feeds.json"
    monkeypatch.setenv("GEOSERVICE_AGENDAS__REGISTRY_FILE", str(registry))
    return registry


def test_only_organisations_register_ics_feeds(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["users", "add", "MJC fictive", "--role", "organisation"]) == 0
    assert main(["users", "add", "alice", "--role", "contributor"]) == 0
    url = "https://example.org/agenda-fictif.ics"
    assert main(["agenda", "register", "--organisation", "alice", "--url", url]) == 2
    assert "organisation role" in capsys.readouterr().err
    assert main(["agenda", "register", "--organisation", "MJC fictive", "--url", url]) == 0
    assert "org-mjc-fictive" in capsys.readouterr().out
    (feed,) = json.loads(cli_env.read_text(encoding="utf-8"))["feeds"]
    assert (feed["url"], feed["kind"], feed["attribution"]) == (url, "ical", "MJC fictive")
    assert main(["agenda", "register", "--organisation", "MJC fictive", "--url", url]) == 2
    assert "already registered" in capsys.readouterr().err
    bad = ["agenda", "register", "--organisation", "MJC fictive", "--url", "ftp://example.org/x"]
    assert main(bad) == 2
    assert main(["agenda", "list"]) == 0
    assert "org-mjc-fictive\tical\thttps://example.org/agenda-fictif.ics" in capsys.readouterr().out


def test_data_update_rejects_bad_source_arguments(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["data", "update", "--source", "ter"]) == 2
    assert "is not ID=URL" in capsys.readouterr().err
    assert main(["data", "update", "--source", "nope=https://example.org/x.zip"]) == 2
    assert "unknown source" in capsys.readouterr().err
