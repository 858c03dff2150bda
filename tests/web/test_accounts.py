"""The accounts API over HTTP: sign-up, sign-in (cookie), CSRF, sign-out, reset by e-mail
through a local SMTP sink, deletion, own tokens, rate limits and promotion by moderators."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from geoservice.runtime import Runtime
from geoservice.store.auth import add_user
from geoservice.store.db import Store
from geoservice.store.models import Offer, User
from geoservice.web import create_app
from geoservice.web.identity import CSRF_HEADER, SESSION_COOKIE
from tests.smtp_sink import SmtpSink, smtp_sink

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
PASSWORD = "une phrase assez longue"
FAST_ARGON2 = {"time_cost": 1, "memory_kib": 1024, "parallelism": 1}


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with smtp_sink() as s:
        yield s


def make_client(
    runtime: Runtime, store: Store, sink: SmtpSink | None = None, **overrides: Any
) -> FlaskClient:
    """A client of an app on `store`, with cheap hashing and e-mail sent to `sink`."""
    values: dict[str, Any] = {"accounts.argon2": FAST_ARGON2}
    if sink is not None:
        values.update(
            {
                "smtp.host": "127.0.0.1",
                "smtp.port": sink.port,
                "smtp.security": "none",
                "smtp.from_address": "Culture en Nièvre <ne-pas-repondre@culture.test>",
                "accounts.public_url": "https://culture.test",
            }
        )
    values.update(overrides)
    settings = runtime.settings.with_overrides(values)
    return create_app(settings=settings, runtime=runtime, store=store).test_client()


@pytest.fixture
def api(runtime: Runtime, store: Store, sink: SmtpSink) -> FlaskClient:
    return make_client(runtime, store, sink)


def sign_up(api: FlaskClient, email: str = "camille@example.org", name: str = "Camille D.") -> Any:
    body = {"email": email, "password": PASSWORD, "display_name": name}
    return api.post("/api/v1/accounts", json=body)


def sign_in(api: FlaskClient, email: str = "camille@example.org", password: str = PASSWORD) -> Any:
    return api.post("/api/v1/sessions", json={"email": email, "password": password})


def signed_in(
    api: FlaskClient, email: str = "camille@example.org", name: str = "Camille D."
) -> str:
    """Sign up and sign in; the CSRF token."""
    assert sign_up(api, email, name).status_code == 201
    response = sign_in(api, email)
    assert response.status_code == 201, response.get_json()
    token: str = response.get_json()["csrf_token"]
    return token


def assert_problem(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    problem: dict[str, Any] = response.get_json()
    if field is not None:
        assert field in {p["name"] for p in problem.get("invalid_params", [])}, problem
    return problem


def offer(**changes: Any) -> dict[str, Any]:
    return {"kind": "event", "title": "Atelier de gravure", "commune_code": "58194", **changes}


def test_sign_up_sign_in_me_and_sign_out(api: FlaskClient) -> None:
    created = sign_up(api, "Camille@Example.org")
    assert created.status_code == 201
    account = created.get_json()
    assert account["email"] == "camille@example.org"
    assert account["role"] == "contributor"
    assert "password" not in account
    assert "password_hash" not in account
    assert_problem(api.get("/api/v1/accounts/me"), 401)

    wrong = assert_problem(sign_in(api, password=PASSWORD + "?"), 401)
    assert wrong["detail"] == "adresse électronique ou mot de passe incorrect"
    response = sign_in(api, "CAMILLE@example.org")
    assert response.status_code == 201
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Path=/" in cookie
    assert "Secure" not in cookie  # plain http
    csrf = response.get_json()["csrf_token"]

    me = api.get("/api/v1/accounts/me")
    assert me.status_code == 200
    assert me.get_json()["display_name"] == "Camille D."
    assert me.get_json()["csrf_token"] == csrf

    assert_problem(api.delete("/api/v1/sessions/current"), 403)
    out = api.delete("/api/v1/sessions/current", headers={CSRF_HEADER: csrf})
    assert out.status_code == 204
    assert api.get_cookie(SESSION_COOKIE) is None
    assert_problem(api.get("/api/v1/accounts/me"), 401)


@SQLITE_ONLY
def test_duplicate_email_and_bad_fields_are_problems(api: FlaskClient) -> None:
    assert sign_up(api).status_code == 201
    problem = assert_problem(sign_up(api, "CAMILLE@example.org", "Quelqu'un"), 409)
    assert problem["detail"] == "un compte existe déjà avec cette adresse électronique"
    assert_problem(sign_up(api, "x@example.org", "camille d."), 409)
    short = {"email": "y@example.org", "password": "court", "display_name": "Yann"}
    assert_problem(api.post("/api/v1/accounts", json=short), 400, "password")
    assert_problem(api.post("/api/v1/accounts", json={"email": "z@example.org"}), 400, "password")


@SQLITE_ONLY
def test_the_cookie_is_secure_over_https_and_behind_a_trusted_proxy(
    runtime: Runtime, store: Store
) -> None:
    direct = make_client(runtime, store)
    signed_in(direct)
    https = direct.post(
        "/api/v1/sessions",
        json={"email": "camille@example.org", "password": PASSWORD},
        base_url="https://localhost",
    )
    assert "Secure" in https.headers["Set-Cookie"]
    forwarded = {"X-Forwarded-Proto": "https"}
    body = {"email": "camille@example.org", "password": PASSWORD}
    spoofed = direct.post("/api/v1/sessions", json=body, headers=forwarded)
    assert "Secure" not in spoofed.headers["Set-Cookie"]  # no trusted proxy: header ignored
    proxied = make_client(runtime, store, **{"api.proxy_hops": 1})
    behind = proxied.post("/api/v1/sessions", json=body, headers=forwarded)
    assert "Secure" in behind.headers["Set-Cookie"]


def test_cookie_writes_need_the_csrf_token(api: FlaskClient, store: Store) -> None:
    csrf = signed_in(api)
    refused = assert_problem(api.post("/api/v1/offers", json=offer()), 403)
    assert CSRF_HEADER in refused["detail"]
    assert_problem(api.post("/api/v1/offers", json=offer(), headers={CSRF_HEADER: "0" * 64}), 403)
    with store.read() as session:
        assert session.query(Offer).count() == 0
    posted = api.post("/api/v1/offers", json=offer(), headers={CSRF_HEADER: csrf})
    assert posted.status_code == 201, posted.get_json()
    properties = posted.get_json()["properties"]
    assert properties["author"] == "Camille D."
    assert properties["status"] == "pending"
    number = properties["offer_id"].removeprefix("user:")
    # Reads need no token; the author sees their pending offer through the cookie.
    assert api.get(f"/api/v1/offers/user:{number}").status_code == 200
    # A moderator signed in by cookie needs the token to moderate too.
    with store.write() as session:
        moderator = session.query(User).filter_by(name="Camille D.").one()
        moderator.role = "moderator"
    decision = {"decision": "approve"}
    url = f"/api/v1/offers/user:{number}/moderation"
    assert_problem(api.post(url, json=decision), 403)
    assert api.post(url, json=decision, headers={CSRF_HEADER: csrf}).status_code == 200


@SQLITE_ONLY
def test_bearer_requests_need_no_csrf_token(
    api: FlaskClient, runtime: Runtime, store: Store
) -> None:
    csrf = signed_in(api)
    created = api.post("/api/v1/accounts/me/tokens", json={"label": "agenda"})
    assert_problem(created, 403)  # creating a token is a cookie write too
    created = api.post(
        "/api/v1/accounts/me/tokens", json={"label": "agenda"}, headers={CSRF_HEADER: csrf}
    )
    assert created.status_code == 201
    token = created.get_json()["token"]
    script = make_client(runtime, store)  # no cookie at all
    bearer = {"Authorization": f"Bearer {token}"}
    me = script.get("/api/v1/accounts/me", headers=bearer)
    assert me.status_code == 200
    assert me.get_json()["csrf_token"] is None
    assert script.post("/api/v1/offers", json=offer(), headers=bearer).status_code == 201


@SQLITE_ONLY
def test_a_stale_session_cookie_is_dropped(api: FlaskClient) -> None:
    api.set_cookie(SESSION_COOKIE, "not-a-session")
    read = api.get("/api/v1/offers/user:1")
    assert read.status_code == 404  # read on anonymously
    assert f"{SESSION_COOKIE}=;" in read.headers["Set-Cookie"]
    api.set_cookie(SESSION_COOKIE, "not-a-session")
    problem = assert_problem(api.post("/api/v1/offers", json=offer()), 401)
    assert "reconnectez-vous" in problem["detail"]


def _token_in(message: Any) -> str:
    found = re.search(r"reinitialisation=([A-Za-z0-9_-]{40,})", message.get_content())
    assert found, message.get_content()
    return found.group(1)


def test_password_reset_by_email(api: FlaskClient, sink: SmtpSink) -> None:
    signed_in(api)
    unknown = api.post("/api/v1/password-resets", json={"email": "nobody@example.org"})
    assert unknown.status_code == 202
    known = api.post("/api/v1/password-resets", json={"email": "CAMILLE@example.org"})
    assert known.status_code == 202
    assert known.get_json() == unknown.get_json()  # the same answer either way
    (message,) = sink.wait_for(1)
    assert message["To"] == "camille@example.org"
    assert "réinitialisation" in message["Subject"]
    assert message.get_content().startswith("Bonjour Camille D.,")
    token = _token_in(message)
    assert token in message.get_content().split("https://culture.test/")[0]  # the bare code too

    confirm = "/api/v1/password-resets/confirm"
    assert_problem(api.post(confirm, json={"token": token, "password": "court"}), 400, "password")
    new = "un tout nouveau mot de passe"
    assert api.post(confirm, json={"token": token, "password": new}).status_code == 204
    assert_problem(api.get("/api/v1/accounts/me"), 401)  # every session ended
    assert_problem(sign_in(api), 401)
    assert sign_in(api, password=new).status_code == 201
    again = api.post(confirm, json={"token": token, "password": "encore un autre mot"})
    assert_problem(again, 400, "token")
    assert len(sink.messages) == 1  # nothing was sent for the unknown address


@SQLITE_ONLY
def test_reset_never_takes_the_link_from_the_host_header(
    runtime: Runtime, store: Store, sink: SmtpSink
) -> None:
    client = make_client(runtime, store, sink, **{"accounts.public_url": ""})
    signed_in(client)
    client.post(
        "/api/v1/password-resets",
        json={"email": "camille@example.org"},
        headers={"Host": "attacker.example"},
    )
    (message,) = sink.wait_for(1)
    assert "attacker.example" not in message.get_content()
    assert "http" not in message.get_content()


def test_deleting_the_account_removes_its_data(api: FlaskClient, store: Store) -> None:
    csrf = signed_in(api)
    headers = {CSRF_HEADER: csrf}
    token = api.post("/api/v1/accounts/me/tokens", json={}, headers=headers).get_json()["token"]
    assert api.post("/api/v1/offers", json=offer(), headers=headers).status_code == 201
    assert_problem(api.delete("/api/v1/accounts/me"), 403)
    assert api.delete("/api/v1/accounts/me", headers=headers).status_code == 204
    assert api.get_cookie(SESSION_COOKIE) is None
    assert_problem(sign_in(api), 401)
    bearer = {"Authorization": f"Bearer {token}"}
    assert_problem(api.get("/api/v1/accounts/me", headers=bearer), 401)
    with store.read() as session:
        assert session.query(User).count() == 0
        assert session.query(Offer).count() == 0  # its pending offer went with it


@SQLITE_ONLY
def test_own_tokens_are_listed_and_revoked(
    api: FlaskClient, runtime: Runtime, store: Store
) -> None:
    csrf = signed_in(api)
    headers = {CSRF_HEADER: csrf}
    created = api.post("/api/v1/accounts/me/tokens", json={"label": "agenda"}, headers=headers)
    token_id, token = created.get_json()["id"], created.get_json()["token"]
    listed = api.get("/api/v1/accounts/me/tokens").get_json()
    assert [t["id"] for t in listed] == [token_id]
    assert "token" not in listed[0]
    other = make_client(runtime, store)
    other_csrf = signed_in(other, "bob@example.org", "Bob")
    stolen = other.delete(
        f"/api/v1/accounts/me/tokens/{token_id}", headers={CSRF_HEADER: other_csrf}
    )
    assert_problem(stolen, 404)
    revoked = api.delete(f"/api/v1/accounts/me/tokens/{token_id}", headers=headers)
    assert revoked.status_code == 204
    assert api.get("/api/v1/accounts/me/tokens").get_json()[0]["revoked_at"] is not None
    assert_problem(
        other.get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {token}"}), 401
    )


@SQLITE_ONLY
def test_sign_in_is_rate_limited_per_account_and_per_address(
    runtime: Runtime, store: Store
) -> None:
    limits = {
        "accounts.limits": {
            "sign_in_account_burst": 2,
            "sign_in_account_per_hour": 1,
            "sign_in_ip_burst": 5,
            "sign_in_ip_per_hour": 1,
        }
    }
    client = make_client(runtime, store, **limits)
    signed_in(client)  # one successful sign-in: counts for the address only
    for _ in range(2):
        assert_problem(sign_in(client, password="mauvais mot de passe"), 401)
    limited = assert_problem(sign_in(client), 429)  # even with the right password now
    assert int(limited["retry_after_s"]) > 0
    assert (
        int(client.post("/api/v1/sessions", json={"email": "x", "password": "y"}).status_code)
        == 401
    )
    # The address has used its 5 attempts (1 + 2 + 1 + 1): every account is refused from it.
    assert_problem(sign_in(client, "bob@example.org"), 429)
    response = sign_in(client, "bob@example.org")
    assert int(response.headers["Retry-After"]) >= 1
    # Another address still gets through to the account check.
    elsewhere = client.post(
        "/api/v1/sessions",
        json={"email": "other@example.org", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert_problem(elsewhere, 401)


@SQLITE_ONLY
def test_only_moderators_promote_an_organisation(api: FlaskClient, store: Store) -> None:
    csrf = signed_in(api)
    account_id = api.get("/api/v1/accounts/me").get_json()["id"]
    url = f"/api/v1/accounts/{account_id}"
    promote = {"role": "organisation"}
    assert_problem(api.patch(url, json=promote, headers={CSRF_HEADER: csrf}), 403)
    anonymous = api.application.test_client()
    assert_problem(anonymous.patch(url, json=promote), 401)
    with store.write() as session:
        token = add_user(session, "mod", "moderator")[1]
    moderator = {"Authorization": f"Bearer {token}"}
    assert_problem(anonymous.patch(url, json={"role": "moderator"}, headers=moderator), 400, "role")
    promoted = anonymous.patch(url, json=promote, headers=moderator)
    assert promoted.status_code == 200
    assert promoted.get_json()["role"] == "organisation"
    assert "email" not in promoted.get_json()
    assert api.get("/api/v1/accounts/me").get_json()["role"] == "organisation"
