"""Helpers of the projects and rides tests: users per role, posting offers."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from geoservice.store.auth import add_user
from geoservice.store.db import Store

CLAMECY, NEVERS, LUZY, DECIZE = "58079", "58194", "58149", "58095"
COSNE, CORBIGNY, VARZY, TANNAY = "58086", "58083", "58304", "58286"


def make_users(store: Store, roles: dict[str, str]) -> dict[str, dict[str, str]]:
    """Authorization headers per user name (`roles`: name → role); "anonymous": {}."""
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    with store.write() as session:
        for name, role in roles.items():
            headers[name] = {"Authorization": f"Bearer {add_user(session, name, role)[1]}"}
    return headers


def post_offer(
    api: FlaskClient, headers: dict[str, str], kind: str, title: str, commune: str, **more: Any
) -> str:
    """Post (as an organisation: published at once) an offer; its id."""
    body = {"kind": kind, "title": title, "commune_code": commune, **more}
    response = api.post("/api/v1/offers", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    offer_id: str = response.get_json()["id"]
    return offer_id
