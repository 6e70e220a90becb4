"""The Django set-up the benches share: a temporary folder, the environment pointing at it, `django.setup()`.

Each bench runs the project as a process of its own would, so the settings come from the environment, as in
production: DATABASE_URL (a SQLite file in the folder unless a database is given), VAR_DIR (the folder),
MEDIA_ROOT (its `media`), LOG_LEVEL (WARNING unless given) and whatever else the bench names. REDIS_URL is
removed unless the bench names one, so tasks run in-process and the cache is local. Child processes a bench starts
inherit the same environment.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


def database_beside(url: str | None, suffix: str) -> str | None:
    """A throw-away PostgreSQL database `<name>_<suffix>` on the server of `url`; None when `url` is no PostgreSQL."""
    if not url or not url.startswith(("postgres://", "postgresql://")):
        return None
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "chamada"
    return urlunsplit(parts._replace(path=f"/{name}_{suffix}"))


def reset_database(url: str) -> None:
    """Drop the PostgreSQL database `url` names, if it exists, and create it empty."""
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def django_env(
    prefix: str,
    *,
    database_url: str | None = None,
    throwaway: bool = False,
    env: Mapping[str, str] | None = None,
    migrate: bool = False,
    keep: bool = False,
) -> Iterator[Path]:
    """Django set up in a new temporary folder named from `prefix`, which it yields.

    `database_url`: the database to use (default: a SQLite file in the folder); with `throwaway` it is a PostgreSQL
    database created empty first and dropped after. `env`: more settings, or other values for the defaults.
    `migrate`: migrate before yielding (benches that tune the connection first migrate themselves). On the way out
    the connections are closed, the throw-away database dropped and the folder removed, unless `keep`.
    """
    if throwaway and not database_url:
        raise ValueError("a throw-away database needs its URL")
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    settings = {
        "DATABASE_URL": database_url or f"sqlite:///{workdir}/bench.sqlite3",
        "VAR_DIR": str(workdir),
        "MEDIA_ROOT": str(workdir / "media"),
        "LOG_LEVEL": "WARNING",
        **(env or {}),
    }
    os.environ.update(settings)
    if "REDIS_URL" not in settings:
        os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "school.settings")
    if throwaway and database_url:
        reset_database(database_url)
    try:
        import django

        django.setup()
        if migrate:
            from django.core.management import call_command

            call_command("migrate", verbosity=0)
        yield workdir
    finally:
        from django.db import connections

        try:
            connections.close_all()
        finally:
            if throwaway and database_url:
                drop_database(database_url)
            if not keep:
                shutil.rmtree(workdir, ignore_errors=True)
