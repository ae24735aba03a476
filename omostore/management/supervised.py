"""Start one process of `make run` so that it cannot outlive the store's supervisor.

    python omostore/management/supervised.py SIGNAL LOCK_FILE -- COMMAND [ARG ...]

Run by path (not `-m`), so it imports nothing but the standard library and costs ~20 ms. It

1. takes a shared flock on LOCK_FILE and keeps it open across exec: while any process of a run
   (or a child it forked) is alive, the next `make run` sees the lock and will not start;
2. asks Linux to send it SIGNAL (TERM or KILL) when its parent, supervisord, dies
   (PR_SET_PDEATHSIG; the setting survives exec). That holds even when supervisord is killed
   with SIGKILL, which it cannot catch. `run_store` says which signal each program gets;
3. replaces itself with COMMAND (exec), so supervisord signals and watches the program itself.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent(*, parent_pid: int, signum: int) -> None:
    """Get `signum` when the parent dies. Linux only; elsewhere it says it cannot."""
    if not sys.platform.startswith("linux"):
        print(
            "supervised: not Linux, so this process may outlive a killed supervisor",
            file=sys.stderr,
        )
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent_pid:  # the parent died before the prctl: no signal will come
        sys.exit("supervised: the supervisor is gone")


def main(argv: list[str]) -> None:
    if len(argv) < 4 or argv[2] != "--" or argv[0] not in {"TERM", "KILL"}:
        sys.exit(__doc__)
    signum, lock_file, command = signal.Signals[f"SIG{argv[0]}"], argv[1], argv[3:]
    parent_pid = os.getppid()
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_SH)
    os.set_inheritable(fd, True)
    die_with_parent(parent_pid=parent_pid, signum=signum)
    os.execvp(command[0], command)  # noqa: S606 (the supervisor's own program lines)


if __name__ == "__main__":
    main(sys.argv[1:])
