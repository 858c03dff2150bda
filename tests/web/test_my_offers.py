"""``GET /api/v1/accounts/me/offers`` (issue #17): one's own offers, any status, with the
moderation history; nobody else's; sign-in required."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from geoservice.runtime import Runtime
from geoservice.store.auth import add_user
from geoservice.store.db import Store
from geoservice.store.location import Coverage
from geoservice.web import create_app
from tests.web.test_contributions import post, props

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def api(runtime: Runtime, store: Store, coverage: Coverage) -> FlaskClient:
    return create_app(runtime=runtime, store=store).test_client()


@pytest.fixture
def auth(store: Store) -> dict[str, dict[str, str]]:
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    with store.write() as session:
        for name, role in (("alice", "contributor"), ("bob", "contributor"), ("mod", "moderator")):
            headers[name] = {"Authorization": f"Bearer {add_user(session, name, role)[1]}"}
    return headers


@SQLITE_ONLY
def test_my_offers_with_status_and_reasons(
    api: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    kept = props(post(api, auth["alice"], title="Atelier conte"))
    refused = props(post(api, auth["alice"], title="Concert refusé"))
    props(post(api, auth["bob"], title="Offre de Bob"))
    decision = {"decision": "reject", "reason": "date déjà passée"}
    url = f"/api/v1/offers/{refused['offer_id']}/moderation"
    assert api.post(url, json=decision, headers=auth["mod"]).status_code == 200
    response = api.get("/api/v1/accounts/me/offers", headers=auth["alice"])
    assert response.status_code == 200
    offers = {f["properties"]["title"]: f["properties"] for f in response.get_json()["features"]}
    assert set(offers) == {"Atelier conte", "Concert refusé"}
    assert offers["Atelier conte"]["status"] == "pending"
    assert offers["Concert refusé"]["status"] == "rejected"
    reasons = [e["reason"] for e in offers["Concert refusé"]["history"]]
    assert "date déjà passée" in reasons
    assert offers["Atelier conte"]["offer_id"] == kept["offer_id"]


@SQLITE_ONLY
def test_my_offers_needs_a_sign_in(api: FlaskClient) -> None:
    response = api.get("/api/v1/accounts/me/offers")
    assert response.status_code == 401
    assert response.get_json()["code"] == "authentication_required"
