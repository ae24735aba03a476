"""`make run`: migrate, load the demo store into an empty database, and start every process.

Web, worker, beat and (without REDIS_URL) the embedded Redis run under honcho, so Ctrl-C stops
them all.
"""

import os
import shutil
import sys
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import BaseCommand, call_command

from omostore.demo import DEMO_ACCOUNTS, DEMO_PASSWORD


class Command(BaseCommand):
    help = "Prepare the database and run web, worker, beat and Redis under one supervisor."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--no-demo", action="store_true", help="Do not load the demo store.")

    def handle(self, *args, host: str, port: str, no_demo: bool, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)
        if not no_demo and not settings.PRODUCTION and not get_user_model().objects.exists():
            self.stdout.write("Empty database: loading the demo store…")
            call_command("load_demo_store")

        base = f"http://{'localhost' if host in {'127.0.0.1', '0.0.0.0'} else host}:{port}"  # noqa: S104
        self.stdout.write(
            self.style.SUCCESS("\nOMO Store is starting. Ctrl-C stops every process.\n")
            + f"  shopper  {base}/\n"
            + f"  staff    {base}/staff/\n"
            + f"  rider    {base}/rider/\n"
            + f"  admin    {base}/admin/\n"
            + f"  API      {base}/api/docs/\n"
            + f"  health   {base}/healthz\n"
        )
        if not settings.PRODUCTION:
            self.stdout.write(f"Demo log-ins (password {DEMO_PASSWORD}):")
            for email, description in DEMO_ACCOUNTS:
                self.stdout.write(f"  {email:<22} {description}")
        self.stdout.flush()

        bin_dir = Path(sys.executable).parent
        env = {
            **os.environ,
            "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            # Not HOST/PORT: honcho sets PORT itself, per process (5000, 5100, ...).
            "WEB_HOST": host,
            "WEB_PORT": str(port),
            "WEB_WORKERS": os.environ.get("WEB_WORKERS", "1"),
            "WORKER_CONCURRENCY": os.environ.get("WORKER_CONCURRENCY", "2"),
            "PYTHONUNBUFFERED": "1",
        }
        processes = ["web", "worker", "beat"]
        if not os.environ.get("REDIS_URL"):
            processes.insert(0, "redis")
        honcho = shutil.which("honcho", path=str(bin_dir)) or "honcho"
        procfile = str(Path(settings.BASE_DIR) / "Procfile")
        argv = [honcho, "-f", procfile, "-d", str(settings.BASE_DIR), "start", *processes]
        os.execve(honcho, argv, env)  # noqa: S606 (our own supervisor, from the venv)
