"""EMAIL_URL: unset prints e-mails on the console; smtp://, smtps:// (SSL) and submission:// (STARTTLS) send them
through that server; anything else stops the process at start with the variable's name (like every setting)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from school.env import ImproperlyConfiguredEnv, parse_email_url

REPO = Path(__file__).resolve().parents[2]
SMTP = "django.core.mail.backends.smtp.EmailBackend"


def test_unset_is_the_console() -> None:
    assert parse_email_url("EMAIL_URL", "") == {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}


@pytest.mark.parametrize(
    ("url", "host", "port", "ssl", "tls"),
    [
        ("smtp://mail.escola.example", "mail.escola.example", 25, False, False),
        ("smtps://mail.escola.example", "mail.escola.example", 465, True, False),
        ("submission://mail.escola.example", "mail.escola.example", 587, False, True),
        ("submission://mail.escola.example:2525", "mail.escola.example", 2525, False, True),
    ],
)
def test_each_scheme_has_its_port_and_encryption(url: str, host: str, port: int, ssl: bool, tls: bool) -> None:
    parsed = parse_email_url("EMAIL_URL", url)

    assert parsed["EMAIL_BACKEND"] == SMTP
    assert (parsed["EMAIL_HOST"], parsed["EMAIL_PORT"], parsed["EMAIL_USE_SSL"], parsed["EMAIL_USE_TLS"]) == (
        host,
        port,
        ssl,
        tls,
    )


def test_user_and_password_are_percent_decoded() -> None:
    parsed = parse_email_url("EMAIL_URL", "smtps://chamada%40escola.example:p%40ss%2Fw@smtp.example.com")

    assert (parsed["EMAIL_HOST_USER"], parsed["EMAIL_HOST_PASSWORD"]) == ("chamada@escola.example", "p@ss/w")


@pytest.mark.parametrize(
    "url",
    ["http://mail.example.com", "smtp://", "smtp://mail.example.com:port", "smtp://mail.example.com:99999", "x"],
)
def test_a_bad_url_names_the_variable_and_hides_the_password(url: str) -> None:
    with pytest.raises(ImproperlyConfiguredEnv, match="EMAIL_URL"):
        parse_email_url("EMAIL_URL", url)

    with pytest.raises(ImproperlyConfiguredEnv) as raised:
        parse_email_url("EMAIL_URL", "ftp://chamada:secret@mail.example.com")
    assert "secret" not in str(raised.value)


def start(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "school.settings",
        "DATABASE_URL": "",
        **env,
    }
    script = (
        "from django.conf import settings as s; "
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS, s.DEFAULT_FROM_EMAIL, sep='|')"
    )
    return subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=clean, capture_output=True, text=True, timeout=60, check=False
    )


def test_the_settings_read_it_at_start(tmp_path: Path) -> None:
    default = start(tmp_path)
    submission = start(
        tmp_path, EMAIL_URL="submission://u:p@smtp.example.com", DEFAULT_FROM_EMAIL="Escola <escola@example.com>"
    )
    bad = start(tmp_path, EMAIL_URL="smtp://smtp.example.com:abc")

    assert default.stdout.strip() == (
        "django.core.mail.backends.console.EmailBackend|localhost|25|False|Chamada <chamada@localhost>"
    )
    assert submission.stdout.strip() == f"{SMTP}|smtp.example.com|587|True|Escola <escola@example.com>"
    assert bad.returncode != 0 and "EMAIL_URL" in bad.stderr
