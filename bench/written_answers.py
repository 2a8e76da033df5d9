"""Known-item retrieval on written answers, beside the LangChain-tutorial baseline.

    python bench/written_answers.py --written PATH/written_questions_mhclg.jsonl --work DIR \\
        [--answers 3000] [--questions 300] [--seed 13] [--half tune|held|all] [--out FILE]

Writes `--answers` distinct written answers of the local-government department as
papers (text only, `bench/scale_corpus.py`'s writer), ingests them with the
product's pipeline (`python -m ingest`, incremental, so a second run reuses the
index), asks `--questions` of their written questions (seeded sample) through the
engine's retriever (only questions whose answers the query adapter was not
fitted on: `written_split.py`), and runs the baseline (`qa_app/eval/baseline.py`) on the same
papers and questions in the same process. A question's gold paper is the one
holding its own answer. The questions are split in two seeded halves: tune on
`tune`, report `held`. Prints paper recall@1/@5/@10 and MRR for both systems.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from scale_corpus import WRITTEN_BODY, _paragraphs, _read_jsonl, _write  # noqa: E402  (beside this script)
from written_split import for_fitting  # noqa: E402

HALVES = ("tune", "held", "all")


def build_papers(written: Path, out: Path, answers: int, questions: int, seed: int) -> Path:
    """Write `answers` distinct answers (seeded sample) into `out/papers` and
    `questions` of their questions to `out/questions.jsonl` (with `gold`, the
    paper's file name, and `half`). Skipped when the questions file exists."""
    qpath = out / "questions.jsonl"
    if qpath.exists():
        return qpath
    rows = [r for r in _read_jsonl(written)
            if str(r.get("answer_text") or "").strip() and str(r.get("question") or "").strip()
            and not r.get("answer_empty")]
    by_answer: dict[str, dict[str, Any]] = {}
    for row in rows:
        by_answer.setdefault(str(row["answer_text"]).strip(), row)
    rng = random.Random(seed)
    chosen = rng.sample(sorted(by_answer), min(answers, len(by_answer)))
    folder = out / "papers"
    folder.mkdir(parents=True, exist_ok=True)
    names: dict[str, str] = {}
    for answer in chosen:
        row = by_answer[answer]
        month = str(row.get("source_month_file") or "2024-01")
        name = f"written-answer-{row['question_id']}.txt"
        _write(folder, name, f"Written answer {row['question_id']} ({month})", _paragraphs(answer),
               {"doc_type": "report", "date": month, "body": WRITTEN_BODY})
        names[answer] = name
    asked = [{"id": str(r["question_id"]), "question": str(r["question"]).strip(),
              "gold": names[str(r["answer_text"]).strip()]}
             for r in rows if str(r["answer_text"]).strip() in names and not for_fitting(str(r["answer_text"]))]
    asked = rng.sample(asked, min(questions, len(asked)))
    for i, q in enumerate(asked):
        q["half"] = HALVES[i % 2]
    qpath.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in asked), encoding="utf-8")
    return qpath


def ingest(papers: Path, store: Path) -> dict[str, Any]:
    """`python -m ingest` in a child process (incremental: unchanged papers are skipped)."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_WAIT_POLICY": "PASSIVE", "PYTHONPATH": str(REPO)}
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "ingest", str(papers), "--store", str(store), "--json"],
                          cwd=REPO, env=env, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"ingest failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"papers": report["documents"], "paragraphs": report["paragraphs"], "chunks": report["chunks"],
            "seconds": round(time.perf_counter() - t0, 1)}


def paper_ranks(ranked: list[list[str]], gold: list[str]) -> list[int | None]:
    """1-based rank of the gold paper among each question's distinct papers, or None."""
    out: list[int | None] = []
    for papers, g in zip(ranked, gold, strict=True):
        distinct = list(dict.fromkeys(papers))
        out.append(distinct.index(g) + 1 if g in distinct else None)
    return out


def summary(ranks: list[int | None]) -> dict[str, float]:
    n = max(len(ranks), 1)
    row = {f"recall@{k}": round(sum(1 for r in ranks if r is not None and r <= k) / n, 3) for k in (1, 5, 10)}
    row["mrr"] = round(sum(1 / r for r in ranks if r is not None) / n, 3)
    return row


def measure(store: Path, qpath: Path, half: str, k: int = 10) -> dict[str, Any]:
    """Engine retriever and baseline over the same store and questions, in this
    process; figures for each half of the questions asked and for all of them."""
    from ingest.config import load_settings
    from ingest.library import make_embedder, open_store
    from qa_app.engine import QAEngine
    from qa_app.eval.baseline import LangChainBaseline

    rows = [json.loads(line) for line in qpath.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if half == "all" or r["half"] == half]
    gold = [r["gold"] for r in rows]
    settings = load_settings(store)
    embedder = make_embedder(settings, lean=True)
    papers = open_store(settings, embedder)
    engine = QAEngine(settings, embedder=embedder, store=papers)
    engine.warm_up()
    ours = [[Path(h.path).name for h in engine.retriever.retrieve(r["question"], k=k)] for r in rows]
    baseline = LangChainBaseline(papers, embedder)
    theirs = [[Path(c.doc_id).name for c in baseline.retrieve(r["question"], k=k)] for r in rows]
    ranks = {"engine": paper_ranks(ours, gold), "baseline": paper_ranks(theirs, gold)}
    out: dict[str, Any] = {}
    for part in ("tune", "held", "all"):
        keep = [i for i, r in enumerate(rows) if part == "all" or r["half"] == part]
        if keep:
            out[part] = {"questions": len(keep), **{name: summary([system[i] for i in keep])
                                                     for name, system in ranks.items()}}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--written", type=Path, required=True, help="written_questions_mhclg.jsonl")
    parser.add_argument("--work", type=Path, required=True, help="where papers, questions and the index go")
    parser.add_argument("--answers", type=int, default=3000)
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--half", choices=HALVES, default="all")
    parser.add_argument("--skip-ingest", action="store_true", help="use the index in --work as it is")
    parser.add_argument("--out", type=Path, help="also write the results as JSON here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    qpath = build_papers(args.written, args.work, args.answers, args.questions, args.seed)
    result: dict[str, Any] = {}
    if not args.skip_ingest:
        result["ingest"] = ingest(args.work / "papers", args.work / "index")
        print(json.dumps(result["ingest"]), flush=True)
    result.update(measure(args.work / "index", qpath, args.half))
    print(json.dumps(result), flush=True)
    if args.out:
        args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
