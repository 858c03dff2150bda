"""Request and response schemas of the accounts API, with the OpenAPI examples."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from geoservice.store.config import ROLES


class SignUpSchema(Schema):
    """A new account: e-mail, password (10 to 128 characters) and public display name."""

    email = fields.String(required=True, metadata={"example": "camille@example.org"})
    password = fields.String(
        required=True,
        metadata={"description": "10 to 128 characters, not the e-mail address"},
    )
    display_name = fields.String(
        required=True,
        metadata={"description": "public, unique (case ignored), 2 to 80 characters"},
    )


class SignInSchema(Schema):
    """E-mail and password of an account."""

    email = fields.String(required=True)
    password = fields.String(required=True)


class AccountSchema(Schema):
    """An account as its owner sees it."""

    id = fields.Integer(required=True)
    email = fields.String(
        allow_none=True, metadata={"description": "null for users made with the CLI"}
    )
    display_name = fields.String(required=True, metadata={"description": "shown on offers"})
    role = fields.String(required=True, metadata={"enum": list(ROLES)})
    created_at = fields.AwareDateTime(required=True)
    csrf_token = fields.String(
        allow_none=True,
        metadata={
            "description": "send it as X-CSRF-Token with every write made with the session "
            "cookie; null when the request used a bearer token"
        },
    )


class PublicAccountSchema(Schema):
    """An account as a moderator sees it after a role change."""

    id = fields.Integer(required=True)
    display_name = fields.String(required=True)
    role = fields.String(required=True, metadata={"enum": list(ROLES)})
    created_at = fields.AwareDateTime(required=True)


class SessionSchema(Schema):
    """A new session (the cookie itself is in ``Set-Cookie``)."""

    account = fields.Nested(AccountSchema, required=True)
    csrf_token = fields.String(required=True)
    expires_at = fields.AwareDateTime(required=True)


class PasswordResetRequestSchema(Schema):
    """Send a reset e-mail to this address (if it has an account)."""

    email = fields.String(required=True)


class PasswordResetAcceptedSchema(Schema):
    """The same answer whether the address has an account or not."""

    detail = fields.String(required=True)
    email_configured = fields.Boolean(
        required=True, metadata={"description": "false: this service sends no e-mail"}
    )


class PasswordResetConfirmSchema(Schema):
    """The token received by e-mail and the new password."""

    token = fields.String(required=True)
    password = fields.String(required=True)


class RoleChangeSchema(Schema):
    """The new role of an account (moderators only)."""

    role = fields.String(required=True, metadata={"enum": ["contributor", "organisation"]})


class TokenCreateSchema(Schema):
    """A new API token; `label` says what it is for."""

    label = fields.String(allow_none=True, metadata={"example": "import agenda"})


class TokenSchema(Schema):
    """An API token of the account (never its value, but when created)."""

    id = fields.Integer(required=True)
    label = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    revoked_at = fields.AwareDateTime(allow_none=True)


class TokenCreatedSchema(TokenSchema):
    """A new token, with its value: shown this once only."""

    token = fields.String(required=True)


_ACCOUNT: dict[str, Any] = {
    "id": 42,
    "email": "camille@example.org",
    "display_name": "Camille D.",
    "role": "contributor",
    "created_at": "2026-12-06T21:00:00+00:00",
    "csrf_token": "9f2c4e…(64 hex)",
}

ACCOUNT_EXAMPLES: dict[str, Any] = {
    "account": _ACCOUNT,
    "account_created": {**_ACCOUNT, "csrf_token": None},
    "public_account": {
        "id": 42,
        "display_name": "Camille D.",
        "role": "organisation",
        "created_at": "2026-12-06T21:00:00+00:00",
    },
    "session": {
        "account": _ACCOUNT,
        "csrf_token": _ACCOUNT["csrf_token"],
        "expires_at": "2026-12-20T21:05:00+00:00",
    },
    "reset_accepted": {
        "detail": "Si un compte existe pour cette adresse, un courriel vient de lui être envoyé.",
        "email_configured": True,
    },
    "tokens": [
        {
            "id": 7,
            "label": "import agenda",
            "created_at": "2026-12-06T21:10:00+00:00",
            "revoked_at": None,
        }
    ],
    "token_created": {
        "id": 7,
        "label": "import agenda",
        "created_at": "2026-12-06T21:10:00+00:00",
        "revoked_at": None,
        "token": "gs_…(43 characters, shown once)",
    },
}
