"""Files of rows that went away: deleted once the transaction that removed their rows commits."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import partial

from django.core.files.storage import Storage
from django.db import transaction

logger = logging.getLogger(__name__)


def delete_files(storage: Storage, names: Iterable[str]) -> int:
    """Delete each file; one that cannot be deleted is logged and the others still go. Returns how many went."""
    deleted = 0
    for name in names:
        try:
            storage.delete(name)
        except Exception:
            logger.warning("could not delete %s", name, exc_info=True)
        else:
            deleted += 1
    return deleted


def delete_files_on_commit(storage: Storage, names: Iterable[str | None]) -> None:
    """Delete the (non-empty) files once the current transaction commits: a rollback keeps rows and files."""
    kept = [name for name in names if name]
    if kept:
        transaction.on_commit(partial(delete_files, storage, kept))
