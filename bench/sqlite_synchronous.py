"""What SQLite's `synchronous` setting costs a money ledger: NORMAL vs FULL, in WAL mode.

Each transaction is what a wallet payment writes: BEGIN IMMEDIATE, one ledger row, one balance
update, COMMIT, on a file under var/ (the disk the store uses). In WAL mode NORMAL syncs the WAL
only at checkpoints, so a power cut or OS crash can lose the last commits (never corrupt the
file); FULL syncs the WAL at every commit, so a commit that returned survives.

    .venv/bin/python bench/sqlite_synchronous.py [transactions per run]
"""

from __future__ import annotations

import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def connect(path: Path, synchronous: str) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA synchronous={synchronous}")
    return db


def prepare(path: Path) -> None:
    db = connect(path, "FULL")
    db.executescript(
        """
        CREATE TABLE account (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL);
        CREATE TABLE entry (id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL,
                            amount INTEGER NOT NULL, balance_after INTEGER NOT NULL,
                            idempotency_key TEXT UNIQUE NOT NULL);
        """
    )
    db.executemany(
        "INSERT INTO account (id, balance) VALUES (?, 1000000)", [(i,) for i in range(8)]
    )
    db.close()


def pay(db: sqlite3.Connection, account: int, key: str) -> None:
    db.execute("BEGIN IMMEDIATE")
    (balance,) = db.execute("SELECT balance FROM account WHERE id = ?", (account,)).fetchone()
    db.execute(
        "INSERT INTO entry (account_id, amount, balance_after, idempotency_key) VALUES (?,?,?,?)",
        (account, -100, balance - 100, key),
    )
    db.execute("UPDATE account SET balance = ? WHERE id = ?", (balance - 100, account))
    db.execute("COMMIT")


def run(synchronous: str, *, transactions: int, writers: int) -> dict:
    with tempfile.TemporaryDirectory(dir=ROOT / "var", prefix="bench-sync-") as folder:
        path = Path(folder) / "ledger.sqlite3"
        prepare(path)
        latencies: list[float] = []
        lock = threading.Lock()

        def writer(number: int) -> None:
            db = connect(path, synchronous)
            mine = []
            for i in range(transactions // writers):
                started = time.perf_counter()
                pay(db, number, f"{synchronous}-{number}-{i}")
                mine.append(time.perf_counter() - started)
            db.close()
            with lock:
                latencies.extend(mine)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "tps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def main() -> None:
    transactions = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    (ROOT / "var").mkdir(exist_ok=True)
    print(f"SQLite {sqlite3.sqlite_version}, WAL, {transactions} ledger transactions per run")
    print(f"{'synchronous':<12} {'writers':>7} {'commits/s':>10} {'p50 ms':>8} {'p99 ms':>8}")
    for writers in (1, 4):
        for synchronous in ("NORMAL", "FULL"):
            figures = run(synchronous, transactions=transactions, writers=writers)
            print(
                f"{synchronous:<12} {writers:>7} {figures['tps']:>10.0f} "
                f"{figures['p50']:>8.2f} {figures['p99']:>8.2f}"
            )


if __name__ == "__main__":
    main()
