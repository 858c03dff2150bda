"""SMTP settings (config/accounts.toml + GEOSERVICE_SMTP__* overrides) and sending through a
local SMTP sink."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from geoservice.errors import InvalidParameterError
from geoservice.io.mail import SmtpConfig, send_email
from geoservice.settings import load_settings
from geoservice.store.account_config import accounts_config_from_settings
from tests.smtp_sink import smtp_sink


def test_the_shipped_configuration_sends_nothing_until_a_server_is_set() -> None:
    settings = load_settings(environ={})
    assert not SmtpConfig.from_section(settings.section("smtp")).configured
    config = accounts_config_from_settings(settings)
    assert (config.password_min_length, config.cookie_secure) == (10, "auto")
    assert (config.argon2.time_cost, config.argon2.memory_kib) == (3, 65_536)


def test_environment_variables_override_the_smtp_settings() -> None:
    environ = {
        "GEOSERVICE_SMTP__HOST": "smtp.example.org",
        "GEOSERVICE_SMTP__PORT": "465",
        "GEOSERVICE_SMTP__SECURITY": "ssl",
        "GEOSERVICE_SMTP__PASSWORD": "s3cret",
        "GEOSERVICE_SMTP__FROM_ADDRESS": "ne-pas-repondre@example.org",
    }
    smtp = SmtpConfig.from_section(load_settings(environ=environ).section("smtp"))
    assert smtp.configured
    assert (smtp.host, smtp.port, smtp.security, smtp.password) == (
        "smtp.example.org",
        465,
        "ssl",
        "s3cret",
    )


@pytest.mark.parametrize(
    "section", [{"security": "tls"}, {"port": 0}, {"port": "many"}, {"timeout_s": -1}]
)
def test_bad_smtp_settings_are_refused(section: dict[str, object]) -> None:
    with pytest.raises(InvalidParameterError):
        SmtpConfig.from_section(section)


@pytest.mark.parametrize(
    "overrides",
    [
        {"accounts.cookie_secure": "sometimes"},
        {"accounts.password_min_length": 4},
        {"accounts.limits": {"sign_in_burst": 3}},
        {"accounts.argon2": {"time_cost": 0}},
        {"accounts.session_days": 0},
    ],
)
def test_bad_account_settings_are_refused(overrides: dict[str, object]) -> None:
    with pytest.raises(InvalidParameterError):
        accounts_config_from_settings(load_settings(environ={}, overrides=overrides))


def test_send_email_delivers_to_the_server() -> None:
    with smtp_sink() as sink:
        config = SmtpConfig(
            host="127.0.0.1", port=sink.port, security="none", from_address="a@example.org"
        )
        message = EmailMessage()
        message["To"] = "b@example.org"
        message["Subject"] = "Réinitialisation"
        message.set_content("Bonjour Élise")
        send_email(config, message)
        (received,) = sink.wait_for(1)
    assert received["From"] == "a@example.org"
    assert received["Subject"] == "Réinitialisation"
    assert received.get_content().strip() == "Bonjour Élise"


def test_an_unreachable_server_is_refused_with_an_os_error() -> None:
    with smtp_sink() as sink:
        port = sink.port
    config = SmtpConfig(host="127.0.0.1", port=port, security="none", from_address="a@b.org")
    message = EmailMessage()
    message["To"] = "b@example.org"
    message.set_content("x")
    with pytest.raises(ConnectionRefusedError):
        send_email(config, message)
