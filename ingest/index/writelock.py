"""One writer at a time per index folder, across processes and threads.

Chroma's embedded client is not made for several writing processes, and two
ingestions that plan at once would both embed the same new papers. Every write
to a store (an ingestion run, an Officer-page upload or delete, a repair)
holds this lock: an `flock` on a file in the store folder, released by the
operating system even when the writer is killed. Readers never take it. Where
several machines write, use a Chroma server and a server catalogue instead
(docs/SCALING.md).
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from pathlib import Path
from types import TracebackType

logger = logging.getLogger(__name__)

WRITE_LOCK = ".write.lock"


class WriteLock:
    """A re-entrant exclusive lock on `path`; waits for another writer to finish."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    def __enter__(self) -> WriteLock:
        self._thread_lock.acquire()
        if self._depth == 0:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                logger.warning("another ingestion is writing to %s; waiting for it to finish", self.path.parent)
                fcntl.flock(fd, fcntl.LOCK_EX)
            except BaseException:
                os.close(fd)
                self._thread_lock.release()
                raise
            self._fd = fd
        self._depth += 1
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
        self._thread_lock.release()
