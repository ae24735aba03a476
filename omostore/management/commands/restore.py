from pathlib import Path

from django.core.management import BaseCommand, CommandError

from omostore.management import backup


class Command(BaseCommand):
    help = (
        "Replace the whole database with a backup made by `manage.py backup`. The store must be "
        "stopped (the command refuses while `make run` runs on this var/ directory)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="a file written by `manage.py backup`")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation.",
        )

    def handle(self, *args, path: str, interactive: bool, **options):
        db = backup.database_settings()
        if interactive:
            answer = input(
                f"This replaces everything in the database {db['NAME']} with {path}. "
                "Type 'yes' to go on: "
            )
            if answer != "yes":
                raise CommandError("Restore cancelled.")
        try:
            backup.restore(path=Path(path))
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Database restored from {path}"))
