"""Run a question set through the engine (and optionally the LangChain baseline)
in one process, and report every metric side by side."""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.chunk import chunking_signature
from ingest.config import load_settings
from ingest.errors import ConfigError
from ingest.library import make_embedder, open_store
from qa_app.engine import QAEngine
from qa_app.eval.breakdown import by_kind, chars_returned, gold_recall_equal_chars, shown_hits
from qa_app.eval.corpus_store import build_store, paragraph_ids
from qa_app.eval.datasets import EvalQuestion, load, sample, split_half
from qa_app.eval.metrics import (
    CitedQuote,
    CurvePoint,
    Hit,
    QuestionResult,
    abstention_curve,
    gold_recall_at,
    summarise,
)
from qa_app.types import Answer, RetrievedParagraph

logger = logging.getLogger(__name__)

CURVE = [round(0.02 * i, 2) for i in range(0, 41)]
NEVER_ABSTAIN = -1e9
HALVES = ("tune", "held")


@dataclass
class EvalOptions:
    path: Path
    fmt: str = "council"
    store: Path | None = None
    k: int = 10
    limit: int | None = None
    seed: int = 13
    baseline: bool = False
    work_dir: Path | None = None
    details: Path | None = None
    threshold: float | None = None
    calibrate: bool = False
    split: Path | None = None
    half: str | None = None


@dataclass
class EvalReport:
    name: str
    k: int
    system: dict[str, Any]
    baseline: dict[str, Any] | None = None
    curve: list[CurvePoint] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    kinds: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"set": self.name, "k": self.k, "system": self.system, "notes": self.notes}
        if self.baseline is not None:
            data["baseline"] = self.baseline
        if self.curve:
            data["abstention_curve"] = [vars(p) for p in self.curve]
        if self.kinds:
            data["by_kind"] = self.kinds
        return data

    def render(self) -> str:
        """A plain table: metric, engine, baseline."""
        lines = [f"Evaluation of {self.name} (k={self.k})", ""]
        header = f"{'metric':<22}{'engine':>12}" + (f"{'baseline':>12}" if self.baseline is not None else "")
        lines += [header, "-" * len(header)]
        for key, value in self.system.items():
            row = f"{key:<22}{_fmt(value):>12}"
            if self.baseline is not None:
                row += f"{_fmt(self.baseline.get(key)):>12}"
            lines.append(row)
        if self.curve:
            lines += ["", "abstention curve (threshold, abstention, false abstention, accuracy):"]
            lines += [f"  {p.threshold:5.2f}  {_fmt(p.abstention):>6}  {_fmt(p.false_abstention):>6}  "
                      f"{_fmt(p.accuracy):>6}" for p in self.curve]
        if self.kinds:
            columns = list(next(iter(self.kinds.values())))
            lines += ["", "by kind:", f"{'kind':<14}" + "".join(f"{c[:12]:>13}" for c in columns)]
            lines += [f"{kind:<14}" + "".join(f"{_fmt(row.get(c)):>13}" for c in columns)
                      for kind, row in self.kinds.items()]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)


def run_eval(options: EvalOptions) -> EvalReport:
    evalset = load(options.fmt, options.path)
    questions = evalset.questions
    if options.split is not None or options.half is not None:
        if options.split is None or options.half not in HALVES:
            raise ConfigError(f"--split FILE and --half {'|'.join(HALVES)} go together; got {options.half!r}")
        questions = split_half(questions, options.split, options.half)
    questions = sample(questions, options.limit, options.seed)
    if not questions:
        raise ConfigError(f"{options.path}: no questions")
    settings = load_settings(options.store)
    if options.calibrate:
        settings = settings.model_copy(update={"abstain_threshold": NEVER_ABSTAIN})
    elif options.threshold is not None:
        settings = settings.model_copy(update={"abstain_threshold": options.threshold})
    settings = settings.model_copy(update={"llm": None})
    embedder = make_embedder(settings, lean=True)
    embedder.warm_up()
    temp: Path | None = None
    gold_map: dict[tuple[str, int], str] = {}
    if evalset.documents is not None:
        folder = options.work_dir
        if folder is None:
            temp = folder = Path(tempfile.mkdtemp(prefix="qa-eval-"))
        folder.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        store = build_store(evalset.documents, embedder, folder, chunking_signature(embedder.max_tokens))
        logger.info("evaluation store ready in %.1f s", time.perf_counter() - t0)
        gold_map = paragraph_ids(evalset.documents)
    else:
        if not settings.store_dir.exists():
            raise ConfigError(f"no index at {settings.store_dir}; build one with: python -m ingest")
        store = open_store(settings, embedder)
    try:
        engine = QAEngine(settings, embedder=embedder, store=store)
        engine.warm_up()
        results = [_ask(engine, q, options.k, gold_map) for q in questions]
        name = evalset.name if options.half is None else f"{evalset.name} ({options.half} half)"
        report = EvalReport(name=name, k=options.k, system=summarise(results))
        if any(r.kind or r.source for r in results):
            report.kinds = by_kind(results)
        if options.calibrate:
            report.curve = abstention_curve(results, CURVE)
            report.notes.append("calibration run: the engine never abstained; the curve shows each threshold")
        base_results: list[QuestionResult] = []
        if options.baseline:
            from qa_app.eval.baseline import LangChainBaseline

            t0 = time.perf_counter()
            baseline = LangChainBaseline(store, embedder)
            report.notes.append(f"baseline: {baseline.chunks} chunks indexed in {time.perf_counter() - t0:.1f} s; "
                                "its answer is the top chunk and it never abstains")
            base_results = [_ask_baseline(baseline, q, options.k, gold_map) for q in questions]
            report.baseline = summarise(base_results)
            _equal_budget(report.system, report.baseline, results, base_results, options.k)
        if options.details:
            _write_details(options.details, results, base_results)
        return report
    finally:
        store.close()
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)


def _equal_budget(
    system: dict[str, Any], baseline: dict[str, Any], ours: list[QuestionResult], base: list[QuestionResult], k: int
) -> None:
    """Characters each system returns, and our gold-paragraph recall@k when cut
    to the baseline's characters for the same question."""
    budgets = [chars_returned(b.retrieved) for b in base]
    system["chars_returned_mean"] = sum(chars_returned(r.retrieved) for r in ours) / len(ours)
    baseline["chars_returned_mean"] = sum(budgets) / len(budgets)
    if any(r.gold_ids for r in ours):
        system[f"gold_recall@{k}_equal_chars"] = gold_recall_equal_chars(ours, budgets, k)
        baseline[f"gold_recall@{k}_equal_chars"] = gold_recall_at(base, k)


def _gold(q: EvalQuestion, gold_map: dict[tuple[str, int], str]) -> set[str]:
    return {gold_map[g] for g in q.gold if g in gold_map}


def _ask(engine: QAEngine, q: EvalQuestion, k: int, gold_map: dict[tuple[str, int], str]) -> QuestionResult:
    """Retrieve and answer separately so recall sees all k paragraphs even when
    the answer abstains (an abstained `Answer` keeps only the closest few)."""
    t0 = time.perf_counter()
    retrieved = engine.retriever.retrieve(q.question, k=k)
    t1 = time.perf_counter()
    answer = engine.answerer.answer(q.question, retrieved)
    t2 = time.perf_counter()
    return _result(q, retrieved, answer, (t2 - t0) * 1000, (t1 - t0) * 1000, gold_map)


def _result(
    q: EvalQuestion, retrieved: list[RetrievedParagraph], answer: Answer, total_ms: float, retrieval_ms: float,
    gold_map: dict[tuple[str, int], str],
) -> QuestionResult:
    return QuestionResult(
        id=q.id, question=q.question, answerable=q.answerable, answers=q.answers, evidence=q.evidence,
        gold_ids=_gold(q, gold_map), retrieved=shown_hits(retrieved),
        answer=answer.answer, abstained=answer.abstained,
        citations=[CitedQuote(c.source.paragraph.id, c.source.paragraph.text, c.quote, c.quote_start, c.quote_end,
                              c.source.path) for c in answer.citations],
        latency_ms=total_ms, retrieval_ms=retrieval_ms, confidence=answer.confidence, kind=q.kind, source=q.source,
        closest=[_hit(r) for r in answer.retrieved] if answer.abstained else [],
    )


def _hit(r: RetrievedParagraph) -> Hit:
    return Hit(r.paragraph.id, r.paragraph.text, paper=r.path)


def _ask_baseline(baseline: Any, q: EvalQuestion, k: int, gold_map: dict[tuple[str, int], str]) -> QuestionResult:
    t0 = time.perf_counter()
    chunks = baseline.retrieve(q.question, k=k)
    t1 = time.perf_counter()
    text = baseline.answer(chunks)
    return QuestionResult(
        id=q.id, question=q.question, answerable=q.answerable, answers=q.answers, evidence=q.evidence,
        gold_ids=_gold(q, gold_map), kind=q.kind, source=q.source,
        retrieved=[Hit(f"{c.doc_id}@{c.start}", c.text, c.paragraph_ids) for c in chunks],
        answer=text, abstained=False, latency_ms=(time.perf_counter() - t0) * 1000, retrieval_ms=(t1 - t0) * 1000,
    )


def _write_details(path: Path, results: list[QuestionResult], base: list[QuestionResult]) -> None:
    from qa_app.eval.metrics import answer_correct, first_hit_rank, is_hit

    with path.open("w", encoding="utf-8") as out:
        for i, r in enumerate(results):
            row: dict[str, Any] = {
                "id": r.id, "question": r.question, "answerable": r.answerable, "hit_rank": first_hit_rank(r),
                "answer": r.answer, "abstained": r.abstained, "correct": answer_correct(r),
                "confidence": r.confidence, "latency_ms": round(r.latency_ms, 1), "kind": r.kind,
                "cited_papers": [c.paper for c in r.citations],
                "evidence_shown": any(is_hit(r, h) for h in r.closest) if r.abstained else None,
            }
            if base:
                row["baseline_hit_rank"] = first_hit_rank(base[i])
                row["baseline_correct"] = answer_correct(base[i])
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
