"""Arbitrary JSON bodies never make the contributions API fail with a 500, on SQLite and
PostgreSQL (which refuses NUL characters the schemas must catch first)."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from geoservice.runtime import Runtime
from geoservice.store.auth import add_user
from geoservice.store.db import Store
from geoservice.web import create_app

FIELDS = [
    "kind", "title", "description", "themes", "timings", "lon", "lat", "commune_code",
    "accessibility", "age_min", "age_max", "free", "price_eur", "registration",
    "attendance_mode", "online_url", "url", "image_url", "status", "reason",
]  # fmt: skip
scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
values = st.recursive(
    scalars
    | st.sampled_from(["event", "58194", "2030-06-21T20:00:00", "https://a.fr"])
    | st.sampled_from(["a\x00b", "\x1b", "0001-01-01T00:00:00", "9999-12-31T23:59:59-23:59"]),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["begin", "end", "type", "value", "wheelchair"]), children
        )
    ),
    max_leaves=8,
)
noise = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), values, max_size=4)
VALID = {"kind": "event", "title": "Bal", "commune_code": "58194"}
plausible = st.dictionaries(
    st.sampled_from(["description", "age_min", "age_max", "free", "price_eur", "themes", "url"]),
    st.text(max_size=20)
    | st.integers(-5, 130)
    | st.booleans()
    | st.just(["music"])
    | st.just("https://a.fr"),
    max_size=3,
)
# Pure noise, and valid bodies with a few fields replaced (so that writes happen too).
bodies = (
    noise
    | noise.map(lambda extra: {**VALID, **extra})
    | plausible.map(lambda extra: {**VALID, **extra})
)


@pytest.fixture
def moderator_client(runtime: Runtime, store: Store) -> tuple[FlaskClient, dict[str, str]]:
    """A client and the headers of a moderator (who may set any status)."""
    with store.write() as session:
        token = add_user(session, "mod", "moderator")[1]
    client = create_app(runtime=runtime, store=store).test_client()
    return client, {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=bodies)
def test_posts_and_patches_never_fail_with_a_500(
    moderator_client: tuple[FlaskClient, dict[str, str]], body: dict[str, Any]
) -> None:
    client, headers = moderator_client
    created = client.post("/api/v1/offers", json=body, headers=headers)
    event(f"POST {created.status_code}")
    assert created.status_code in {201, 400, 422}, created.get_data(as_text=True)
    assert created.mimetype in {"application/json", "application/problem+json"}
    if created.status_code == 201:
        offer_id = created.get_json()["id"]
        patched = client.patch(f"/api/v1/offers/{offer_id}", json=body, headers=headers)
        assert patched.status_code in {200, 400, 403, 409, 422}, patched.get_data(as_text=True)
