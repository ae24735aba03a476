"""Back up and restore the store's database, on SQLite and on PostgreSQL (README, "Backup").

- SQLite: the online backup API (`sqlite3.Connection.backup`). It copies the database page by
  page in one read transaction, so the copy is one consistent moment even while the store writes
  (WAL lets the writers go on meanwhile). A restore copies the backup back the same way.
- PostgreSQL: `pg_dump --format=custom` (a consistent snapshot, taken in one repeatable-read
  transaction) and `pg_restore --clean --single-transaction` (all or nothing).

A restore replaces everything, so it refuses to run while a `make run` holds the var/ lock.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import sqlite3
import subprocess
from contextlib import closing, contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connections

SQLITE_HEADER = b"SQLite format 3\x00"
PG_CUSTOM_HEADER = b"PGDMP"


class BackupError(Exception):
    """Something the person running the command must fix; the message says what."""


def database_settings(alias: str = "default") -> dict:
    return connections[alias].settings_dict


def engine(db: dict) -> str:
    vendor = db["ENGINE"].rsplit(".", 1)[-1]
    if vendor == "sqlite3":
        return "sqlite"
    if vendor in {"postgresql", "postgis"}:
        return "postgresql"
    raise BackupError(f"backups support SQLite and PostgreSQL, not {db['ENGINE']}")


def default_backup_path(db: dict, stamp: str) -> Path:
    suffix = ".sqlite3" if engine(db) == "sqlite" else ".pgdump"
    return Path(settings.VAR_DIR) / "backups" / f"omostore-{stamp}{suffix}"


# --- SQLite ---------------------------------------------------------------------------------------


def _sqlite_copy(source: Path | str, target: Path | str) -> None:
    with (
        closing(sqlite3.connect(source, timeout=30)) as src,
        closing(sqlite3.connect(target, timeout=30)) as dst,
    ):
        src.backup(dst)  # every page in one step: one consistent read transaction


def _regexp(pattern: str | None, value: object) -> bool | None:
    """Django's REGEXP for SQLite (django.db.backends.sqlite3._functions): NULL in, NULL out."""
    if pattern is None or value is None:
        return None
    return re.search(pattern, str(value)) is not None


def backup_sqlite(db: dict, path: Path) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    _sqlite_copy(db["NAME"], partial)
    with closing(sqlite3.connect(partial)) as copy:
        # integrity_check evaluates CHECK constraints, and some use Django's REGEXP function
        # (the product barcode kinds), which a plain sqlite3 connection lacks.
        copy.create_function("REGEXP", 2, _regexp, deterministic=True)
        check = copy.execute("PRAGMA integrity_check").fetchone()[0]
        # A self-contained file: no -wal beside it to lose.
        copy.execute("PRAGMA journal_mode=DELETE")
    if check != "ok":
        partial.unlink()
        raise BackupError(f"the copy failed its integrity check: {check}")
    partial.replace(path)


def restore_sqlite(db: dict, path: Path) -> None:
    with path.open("rb") as file:
        if file.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupError(f"{path} is not a SQLite backup")
    connections.close_all()
    # Into the live file (and its WAL) through SQLite itself, not a file copy beside open handles.
    _sqlite_copy(path, db["NAME"])


# --- PostgreSQL -----------------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    tool = shutil.which(name)
    if tool is None:
        raise BackupError(
            f"{name} is not installed: install PostgreSQL's client tools "
            "(Debian: apt-get install postgresql-client)"
        )
    return tool


def _pg_connection(db: dict) -> tuple[list[str], dict[str, str]]:
    args = []
    if db.get("HOST"):
        args += ["--host", db["HOST"]]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]  # the environment, never the command line
    return args, env


def backup_postgresql(db: dict, path: Path) -> None:
    args, env = _pg_connection(db)
    partial = path.with_name(path.name + ".partial")
    command = [_pg_tool("pg_dump"), *args, "--format=custom", "--no-owner", "--no-privileges"]
    result = subprocess.run(  # noqa: S603 (a fixed tool, our own arguments)
        [*command, "--file", str(partial), "--dbname", db["NAME"]],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    partial.replace(path)


def restore_postgresql(db: dict, path: Path) -> None:
    with path.open("rb") as file:
        if file.read(len(PG_CUSTOM_HEADER)) != PG_CUSTOM_HEADER:
            raise BackupError(f"{path} is not a pg_dump custom-format backup")
    args, env = _pg_connection(db)
    connections.close_all()
    command = [_pg_tool("pg_restore"), *args, "--clean", "--if-exists", "--no-owner"]
    result = subprocess.run(  # noqa: S603 (a fixed tool, our own arguments)
        [*command, "--no-privileges", "--single-transaction", "--dbname", db["NAME"], str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed (nothing was changed): {result.stderr.strip()}")


# --- Both -----------------------------------------------------------------------------------------


def backup(*, path: Path, alias: str = "default") -> Path:
    db = database_settings(alias)
    path.parent.mkdir(parents=True, exist_ok=True)
    if engine(db) == "sqlite":
        backup_sqlite(db, path)
    else:
        backup_postgresql(db, path)
    return path


@contextmanager
def store_stopped():
    """Hold the var/ lock of `make run` for the restore, or refuse if the store runs."""
    run_dir = Path(settings.VAR_DIR) / "run"
    run_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(run_dir / "store.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError(
                "the store is running from this var/ directory: stop it first (Ctrl-C in the "
                "terminal of `make run`), then restore"
            ) from None
        yield
    finally:
        os.close(fd)


def restore(*, path: Path, alias: str = "default") -> None:
    if not path.is_file():
        raise BackupError(f"no backup at {path}")
    db = database_settings(alias)
    with store_stopped():
        if engine(db) == "sqlite":
            restore_sqlite(db, path)
        else:
            restore_postgresql(db, path)
