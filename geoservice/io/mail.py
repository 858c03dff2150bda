"""Sending e-mail through an SMTP server (password-reset messages)."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from geoservice.errors import InvalidParameterError

#: Ways of securing the SMTP connection.
SMTP_SECURITY: tuple[str, ...] = ("none", "starttls", "ssl")


@dataclass(frozen=True)
class SmtpConfig:
    """The ``[smtp]`` table.

    Attributes
    ----------
    host
        SMTP server; empty when e-mail is not configured.
    port
        TCP port (587 for STARTTLS, 465 for implicit TLS).
    security
        ``starttls``, ``ssl`` or ``none``.
    username, password
        Credentials; no login when `username` is empty.
    from_address
        The messages' ``From``.
    timeout_s
        Connection and command timeout, seconds.
    """

    host: str = ""
    port: int = 587
    security: str = "starttls"
    username: str = ""
    password: str = ""
    from_address: str = ""
    timeout_s: float = 10.0

    @property
    def configured(self) -> bool:
        """A server and a sender are set."""
        return bool(self.host and self.from_address)

    @classmethod
    def from_section(cls, section: Mapping[str, Any]) -> SmtpConfig:
        """Parse ``[smtp]`` (every key optional)."""
        try:
            config = cls(
                host=str(section.get("host", "")).strip(),
                port=int(section.get("port", 587)),
                security=str(section.get("security", "starttls")),
                username=str(section.get("username", "")),
                password=str(section.get("password", "")),
                from_address=str(section.get("from_address", "")).strip(),
                timeout_s=float(section.get("timeout_s", 10)),
            )
        except (TypeError, ValueError) as e:
            raise InvalidParameterError("smtp", f"invalid [smtp] settings: {e}") from e
        if config.security not in SMTP_SECURITY:
            msg = f"unknown smtp.security {config.security!r}"
            raise InvalidParameterError("smtp.security", msg, SMTP_SECURITY)
        if not 0 < config.port < 65_536 or config.timeout_s <= 0:
            raise InvalidParameterError("smtp", "smtp.port must be 1-65535, timeout_s > 0")
        return config


def send_email(config: SmtpConfig, message: EmailMessage) -> None:
    """Send `message` (its ``From`` set from `config` when missing) through the SMTP server.

    Raises
    ------
    OSError
        The server is unreachable, refuses the login or the message (``smtplib.SMTPException``
        is an ``OSError``).
    """
    if message["From"] is None:
        message["From"] = config.from_address
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if config.security == "ssl":
        smtp = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout_s, context=context)
    else:
        smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout_s)
    with smtp:
        if config.security == "starttls":
            smtp.starttls(context=context)
        if config.username:
            smtp.login(config.username, config.password)
        smtp.send_message(message)
