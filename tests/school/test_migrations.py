from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_every_app_has_migrations_for_all_its_model_changes() -> None:
    out = StringIO()

    call_command("makemigrations", check=True, dry_run=True, stdout=out)  # SystemExit(1) on changes

    assert "No changes detected" in out.getvalue()
