"""Slowing repeated failed sign-ins, per user and per client.

After a few free failures each further attempt on that key waits, the delay
doubling up to a cap; a success clears the user's count. Keys are independent,
so guessing many passwords for one user from many clients, or one password for
many users from one client, are both slowed. State is in memory: a restart
forgets it, which only costs an attacker's head start, not a lock-out.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ingest.errors import ConfigError

Clock = Callable[[], float]
Sleeper = Callable[[float], None]


@dataclass
class _Failures:
    count: int = 0
    last: float = 0.0
    not_before: float = 0.0


class Throttle:
    """Exponential backoff keyed by strings such as `user:alice`, `client:10.0.0.5`."""

    def __init__(self, *, free: int = 3, base: float = 1.0, cap: float = 30.0, forget_after: float = 900.0,
                 max_keys: int = 10_000, clock: Clock = time.monotonic, sleep: Sleeper = time.sleep) -> None:
        if free < 0:
            raise ConfigError(f"free failures must be 0 or more; got {free}")
        if base <= 0 or cap < base:
            raise ConfigError(f"backoff needs 0 < base <= cap; got base {base}, cap {cap}")
        if forget_after < cap:
            raise ConfigError(f"forget_after must be at least the cap ({cap}); got {forget_after}")
        if max_keys < 1:
            raise ConfigError(f"max_keys must be at least 1; got {max_keys}")
        self.free, self.base, self.cap, self.forget_after, self.max_keys = free, base, cap, forget_after, max_keys
        self._clock, self._sleep = clock, sleep
        self._state: dict[str, _Failures] = {}
        self._lock = threading.Lock()

    def delay(self, failures: int) -> float:
        """Seconds an attempt waits after `failures` recent failures on a key."""
        if failures < self.free:
            return 0.0
        return min(self.cap, self.base * 2 ** (failures - self.free))

    def failures(self, key: str) -> int:
        with self._lock:
            entry = self._fresh(key, self._clock())
            return entry.count if entry else 0

    def wait(self, keys: Iterable[str]) -> float:
        """Sleep until every key allows another attempt; returns the seconds slept.
        The slot is reserved first, so parallel attempts queue rather than share it."""
        keys = list(keys)
        with self._lock:
            now = self._clock()
            entries = [e for e in (self._fresh(k, now) for k in keys) if e is not None]
            start = max([now, *(e.not_before for e in entries)])
            for entry in entries:
                if entry.count >= self.free:
                    entry.not_before = start + self.delay(entry.count)
        waited = start - now
        if waited > 0:
            self._sleep(waited)
        return waited

    def failed(self, keys: Iterable[str]) -> None:
        """Count one failed attempt against each key."""
        with self._lock:
            now = self._clock()
            self._prune(now)
            for key in keys:
                entry = self._fresh(key, now)
                if entry is None:
                    if len(self._state) >= self.max_keys:  # a flood of made-up names: drop the stalest
                        del self._state[min(self._state, key=lambda k: self._state[k].last)]
                    entry = self._state[key] = _Failures()
                entry.count += 1
                entry.last = now
                entry.not_before = max(entry.not_before, now + self.delay(entry.count))

    def succeeded(self, keys: Iterable[str]) -> None:
        """Forget the failures of `keys` (the user's key: a client's count stays,
        so an attacker cannot clear it by signing in to their own account)."""
        with self._lock:
            for key in keys:
                self._state.pop(key, None)

    def _fresh(self, key: str, now: float) -> _Failures | None:
        entry = self._state.get(key)
        if entry is not None and now - entry.last > self.forget_after and now >= entry.not_before:
            del self._state[key]
            return None
        return entry

    def _prune(self, now: float) -> None:
        stale = [k for k, e in self._state.items() if now - e.last > self.forget_after and now >= e.not_before]
        for key in stale:
            del self._state[key]
