"""What one sign-in costs with the default argon2 parameters, and whether an
unknown name costs the same as a wrong password (it must, or timing tells an
attacker which names exist).

    python bench/signin_cost.py [--rounds N]

Uses a throwaway accounts file in a temporary folder; attempts are interleaved
round by round and the median of each kind is reported. Retry slowing is
switched off here so only the hashing is timed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from qa_app.accounts import Accounts  # noqa: E402
from qa_app.throttle import Throttle  # noqa: E402

PASSWORD = "correct horse battery staple"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="attempts of each kind (default 15)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        accounts = Accounts(Path(folder) / "accounts.json", throttle=Throttle(free=10**9))
        accounts.add("alice", PASSWORD, ["cabinet"])
        kinds: dict[str, Callable[[], object]] = {
            "right password": lambda: accounts.verify("alice", PASSWORD, client="bench"),
            "wrong password": lambda: accounts.verify("alice", "wrong guess 123", client="bench"),
            "unknown name": lambda: accounts.verify("nobody", "wrong guess 123", client="bench"),
            "hash a new password": lambda: accounts.hasher.hash(PASSWORD),
        }
        kinds["unknown name"]()  # builds the dummy hash once, as the first unknown name in a run would
        times: dict[str, list[float]] = {kind: [] for kind in kinds}
        for _ in range(args.rounds):
            for kind, attempt in kinds.items():
                start = time.perf_counter()
                attempt()
                times[kind].append((time.perf_counter() - start) * 1000)
        params = accounts.require("alice").password_hash.split("$")[3]
    print(f"argon2id {params}, {args.rounds} rounds, median ms:")
    print("| attempt | median ms | min ms | max ms |")
    print("|---|---|---|---|")
    for kind, values in times.items():
        print(f"| {kind} | {statistics.median(values):.1f} | {min(values):.1f} | {max(values):.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
