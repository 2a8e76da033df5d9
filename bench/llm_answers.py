"""Benchmark the LLM answer mode: speed of the chat model and what citation
verification keeps.

    python bench/llm_answers.py QUESTIONS.jsonl [--llm SPEC] [--limit N] [--k K] [--max-tokens T] [--store DIR]
        [--window-chars 0,3000] [--context-chars 8000,4000]

QUESTIONS.jsonl has one `{"question": ...}` object per line (the council dev set
format). Without --store the bundled corpus is ingested into a temporary folder.
For each question: hybrid retrieval (top K), then the answerer's stream; reports
time to first token, generation time, tokens/s (llama.cpp and most servers
stream one token per chunk), sentences written, kept and dropped by
verification, whether the extractive fallback answered instead, and, for a
question with `answers`, whether the final answer contains one. With several
`--window-chars` (0: paragraphs alone) or `--context-chars` (what the model
reads) each question is asked under each setting in turn, so the settings are
compared in one run on the same machine.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from ingest.config import Settings  # noqa: E402
from ingest.library import make_embedder, open_store  # noqa: E402
from ingest.pipeline import run  # noqa: E402
from qa_app.answerers.extractive import ExtractiveAnswerer  # noqa: E402
from qa_app.answerers.llm import CONTEXT_CHARS, LLMAnswerer, format_context, reading_context  # noqa: E402
from qa_app.answerers.verify import split_answer  # noqa: E402
from qa_app.eval.metrics import QuestionResult, answer_correct  # noqa: E402
from qa_app.fusion import FusionConfig  # noqa: E402
from qa_app.retrieval import HybridRetriever  # noqa: E402
from qa_app.types import Answer  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("questions", type=Path)
    parser.add_argument("--llm", default="llamacpp:smollm2", help="chat model spec (default: the packaged SmolLM2)")
    parser.add_argument("--base-url", default=None)
    parser.add_argument("--limit", type=int, default=6)
    parser.add_argument("--k", type=int, default=8)
    parser.add_argument("--max-tokens", type=int, default=256)
    parser.add_argument("--store", type=Path, default=None)
    parser.add_argument("--window-chars", default=str(FusionConfig().window_chars),
                        help="comma-separated window sizes to compare (default: the shipped one)")
    parser.add_argument("--context-chars", default=str(CONTEXT_CHARS),
                        help="comma-separated budgets of what the model reads (default: the shipped one)")
    parser.add_argument("--json", action="store_true", help="print one JSON object per question")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    rows_in = [json.loads(line) for line in args.questions.read_text().splitlines() if line.strip()]
    questions = [(str(r["question"]), [str(a) for a in r.get("answers") or []]) for r in rows_in][: args.limit]
    settings_grid = [(int(w), int(c)) for w in args.window_chars.split(",") for c in args.context_chars.split(",")]
    settings = Settings(_env_file=None)
    embedder = make_embedder(settings)
    embedder.warm_up()
    with tempfile.TemporaryDirectory() as tmp:
        store_dir = args.store or Path(tmp) / "index"
        store = open_store(settings.model_copy(update={"store_dir": store_dir, "chroma_host": None}), embedder)
        if args.store is None:
            run([REPO / "corpus"], store, embedder, max_bytes=settings.max_file_bytes)
        retrievers = {w: HybridRetriever(store, embedder, fusion=FusionConfig(window_chars=w))
                      for w, _ in settings_grid}
        answerer = LLMAnswerer(args.llm, fallback=ExtractiveAnswerer(embedder), base_url=args.base_url,
                               model_options={"max_tokens": args.max_tokens})
        t0 = time.perf_counter()
        answerer.warm_up()
        load_s = time.perf_counter() - t0
        rows = []
        for q, answers in questions:
            for window, budget in settings_grid:
                answerer.context_chars = budget
                _forget_prompt(answerer)
                rows.append({**measure(answerer, retrievers[window], q, args.k, answers),
                             "window_chars": window, "context_chars_budget": budget})
        store.close()
    for row in rows:
        if args.json:
            print(json.dumps(row))
        else:
            print(f"{row['first_token_ms']:7.0f} ms first token  {row['generate_ms']:7.0f} ms  "
                  f"{row['tokens']:4d} tok  {row['tokens_per_s']:5.1f} tok/s  "
                  f"sentences {row['sentences']} kept {row['kept']} dropped {row['dropped']}  "
                  f"{'FALLBACK' if row['fallback'] else 'llm'}  window {row['window_chars']} "
                  f"budget {row['context_chars_budget']}  "
                  f"{row['question'][:60]}")
    print(f"\nmodel {args.llm}: load {load_s:.1f} s; {len(questions)} questions, k={args.k}, "
          f"max_tokens={args.max_tokens}")
    for window, budget in settings_grid:
        summarise(f"window {window}, budget {budget}",
                  [r for r in rows if (r["window_chars"], r["context_chars_budget"]) == (window, budget)])
    return 0


def _forget_prompt(answerer: LLMAnswerer) -> None:
    """llama.cpp reuses the part of the last prompt the next one starts with,
    which would let a setting ride on the one asked before it; reset it so each
    pays for its whole prompt. Other providers keep no such state here."""
    reset = getattr(getattr(answerer.chat_model, "client", None), "reset", None)
    if callable(reset):
        reset()


def summarise(label: str, rows: list[dict[str, Any]]) -> None:
    judged = [r for r in rows if r["correct"] is not None]
    print(f"{label}: median prompt {statistics.median(r['context_chars'] for r in rows):.0f} characters, "
          f"first token {statistics.median(r['first_token_ms'] for r in rows):.0f} ms, "
          f"answer latency {statistics.median(r['total_ms'] for r in rows):.0f} ms, "
          f"{statistics.median(r['tokens_per_s'] for r in rows):.1f} tok/s")
    written = sum(r["sentences"] for r in rows)
    kept = sum(r["kept"] for r in rows)
    print(f"  sentences written {written}, kept {kept}, dropped {written - kept}; "
          f"fallback answered {sum(r['fallback'] for r in rows)}/{len(rows)}; "
          f"answer contains a gold answer {sum(bool(r['correct']) for r in judged)}/{len(judged)}")


def measure(
    answerer: LLMAnswerer, retriever: HybridRetriever, question: str, k: int, answers: list[str] | None = None
) -> dict[str, Any]:
    """One question: timings, what verification kept, and (given `answers`)
    whether the final answer contains one, as `eval` judges it."""
    retrieved = retriever.retrieve(question, k=k)
    context_chars = len(format_context(reading_context(retrieved, answerer.context_chars)))
    started = time.perf_counter()
    first: float | None = None
    pieces: list[str] = []
    final: Answer | None = None
    for item in answerer.stream(question, retrieved):
        if isinstance(item, Answer):
            final = item
        else:
            first = first or time.perf_counter()
            pieces.append(item)
    total = time.perf_counter() - started
    assert final is not None
    draft = "".join(pieces)
    generate_s = final.timings_ms.get("generate", total * 1000) / 1000
    decode_s = max(generate_s - ((first or started) - started), 1e-9)
    sentences = len(split_answer(draft))
    fallback = not final.mode.startswith("llm:")
    kept = 0 if fallback else len(split_answer(final.answer))
    return {
        "question": question, "first_token_ms": ((first or started) - started) * 1000,
        "generate_ms": generate_s * 1000, "total_ms": total * 1000, "tokens": len(pieces),
        "tokens_per_s": max(len(pieces) - 1, 0) / decode_s, "sentences": sentences, "kept": kept,
        "dropped": sentences - kept, "fallback": fallback, "draft": draft, "answer": final.answer,
        "notice": final.notice, "context_chars": context_chars,
        "correct": answer_correct(QuestionResult(id=question, question=question, answerable=True, answers=answers,
                                                 answer=final.answer, abstained=final.abstained))
        if answers else None,
    }


if __name__ == "__main__":
    raise SystemExit(main())
