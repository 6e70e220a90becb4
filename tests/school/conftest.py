from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.factories import SecretaryFactory


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # The default PBKDF2 costs a quarter of a second per user; tests check behaviour, not hashing strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def english(settings: Any) -> None:
    """Messages in English, whatever translations the project ships, so tests can read them."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def secretary_client(client: Client, db: None) -> Client:
    client.force_login(SecretaryFactory())
    return client
