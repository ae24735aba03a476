"""`manage.py backup` and `manage.py restore`, round trip on the database the suite runs on
(SQLite's online backup API on the SQLite pass, pg_dump/pg_restore on the PostgreSQL pass)."""

import os
import shutil
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction

from payments.models import WalletAccount
from tests import factories
from tests.omostore.running_store import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _own_var_dir(settings, tmp_path):
    """The restore takes the var/ lock of `make run`: a var/ of the test's own."""
    settings.VAR_DIR = tmp_path / "var"


def test_the_pass_on_postgresql_really_uses_pg_dump():
    if connection.vendor == "postgresql":
        assert shutil.which("pg_dump") and shutil.which("pg_restore"), "install postgresql-client"
    else:
        assert connection.vendor == "sqlite"


def test_restore_brings_back_exactly_what_was_backed_up(tmp_path):
    # given a member with money in the wallet, backed up
    member = factories.make_member(email="kept@example.com")
    wallet = factories.make_wallet(member=member, balance=5000)
    path = tmp_path / "omostore.backup"
    call_command("backup", str(path))
    assert path.stat().st_size > 0

    # when the database changes afterwards, and the backup is restored
    WalletAccount.objects.filter(pk=wallet.pk).update(balance=1)
    factories.make_member(email="later@example.com")
    get_user_model().objects.filter(email="kept@example.com").update(email="renamed@example.com")
    call_command("restore", str(path), "--noinput")

    # then it is as it was at the backup
    users = get_user_model().objects
    assert users.filter(email="kept@example.com").exists()
    assert not users.filter(email__in=["later@example.com", "renamed@example.com"]).exists()
    assert WalletAccount.objects.get(pk=wallet.pk).balance == 5000
    assert wallet.entries.count() == 1


def test_a_backup_taken_while_the_store_writes_is_one_consistent_moment(tmp_path):
    # given a writer that adds members, each a user row and a member row in one transaction
    stop, written = threading.Event(), []

    def writer() -> None:
        try:
            while not stop.is_set():
                with transaction.atomic():
                    written.append(factories.make_member().pk)
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        wait_for(lambda: len(written) >= 3, timeout=30, what="the writer")
        # when a backup is taken while it writes
        path = tmp_path / "omostore.backup"
        call_command("backup", str(path))
        at_backup = len(written)
        wait_for(lambda: len(written) >= at_backup + 3, timeout=30, what="writes after the backup")
    finally:
        stop.set()
        thread.join(timeout=30)
    call_command("restore", str(path), "--noinput")

    # then the restored database holds a prefix of the writes, each one whole
    users = get_user_model().objects
    restored = users.count()
    assert 3 <= restored < len(written)
    assert not users.filter(member__isnull=True).exists()


def test_restore_refuses_while_the_store_runs(tmp_path, settings):
    # given a backup, and `make run` holding the var/ lock
    path = tmp_path / "omostore.backup"
    call_command("backup", str(path))
    from omostore.management.commands.run_store import take_store_lock

    run_dir = settings.VAR_DIR / "run"
    run_dir.mkdir(parents=True)
    lock = take_store_lock(run_dir)
    factories.make_member(email="after@example.com")
    try:
        # when a restore is attempted, then it refuses and changes nothing
        with pytest.raises(CommandError, match="the store is running"):
            call_command("restore", str(path), "--noinput")
    finally:
        os.close(lock)
    assert get_user_model().objects.filter(email="after@example.com").exists()


def test_restore_refuses_a_file_that_is_no_backup(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not a database")
    factories.make_member(email="still@example.com")
    with pytest.raises(CommandError, match="is not a"):
        call_command("restore", str(path), "--noinput")
    assert get_user_model().objects.filter(email="still@example.com").exists()
