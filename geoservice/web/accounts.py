"""People's accounts: sign-up, sessions (cookie + CSRF token), password reset by e-mail,
account deletion, self-service API tokens, and role changes by moderators.

Who calls is resolved by :mod:`geoservice.web.identity`; the rules live in ``store/accounts*``.
Details of errors are in French (the page shows them). See docs/accounts.md.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from flask import Response, after_this_request, current_app, request
from flask.views import MethodView

from geoservice.errors import AuthenticationError, RateLimitedError
from geoservice.io.mail import SmtpConfig, send_email
from geoservice.settings import Settings
from geoservice.store.account_config import AccountsConfig, accounts_config_from_settings
from geoservice.store.account_deletion import delete_account
from geoservice.store.account_tokens import (
    create_own_token,
    list_own_tokens,
    revoke_own_token,
    set_role,
    token_record,
)
from geoservice.store.accounts import (
    account_record,
    authenticate,
    close_session,
    create_account,
    credentials_of,
    csrf_token_for,
    finish_password_reset,
    new_account,
    open_session,
    start_password_reset,
    upgrade_password_hash,
)
from geoservice.store.db import Store
from geoservice.store.models import User
from geoservice.store.policy import Actor, require_user
from geoservice.store.ratelimit import TokenBucketLimiter
from geoservice.web.account_schemas import (
    ACCOUNT_EXAMPLES,
    AccountSchema,
    PasswordResetAcceptedSchema,
    PasswordResetConfirmSchema,
    PasswordResetRequestSchema,
    PublicAccountSchema,
    RoleChangeSchema,
    SessionSchema,
    SignInSchema,
    SignUpSchema,
    TokenCreatedSchema,
    TokenCreateSchema,
    TokenSchema,
)
from geoservice.web.blueprint import Blueprint
from geoservice.web.contributions import get_state
from geoservice.web.identity import (
    SESSION_COOKIE,
    drop_stale_session_cookie,
    resolve_identity,
)

ACCOUNTS_EXTENSION_KEY = "geoservice.accounts"
RESET_ACCEPTED = "Si un compte existe pour cette adresse, un courriel vient de lui être envoyé."
logger = logging.getLogger("geoservice.accounts")

blp = Blueprint(
    "accounts",
    __name__,
    description=(
        "People's accounts: sign-up, sign-in (session cookie, HttpOnly, SameSite=Lax, Secure "
        "over https), password reset by e-mail, deletion, own API tokens. Writes made with "
        "the session cookie need the `X-CSRF-Token` header (from POST /sessions or GET "
        "/accounts/me); bearer-token requests do not."
    ),
)
blp.after_app_request(drop_stale_session_cookie)


@dataclass(frozen=True)
class AccountsState:
    """What the account endpoints share, kept in ``app.extensions``.

    Attributes
    ----------
    config
        The ``[accounts]`` settings.
    smtp
        The ``[smtp]`` settings.
    sign_in_ip, sign_in_account, sign_up, reset
        Token buckets: sign-ins per client address, failed sign-ins per e-mail address,
        sign-ups and reset requests per client address.
    mail
        Sends e-mail off the request thread, so that the answer to a reset request takes
        the same time whether the address has an account or not.
    """

    config: AccountsConfig
    smtp: SmtpConfig
    sign_in_ip: TokenBucketLimiter
    sign_in_account: TokenBucketLimiter
    sign_up: TokenBucketLimiter
    reset: TokenBucketLimiter
    mail: ThreadPoolExecutor


def accounts_state_from(settings: Settings) -> AccountsState:
    """Parse ``[accounts]`` and ``[smtp]`` and build the shared state."""
    config = accounts_config_from_settings(settings)
    limits = config.limits
    return AccountsState(
        config=config,
        smtp=SmtpConfig.from_section(settings.section("smtp")),
        sign_in_ip=TokenBucketLimiter(limits.sign_in_ip_burst, limits.sign_in_ip_per_hour),
        sign_in_account=TokenBucketLimiter(
            limits.sign_in_account_burst, limits.sign_in_account_per_hour
        ),
        sign_up=TokenBucketLimiter(limits.sign_up_burst, limits.sign_up_per_hour),
        reset=TokenBucketLimiter(limits.reset_burst, limits.reset_per_hour),
        mail=ThreadPoolExecutor(max_workers=1, thread_name_prefix="geoservice-mail"),
    )


def get_accounts_state() -> AccountsState:
    """The :class:`AccountsState` of the current app."""
    state: AccountsState = current_app.extensions[ACCOUNTS_EXTENSION_KEY]
    return state


def _store() -> Store:
    return get_state().store


def _client() -> str:
    return request.remote_addr or "unknown"


def _limit(limiter: TokenBucketLimiter, key: str, what: str) -> None:
    wait_s = limiter.acquire(key)
    if wait_s > 0:
        msg = f"trop de {what} ; réessayez dans {max(1, round(wait_s))} s"
        raise RateLimitedError(msg, retry_after_s=wait_s)


def _signed_in_actor() -> Actor:
    actor = resolve_identity(_store()).actor
    require_user(actor, "cette action")
    if actor.user_id is None:  # require_user refused it; keeps the type checker sure
        raise AuthenticationError("connectez-vous d'abord")
    return actor


def _set_session_cookie(token: str, expires_at: datetime) -> None:
    config = get_accounts_state().config
    secure = request.is_secure if config.cookie_secure == "auto" else config.cookie_secure == "true"

    @after_this_request
    def _cookie(response: Response) -> Response:
        response.set_cookie(
            SESSION_COOKIE,
            token,
            expires=expires_at,
            path="/",
            secure=secure,
            httponly=True,
            samesite="Lax",
        )
        return response


def _drop_session_cookie() -> None:
    @after_this_request
    def _cookie(response: Response) -> Response:
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="Lax")
        return response


@blp.route("/accounts")
class Accounts(MethodView):
    @blp.arguments(
        SignUpSchema,
        example={
            "email": "camille@example.org",
            "password": "une phrase assez longue",
            "display_name": "Camille D.",
        },
    )
    @blp.response(201, AccountSchema, example=ACCOUNT_EXAMPLES["account_created"])
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Create an account (role ``contributor``); then sign in with ``POST /sessions``.

        409 when the e-mail address already has an account or the display name is taken.
        """
        state = get_accounts_state()
        _limit(state.sign_up, _client(), "créations de compte depuis cette adresse")
        account = new_account(
            state.config,
            email=data["email"],
            password=data["password"],
            display_name=data["display_name"],
        )
        with _store().write() as session:
            user = create_account(session, account)
            return {**account_record(user, credentials_of(session, user.id)), "csrf_token": None}


@blp.route("/accounts/me")
class Me(MethodView):
    @blp.response(200, AccountSchema, example=ACCOUNT_EXAMPLES["account"])
    def get(self) -> dict[str, Any]:
        """The signed-in account, with the session's CSRF token."""
        found = resolve_identity(_store())
        actor = _signed_in_actor()
        with _store().read() as session:
            user = session.get(User, actor.user_id)
            if user is None:
                raise AuthenticationError("ce compte n'existe plus")
            record = account_record(user, credentials_of(session, user.id))
        token = found.session_token
        return {**record, "csrf_token": csrf_token_for(token) if token else None}

    @blp.response(204)
    def delete(self) -> None:
        """Delete the account and its personal data (see docs/accounts.md): sessions, API
        tokens, reset tokens, unpublished offers; published offers stay, without author."""
        actor = _signed_in_actor()
        with _store().write() as session:
            delete_account(session, int(actor.user_id or 0))
        _drop_session_cookie()


@blp.route("/accounts/me/tokens")
class MyTokens(MethodView):
    @blp.response(200, TokenSchema(many=True), example=ACCOUNT_EXAMPLES["tokens"])
    def get(self) -> list[dict[str, Any]]:
        """The account's API tokens, revoked ones included (never their values)."""
        actor = _signed_in_actor()
        with _store().read() as session:
            return [token_record(t) for t in list_own_tokens(session, int(actor.user_id or 0))]

    @blp.arguments(TokenCreateSchema, example={"label": "import agenda"})
    @blp.response(201, TokenCreatedSchema, example=ACCOUNT_EXAMPLES["token_created"])
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """A new API token for scripts (``Authorization: Bearer TOKEN``); its value is shown
        this once only."""
        actor = _signed_in_actor()
        with _store().write() as session:
            row, token = create_own_token(session, int(actor.user_id or 0), data.get("label"))
            return {**token_record(row), "token": token}


@blp.route("/accounts/me/tokens/<int:token_id>")
class MyToken(MethodView):
    @blp.response(204)
    def delete(self, token_id: int) -> None:
        """Revoke one of the account's API tokens."""
        actor = _signed_in_actor()
        with _store().write() as session:
            revoke_own_token(session, int(actor.user_id or 0), token_id)


@blp.route("/accounts/<int:account_id>")
class AccountRole(MethodView):
    @blp.arguments(RoleChangeSchema, example={"role": "organisation"})
    @blp.response(200, PublicAccountSchema, example=ACCOUNT_EXAMPLES["public_account"])
    def patch(self, data: dict[str, Any], account_id: int) -> dict[str, Any]:
        """Change an account's role to ``organisation`` or back to ``contributor``.
        Moderators only."""
        actor = resolve_identity(_store()).actor
        with _store().write() as session:
            user = set_role(session, actor, account_id, data["role"])
            record = account_record(user, None)
        return {k: record[k] for k in ("id", "display_name", "role", "created_at")}


@blp.route("/sessions")
class Sessions(MethodView):
    @blp.arguments(
        SignInSchema,
        example={"email": "camille@example.org", "password": "une phrase assez longue"},
    )
    @blp.response(201, SessionSchema, example=ACCOUNT_EXAMPLES["session"])
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Sign in: sets the session cookie and returns the CSRF token to send with writes.

        Rate-limited per client address and, for failed attempts, per e-mail address (429
        with ``Retry-After``).
        """
        state = get_accounts_state()
        _limit(state.sign_in_ip, _client(), "tentatives de connexion depuis cette adresse")
        email_key = str(data["email"]).strip().lower()[:254]
        wait_s = state.sign_in_account.retry_after_s(email_key)
        if wait_s > 0:
            msg = f"trop de tentatives de connexion sur ce compte ; réessayez dans {wait_s:.0f} s"
            raise RateLimitedError(msg, retry_after_s=wait_s)
        with _store().read() as session:  # the slow check holds no write lock
            user = authenticate(session, state.config, data["email"], data["password"])
        if user is None:
            state.sign_in_account.acquire(email_key)
            raise AuthenticationError("adresse électronique ou mot de passe incorrect")
        with _store().write() as session:
            upgrade_password_hash(session, state.config, user.id, data["password"])
            signed = open_session(session, state.config, user)
            record = account_record(user, credentials_of(session, user.id))
        _set_session_cookie(signed.session_token, signed.expires_at)
        csrf = csrf_token_for(signed.session_token)
        return {
            "account": {**record, "csrf_token": csrf},
            "csrf_token": csrf,
            "expires_at": signed.expires_at,
        }


@blp.route("/sessions/current")
class CurrentSession(MethodView):
    @blp.response(204)
    def delete(self) -> None:
        """Sign out: ends the session of the cookie (which needs the CSRF token)."""
        found = resolve_identity(_store())
        if found.session_token is None:
            raise AuthenticationError("aucune session ouverte (connectez-vous d'abord)")
        with _store().write() as session:
            close_session(session, found.session_token)
        _drop_session_cookie()


@blp.route("/password-resets")
class PasswordResets(MethodView):
    @blp.arguments(PasswordResetRequestSchema, example={"email": "camille@example.org"})
    @blp.response(202, PasswordResetAcceptedSchema, example=ACCOUNT_EXAMPLES["reset_accepted"])
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Send a one-time reset token to the address, if it has an account. The answer is
        the same either way (202); rate-limited per client address."""
        state = get_accounts_state()
        _limit(state.reset, _client(), "demandes de réinitialisation depuis cette adresse")
        with _store().write() as session:
            started = start_password_reset(session, state.config, data["email"])
            if started is not None:
                user, token = started
                email = credentials_of(session, user.id)
                to = email.email if email is not None else ""
                name = user.name
        if started is not None:
            if state.smtp.configured:
                message = reset_message(state.config, to, name, token)
                state.mail.submit(_send_logged, state.smtp, message)
            else:
                logger.error("password reset asked but [smtp] is not configured: no e-mail sent")
        return {"detail": RESET_ACCEPTED, "email_configured": state.smtp.configured}


@blp.route("/password-resets/confirm")
class PasswordResetConfirm(MethodView):
    @blp.arguments(PasswordResetConfirmSchema, example={"token": "…", "password": "…"})
    @blp.response(204)
    def post(self, data: dict[str, Any]) -> None:
        """Set a new password with the token received by e-mail (once, before it expires).
        Every session of the account ends; sign in again."""
        state = get_accounts_state()
        with _store().write() as session:
            finish_password_reset(session, state.config, data["token"], data["password"])


def reset_message(config: AccountsConfig, to: str, name: str, token: str) -> EmailMessage:
    """The password-reset e-mail (French, plain text).

    The link is written only when ``accounts.public_url`` is set: never from the request's
    ``Host`` header, which the caller chooses (it would send the token to their own site).
    """
    message = EmailMessage()
    message["To"] = to
    message["Subject"] = "Culture en Nièvre : réinitialisation de votre mot de passe"
    minutes = round(config.reset_minutes)
    link = (
        f"ou ouvrez ce lien :\n\n{config.public_url}/?reinitialisation={token}\n\n"
        if config.public_url
        else ""
    )
    message.set_content(
        f"Bonjour {name},\n\n"
        "Une réinitialisation du mot de passe de votre compte a été demandée. Pour choisir un "
        "nouveau mot de passe, saisissez ce code sur la page, rubrique « Se connecter », "
        f"« Mot de passe oublié ? », dans les {minutes} minutes (il ne sert qu'une fois) :\n\n"
        f"{token}\n\n{link}"
        "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : votre mot de "
        "passe ne change pas.\n"
    )
    return message


def _send_logged(smtp: SmtpConfig, message: EmailMessage) -> None:
    try:
        send_email(smtp, message)
    except OSError as e:
        logger.error("password-reset e-mail not sent: %s: %s", type(e).__name__, e)
