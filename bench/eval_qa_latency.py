"""Warm latency of retrieval + extractive answering through `QAEngine.ask`.

    python bench/eval_qa_latency.py --store .index --questions tests/fixtures/council_dev.jsonl [--repeats 5]
        [--compare window_chars=2000,3000]

Loads the model and indexes once, asks every question once to warm up, then
times `repeats` rounds and prints p50/p95 of the total and of each stage.
With `--compare NAME=V1,V2,…` (a `FusionConfig` setting), each round asks
every question under each value in turn, so the values are compared in one run.
Numbers only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest.config import load_settings  # noqa: E402
from qa_app.engine import QAEngine  # noqa: E402
from qa_app.eval.metrics import percentile  # noqa: E402
from qa_app.fusion import FusionConfig  # noqa: E402
from qa_app.retrieval import HybridRetriever  # noqa: E402
from qa_app.types import Retriever  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--compare", default=None, help="NAME=V1,V2,…: a FusionConfig setting's values to compare")
    args = parser.parse_args()
    questions = [json.loads(line)["question"] for line in args.questions.read_text().splitlines() if line.strip()]
    engine = QAEngine(load_settings(args.store))
    t0 = time.perf_counter()
    engine.warm_up()
    print(f"warm-up (model + BM25): {(time.perf_counter() - t0) * 1000:.0f} ms")
    name, _, values = (args.compare or "").partition("=")
    sizes: list[float | None] = [float(v) for v in values.split(",")] if values else [None]
    def retriever(value: float | None) -> Retriever:
        if value is None:
            return engine.retriever
        kind = type(getattr(FusionConfig(), name))  # int for window_chars, float for weights
        return HybridRetriever(engine.store, engine.embedder, fusion=replace(FusionConfig(), **{name: kind(value)}))

    retrievers = {size: retriever(size) for size in sizes}
    for size in sizes:
        engine.retriever = retrievers[size]
        for q in questions:
            engine.ask(q)
    stages: dict[tuple[float | None, str], list[float]] = {}
    for _ in range(args.repeats):
        for size in sizes:
            engine.retriever = retrievers[size]
            for q in questions:
                answer = engine.ask(q)
                for stage, ms in answer.timings_ms.items():
                    stages.setdefault((size, stage), []).append(ms)
    for (size, stage), values in stages.items():
        label = stage if size is None else f"{stage} ({name} {size:g})"
        print(f"{label:<24} p50 {percentile(values, 50):7.1f} ms   p95 {percentile(values, 95):7.1f} ms   "
              f"mean {statistics.fmean(values):7.1f} ms   n={len(values)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
