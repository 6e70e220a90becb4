"""Shared pytest marks."""

import pytest

# For tests whose code must really commit (on_commit hooks, other threads or processes reading the rows). The
# database is emptied after such a test; tests/conftest.py restores the role groups the data migrations made.
committing_db = pytest.mark.django_db(transaction=True)
