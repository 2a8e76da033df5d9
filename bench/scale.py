"""Scale benchmark: ingestion, re-ingestion, query latency and memory, cold `ask`, and
known-item recall at about N paragraphs, beside the LangChain-tutorial baseline.

    python bench/scale.py --motions PATH/motions.jsonl --written PATH/written_questions_mhclg.jsonl \\
        --sizes 20000,100000 [--work DIR] [--questions 200] [--cold-runs 3] [--no-baseline]

Per size it writes papers (`bench/scale_corpus.py`), then, each in its own process
(so RSS figures do not mix): `python -m ingest` (papers/s, chunks/s, peak RSS), the
same again with nothing changed, a warm query process (`QAEngine.ask` p50/p95,
recall@5/@10 of the gold paper in the retriever's top 10, RSS), cold
`python -m qa_app ask --json` runs (median wall time), and the baseline
(`qa_app/eval/baseline.py`: RecursiveCharacterTextSplitter 1000/200, the same model,
Chroma top-k) over the same papers and questions. Numbers only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from scale_corpus import build_corpus  # noqa: E402  (beside this script)


def _env() -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_WAIT_POLICY": "PASSIVE", "PYTHONPATH": str(REPO)}


def run_step(cmd: list[str]) -> tuple[float, str]:
    """Run `cmd` in a fresh process from the repository; return wall seconds and its stdout."""
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, env=_env(), capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd[:4])} … failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return time.perf_counter() - started, proc.stdout


def _last_json(out: str) -> dict[str, Any]:
    return dict(json.loads(out.strip().splitlines()[-1]))


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _cpu_s() -> float:
    """User + system CPU seconds of this process so far (all its threads): on a shared
    machine, what an idle one would need, where wall time also counts the neighbours."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _load() -> float:
    return round(os.getloadavg()[0], 1)


def _questions(path: Path, limit: int, seed: int) -> list[dict[str, str]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return random.Random(seed).sample(rows, min(limit, len(rows)))


def _recall(ranked: list[list[str]], gold: list[str], k: int) -> float:
    return round(sum(g in r[:k] for r, g in zip(ranked, gold, strict=True)) / max(len(gold), 1), 3)


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"p50_ms": round(ordered[len(ordered) // 2], 1), "p95_ms": round(ordered[int(len(ordered) * 0.95)], 1)}


def query_step(store: Path, questions: Path, limit: int, seed: int) -> dict[str, Any]:
    """In this process: open the engine the way `ask` does, warm it, then per question time
    `ask` and rank papers with the retriever."""
    from ingest.config import load_settings
    from qa_app.engine import QAEngine

    rows = _questions(questions, limit, seed)
    t0 = time.perf_counter()
    engine = QAEngine(load_settings(store))
    engine.warm_up()
    warm_s = time.perf_counter() - t0
    engine.ask(rows[0]["question"])
    latencies, cpu, ranked = [], [], []
    for row in rows:
        started, started_cpu = time.perf_counter(), _cpu_s()
        engine.ask(row["question"])
        latencies.append((time.perf_counter() - started) * 1000)
        cpu.append((_cpu_s() - started_cpu) * 1000)
        hits = engine.retriever.retrieve(row["question"], k=10)
        ranked.append([Path(h.path).name for h in hits])
    gold = [row["gold"] for row in rows]
    heavy = sorted(m for m in ("torch", "transformers", "sentence_transformers") if m in sys.modules)
    cpu_pct = {f"cpu_{key}": value for key, value in _percentiles(cpu).items()}
    return {"system": "engine", "warm_up_s": round(warm_s, 2), **_percentiles(latencies), **cpu_pct, "load": _load(),
            "recall@5": _recall(ranked, gold, 5), "recall@10": _recall(ranked, gold, 10),
            "questions": len(rows), "heavy_modules": heavy, "peak_rss_mb": _peak_rss_mb()}


def baseline_step(store: Path, questions: Path, limit: int, seed: int) -> dict[str, Any]:
    """The tutorial RAG over the same papers: index, then time retrieve + top-chunk answer."""
    from ingest.config import load_settings
    from ingest.library import make_embedder, open_store
    from qa_app.eval.baseline import LangChainBaseline

    rows = _questions(questions, limit, seed)
    settings = load_settings(store)
    embedder = make_embedder(settings, lean=True)
    papers = open_store(settings, embedder)
    t0, cpu0 = time.perf_counter(), _cpu_s()
    baseline = LangChainBaseline(papers, embedder)
    index_s, index_cpu = time.perf_counter() - t0, _cpu_s() - cpu0
    latencies, ranked = [], []
    for row in rows:
        started = time.perf_counter()
        chunks = baseline.retrieve(row["question"], k=10)
        baseline.answer(chunks[:4])
        latencies.append((time.perf_counter() - started) * 1000)
        ranked.append([Path(c.doc_id).name for c in chunks])
    gold = [row["gold"] for row in rows]
    count = papers.document_count()
    return {"system": "baseline", "papers": count, "chunks": baseline.chunks, "ingest_s": round(index_s, 1),
            "ingest_cpu_s": round(index_cpu, 1), "load": _load(),
            "papers_per_s": round(count / index_s, 2), "chunks_per_s": round(baseline.chunks / index_s, 2),
            **_percentiles(latencies), "recall@5": _recall(ranked, gold, 5), "recall@10": _recall(ranked, gold, 10),
            "peak_rss_mb": _peak_rss_mb()}


def ingest_step(papers: Path, store: Path) -> dict[str, Any]:
    """`python -m ingest` in this process, with its JSON report and this process's peak RSS."""
    import contextlib
    import io

    from ingest.__main__ import main as ingest_main

    buffer = io.StringIO()
    cpu0 = _cpu_s()
    with contextlib.redirect_stdout(buffer):
        code = ingest_main([str(papers), "--store", str(store), "--json"])
    cpu = _cpu_s() - cpu0
    report = json.loads(buffer.getvalue().strip().splitlines()[-1])
    return {"code": code, "papers": report["documents"], "paragraphs": report["paragraphs"],
            "chunks": report["chunks"], "failed": len(report["failed"]), "seconds": report["seconds"],
            "cpu_s": round(cpu, 1), "load": _load(), "peak_rss_mb": _peak_rss_mb()}


def measure_size(size: int, args: argparse.Namespace) -> dict[str, Any]:
    work = args.work / f"size-{size}"
    built = build_corpus(args.motions, args.written, work, size) if not (work / "questions.jsonl").exists() else None
    papers, store, questions = work / "papers", work / "index", work / "questions.jsonl"
    me = [sys.executable, str(Path(__file__).resolve())]
    row: dict[str, Any] = {"target_paragraphs": size}
    if built:
        row["papers_written"] = built.papers
    first = _last_json(run_step([*me, "_ingest", str(papers), str(store)])[1])
    second = _last_json(run_step([*me, "_ingest", str(papers), str(store)])[1])
    row["ingest"] = {**first, "papers_per_s": round(first["papers"] / first["seconds"], 2),
                     "chunks_per_s": round(first["chunks"] / first["seconds"], 2),
                     "reingest_unchanged_s": second["seconds"]}
    row["engine"] = _last_json(run_step([*me, "_query", str(store), str(questions), str(args.questions),
                                         str(args.seed)])[1])
    question = _questions(questions, 1, args.seed)[0]["question"]
    walls = [run_step([sys.executable, "-m", "qa_app", "ask", question, "--store", str(store), "--json"])[0]
             for _ in range(args.cold_runs)]
    row["cold_ask_s"] = {"median": round(statistics.median(walls), 2), "runs": [round(w, 2) for w in walls]}
    if not args.no_baseline:
        row["baseline"] = _last_json(run_step([*me, "_baseline", str(store), str(questions), str(args.questions),
                                               str(args.seed)])[1])
    return row


def _internal(argv: list[str]) -> int:
    """The measured steps, each run by `measure_size` in a fresh process."""
    step, *rest = argv
    if step == "_ingest":
        result = ingest_step(Path(rest[0]), Path(rest[1]))
    elif step == "_query":
        result = query_step(Path(rest[0]), Path(rest[1]), int(rest[2]), int(rest[3]))
    else:
        result = baseline_step(Path(rest[0]), Path(rest[1]), int(rest[2]), int(rest[3]))
    print(json.dumps(result))
    # Also kept beside the size's papers, so a long run stopped part-way keeps what it measured.
    with (Path(rest[0]).parent / "steps.jsonl").open("a", encoding="utf-8") as log:
        log.write(json.dumps({"step": step, "at": time.strftime("%Y-%m-%dT%H:%M:%S"), **result}) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0].startswith("_"):
        return _internal(argv)
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--motions", type=Path, required=True, help="uk-parl-motions motions.jsonl")
    parser.add_argument("--written", type=Path, required=True, help="written_questions_mhclg.jsonl")
    parser.add_argument("--sizes", default="20000,100000", help="target paragraph counts, comma-separated")
    parser.add_argument("--work", type=Path, default=REPO / ".bench-scale", help="where papers and stores go")
    parser.add_argument("--questions", type=int, default=200, help="known-item questions asked per size")
    parser.add_argument("--cold-runs", type=int, default=3, help="cold `ask` runs per size (median reported)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--no-baseline", action="store_true", help="skip the LangChain-tutorial baseline")
    parser.add_argument("--out", type=Path, help="also write the results as JSON here")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    print(f"{os.cpu_count()} CPUs; sizes {sizes}; {args.questions} questions per size", flush=True)
    results = []
    for size in sizes:
        row = measure_size(size, args)
        results.append(row)
        print(json.dumps(row), flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
