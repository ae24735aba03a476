"""`make run`: migrate, load the demo store into an empty database, and start every process.

Web, worker, beat and (without REDIS_URL) the embedded Redis run under supervisord, generated from
the `Procfile`:

- a process that dies is started again (`autorestart`), Redis first and stopped last;
- every process dies with the supervisor, even when the supervisor is killed with SIGKILL
  (`omostore/management/supervised.py`: PR_SET_PDEATHSIG);
- one run per var/ directory: the supervisor holds an exclusive flock on `var/run/store.lock` for
  its whole life, and each of its processes a shared one on `var/run/processes.lock`, so a second
  run refuses to start while either is held, instead of deleting the first one's Redis socket;
- Ctrl-C (or SIGTERM) stops every process, in order, and waits for each.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import shlex
import string
import sys
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import BaseCommand, CommandError, call_command

from omostore.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

SUPERVISED = Path(__file__).resolve().parent.parent / "supervised.py"
STORE_LOCK = "store.lock"
PROCESSES_LOCK = "processes.lock"
# What each process gets when the supervisor dies without stopping it (killed with SIGKILL).
# TERM where the program's own stop needs nothing else: Redis syncs its append-only file and
# removes its socket; uvicorn closes its connections and stops its worker processes (it gives
# requests 5 s, see Procfile). KILL where a graceful stop talks to Redis, which is stopping at the
# same moment, and would wait for it for ever: a Celery worker's unacknowledged tasks stay in
# Redis (acks_late), its pool processes die with it (Celery gives them PR_SET_PDEATHSIG), and
# beat's schedule only loses its last run times.
DEATH_SIGNAL = {"redis": "TERM", "web": "TERM", "worker": "KILL", "beat": "KILL"}
# How long a new run waits for the processes of a killed one to finish stopping.
STRAGGLER_WAIT_SECONDS = 15


def read_procfile(path: Path) -> dict[str, str]:
    """`name: command` lines, in order."""
    processes = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, command = line.split(":", 1)
            processes[name.strip()] = command.strip()
    return processes


def lock_holders(path: Path) -> list[int]:
    """The pids holding a flock on `path`, from /proc/locks (Linux), for the error message."""
    try:
        inode = path.stat().st_ino
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return []
    holders = []
    for line in lines:
        fields = line.split()
        # "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF" (blocked waiters have "->" first)
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5].rsplit(":", 1)[-1] == str(inode):
            holders.append(int(fields[4]))
    return sorted(set(holders))


def take_store_lock(run_dir: Path) -> int:
    """The exclusive lock of this var/ directory, or a CommandError saying who holds it. The
    descriptor is inheritable: supervisord (this process, after exec) keeps holding it."""
    path = run_dir / STORE_LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        holders = ", ".join(map(str, lock_holders(path))) or "unknown"
        raise CommandError(
            f"OMO Store is already running from {run_dir.parent} (supervisor pid {holders}).\n"
            "Stop it first (Ctrl-C in its terminal), or give this run a var/ directory of its "
            "own: OMOSTORE_VAR_DIR=/some/dir make run"
        ) from None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    os.set_inheritable(fd, True)
    return fd


def wait_for_stragglers(run_dir: Path, *, timeout: float) -> None:
    """Processes of a previous run whose supervisor was killed are still stopping (they hold
    the shared lock until they exit): wait for them, or refuse to start beside them."""
    path = run_dir / PROCESSES_LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    holders = ", ".join(map(str, lock_holders(path))) or "unknown"
                    raise CommandError(
                        f"Processes of an earlier run from {run_dir.parent} are still alive "
                        f"(pids {holders}) {timeout:.0f} s after their supervisor died. "
                        "Stop them first."
                    ) from None
                time.sleep(0.1)
    finally:
        os.close(fd)  # releases the lock: the new run's processes take it shared


def supervisord_config(
    *, programs: dict[str, str], run_dir: Path, log_dir: Path, base_dir: Path
) -> str:
    python = sys.executable
    password = secrets.token_hex(16)  # a new one each run; the file is readable by us only

    def value(text: str) -> str:  # supervisord's config reader expands %(name)s
        return text.replace("%", "%%")

    sections = [
        "[supervisord]",
        "nodaemon=true",
        f"logfile={value(str(log_dir / 'supervisord.log'))}",
        "logfile_maxbytes=5MB",
        "logfile_backups=2",
        f"pidfile={value(str(run_dir / 'supervisord.pid'))}",
        f"childlogdir={value(str(log_dir))}",
        "",
        "[unix_http_server]",
        f"file={value(str(run_dir / 'supervisor.sock'))}",
        "chmod=0700",
        "username=omostore",
        f"password={password}",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "",
        "[supervisorctl]",
        f"serverurl=unix://{value(str(run_dir / 'supervisor.sock'))}",
        "username=omostore",
        f"password={password}",
    ]
    for name, command in programs.items():
        wrapped = shlex.join(
            [
                python,
                "-P",  # run by path: nothing of omostore/management/ shadows a module
                str(SUPERVISED),
                DEATH_SIGNAL.get(name, "TERM"),
                str(run_dir / PROCESSES_LOCK),
                "--",
                *shlex.split(command),
            ]
        )
        sections += [
            "",
            f"[program:{name}]",
            f"command={value(wrapped)}",
            f"directory={value(str(base_dir))}",
            # Redis starts first and stops last; the others stop first, together.
            f"priority={10 if name == 'redis' else 20}",
            "autorestart=true",
            # Up for a second counts as started; a process that keeps failing sooner is given
            # up on after 10 tries (supervisord waits 1, 2, 3 ... s between them).
            "startsecs=1",
            "startretries=10",
            "stopsignal=TERM",
            "stopwaitsecs=10",
            # Signals go to the process group: the program and whatever it forked.
            "stopasgroup=true",
            "killasgroup=true",
            "redirect_stderr=true",
            "stdout_logfile=/dev/stdout",
            "stdout_logfile_maxbytes=0",
        ]
    return "\n".join(sections) + "\n"


class Command(BaseCommand):
    help = "Prepare the database and run web, worker, beat and Redis under one supervisor."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--no-demo", action="store_true", help="Do not load the demo store.")

    def handle(self, *args, host: str, port: str, no_demo: bool, **options):
        var_dir = Path(settings.VAR_DIR)
        run_dir, log_dir = var_dir / "run", var_dir / "log"
        run_dir.mkdir(parents=True, exist_ok=True)
        log_dir.mkdir(parents=True, exist_ok=True)
        # First of all: two runs on one var/ would share SQLite, beat's schedule and Redis.
        take_store_lock(run_dir)
        wait_for_stragglers(run_dir, timeout=STRAGGLER_WAIT_SECONDS)

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
            + f"  processes: .venv/bin/supervisorctl -c {run_dir / 'supervisord.conf'} status\n"
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
            "WEB_HOST": host,
            "WEB_PORT": str(port),
            "WEB_WORKERS": os.environ.get("WEB_WORKERS", "1"),
            "WORKER_CONCURRENCY": os.environ.get("WORKER_CONCURRENCY", "2"),
            "OMOSTORE_VAR_DIR": str(var_dir),
            "REDIS_SOCKET": str(settings.EMBEDDED_REDIS_SOCKET),
            "PYTHONUNBUFFERED": "1",
        }
        procfile = read_procfile(Path(settings.BASE_DIR) / "Procfile")
        names = ["web", "worker", "beat"]
        if not os.environ.get("REDIS_URL"):
            names.insert(0, "redis")
        programs = {name: string.Template(procfile[name]).substitute(env) for name in names}
        config = run_dir / "supervisord.conf"
        config.touch(mode=0o600)
        config.chmod(0o600)
        config.write_text(
            supervisord_config(
                programs=programs,
                run_dir=run_dir,
                log_dir=log_dir,
                base_dir=Path(settings.BASE_DIR),
            )
        )
        supervisord = str(bin_dir / "supervisord")
        # exec: the supervisor keeps this pid (Ctrl-C reaches it) and the store lock.
        os.execve(supervisord, [supervisord, "-c", str(config)], env)  # noqa: S606
