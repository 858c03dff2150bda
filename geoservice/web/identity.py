"""Who makes a request: a bearer API token, a session cookie, or nobody.

- ``Authorization: Bearer TOKEN`` (scripts): the token's user. No CSRF token is needed: a
  browser never adds that header to a cross-site request on its own.
- The session cookie :data:`SESSION_COOKIE` (the page, after ``POST /api/v1/sessions``): the
  session's account. Every write (POST, PATCH, PUT, DELETE) authenticated this way must also
  carry the session's CSRF token in the :data:`CSRF_HEADER` header (synchronizer token: an HMAC
  of the session secret, returned by ``POST /sessions`` and ``GET /accounts/me``), else 403.
- Neither: the anonymous actor.

An unknown or expired session cookie is dropped (the response deletes it); reads then go on
anonymously, writes get a 401 so that nobody posts anonymously by mistake.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, g, request

from geoservice.errors import AuthenticationError, PermissionDeniedError
from geoservice.store.accounts import actor_from_session, csrf_token_matches
from geoservice.store.auth import actor_from_token
from geoservice.store.db import Store
from geoservice.store.policy import ANONYMOUS_ACTOR, Actor

SESSION_COOKIE = "geoservice_session"
CSRF_HEADER = "X-CSRF-Token"
#: Methods that change nothing, so need no CSRF token.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Longest session cookie value looked up (ours are 43 characters).
_MAX_COOKIE_LENGTH = 128
_G_KEY = "geoservice_identity"


class CsrfError(PermissionDeniedError):
    """A cookie-authenticated write without the session's CSRF token."""


@dataclass(frozen=True)
class Identity:
    """The caller of the current request.

    Attributes
    ----------
    actor
        The user (or the anonymous actor).
    session_token
        The session cookie's secret when the session authenticated the request, else None.
    """

    actor: Actor
    session_token: str | None = None


def resolve_identity(store: Store) -> Identity:
    """The caller of the current request (computed once per request)."""
    cached: Identity | None = g.get(_G_KEY)
    if cached is None:
        cached = _resolve(store)
        setattr(g, _G_KEY, cached)
    return cached


def current_actor(store: Store) -> Actor:
    """The :class:`Actor` of the current request."""
    return resolve_identity(store).actor


def _resolve(store: Store) -> Identity:
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, bearer = header.partition(" ")
        if scheme.lower() != "bearer" or not bearer.strip():
            raise AuthenticationError("the Authorization header must be 'Bearer TOKEN'")
        with store.read() as session:
            return Identity(actor_from_token(session, bearer.strip()))
    token = request.cookies.get(SESSION_COOKIE)
    if token is None or not token:
        return Identity(ANONYMOUS_ACTOR)
    actor = None
    if len(token) <= _MAX_COOKIE_LENGTH:
        with store.read() as session:
            actor = actor_from_session(session, token)
    if actor is None:
        g.geoservice_drop_session_cookie = True
        if request.method in SAFE_METHODS:
            return Identity(ANONYMOUS_ACTOR)
        raise AuthenticationError("session expirée ou inconnue : reconnectez-vous")
    if request.method not in SAFE_METHODS and not csrf_token_matches(
        token, request.headers.get(CSRF_HEADER)
    ):
        msg = (
            f"jeton CSRF manquant ou invalide : une modification faite avec la session doit "
            f"porter l'en-tête {CSRF_HEADER} (rechargez la page)"
        )
        raise CsrfError(msg)
    return Identity(actor, token)


def drop_stale_session_cookie(response: Response) -> Response:
    """``after_request`` hook: delete the session cookie found unknown or expired."""
    if g.get("geoservice_drop_session_cookie"):
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="Lax")
    return response
