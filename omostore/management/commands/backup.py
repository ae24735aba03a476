from pathlib import Path

from django.core.management import BaseCommand, CommandError
from django.utils import timezone

from omostore.management import backup


class Command(BaseCommand):
    help = (
        "Back up the database while the store runs: SQLite's online backup API, or pg_dump "
        "(custom format) on PostgreSQL. Prints the file written."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            help="where to write it (default: var/backups/omostore-<time>.sqlite3 or .pgdump)",
        )

    def handle(self, *args, path: str | None, **options):
        db = backup.database_settings()
        try:
            target = (
                Path(path)
                if path
                else backup.default_backup_path(db, timezone.now().strftime("%Y%m%dT%H%M%SZ"))
            )
            written = backup.backup(path=target)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Backup written to {written}"))
