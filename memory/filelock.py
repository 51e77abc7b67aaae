"""An exclusive, process-wide lock on a data directory (POSIX `flock`).

The kernel drops the lock when its holder dies, even by SIGKILL, so a crash never leaves a stale
lock behind; the holder's pid is written into the file only to make the refusal message useful.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from . import messages
from .errors import StoreLockedError

__all__ = ["DirectoryLock"]


class DirectoryLock:
    """Held from `acquire()` to `release()`; a second holder gets StoreLockedError at once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock without waiting; raises StoreLockedError naming the holder's pid."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            os.close(fd)
            raise StoreLockedError(
                messages.STORE_LOCKED.format(path=self.path.parent, pid=holder or "unknown"),
                path=str(self.path.parent),
                holder_pid=holder,
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _read_pid(fd: int) -> int | None:
    try:
        return int(os.pread(fd, 32, 0).decode().strip() or "x")
    except ValueError:
        return None
