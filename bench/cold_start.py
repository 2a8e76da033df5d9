"""Cold `python -m qa_app ask` on the bundled corpus: wall time and the process's peak RSS.

    python bench/cold_start.py [--store DIR] [--runs 5] [--question "…"]

Without --store, the bundled corpus (corpus/) is ingested once into a temporary store.
Each run is a fresh interpreter, as a user typing the command gets; the median run is
reported beside the slowest and fastest, with what the process imported that the query
path should never need. Numbers only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
QUESTION = "How much money did the council allocate to enable immediate changes in children's services?"
HEAVY = ("torch", "transformers", "sentence_transformers")
# Runs the CLI's main, then reports the modules it loaded (the CLI's own output stays first).
_PROBE = (
    "import sys\nfrom qa_app.__main__ import main\ncode = main(sys.argv[1:])\n"
    f"print('HEAVY=' + ','.join(m for m in {HEAVY!r} if m in sys.modules))\nsys.exit(code)\n"
)


@dataclass(frozen=True)
class ColdRun:
    """One fresh process. CPU time is what wall time would be on an idle machine (a shared
    one inflates wall time with waiting)."""

    wall_s: float
    cpu_s: float
    rss_mb: float
    timings_ms: dict[str, float]
    heavy: str


def _env() -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_WAIT_POLICY": "PASSIVE", "PYTHONPATH": str(REPO)}


def cold_ask(store: Path, question: str) -> ColdRun:
    """`ask --json` in a fresh interpreter, measured from outside."""
    cmd = [sys.executable, "-c", _PROBE, "ask", question, "--store", str(store), "--json"]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"ask failed:\n{out}")
    answer_line, heavy_line = out.strip().splitlines()[-2:]
    timings = json.loads(answer_line).get("timings_ms", {})
    cpu = usage.ru_utime + usage.ru_stime
    return ColdRun(wall, cpu, usage.ru_maxrss / 1024, timings, heavy_line.removeprefix("HEAVY="))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="an existing index (default: ingest corpus/ into a temp folder)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--question", default=QUESTION)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cold-start-") as tmp:
        store = args.store
        if store is None:
            store = Path(tmp) / "index"
            subprocess.run([sys.executable, "-m", "ingest", str(REPO / "corpus"), "--store", str(store), "--json"],
                           cwd=REPO, env=_env(), check=True, capture_output=True)
        runs = [cold_ask(store, args.question) for _ in range(args.runs)]
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}; {args.runs} cold runs of `ask --json`")
    for label, values in (("wall s", [r.wall_s for r in runs]), ("CPU s", [r.cpu_s for r in runs]),
                          ("peak RSS MB", [r.rss_mb for r in runs])):
        print(f"{label:<12} median {statistics.median(values):7.2f}  min {min(values):7.2f}  max {max(values):7.2f}")
    median_run = sorted(runs, key=lambda r: r.wall_s)[len(runs) // 2]
    print(f"median run's stages (ms): {median_run.timings_ms}")
    print(f"heavy modules imported: {sorted({r.heavy for r in runs if r.heavy}) or 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
