from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_the_school_models_match_their_migrations() -> None:
    out = StringIO()

    call_command("makemigrations", "school", check=True, dry_run=True, stdout=out)  # SystemExit(1) on changes

    assert "No changes detected" in out.getvalue()
