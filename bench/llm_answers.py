"""Benchmark the LLM answer mode: speed of the chat model and what citation
verification keeps.

    python bench/llm_answers.py QUESTIONS.jsonl [--llm SPEC] [--limit N] [--k K] [--max-tokens T] [--store DIR]

QUESTIONS.jsonl has one `{"question": ...}` object per line (the council dev set
format). Without --store the bundled corpus is ingested into a temporary folder.
For each question: hybrid retrieval (top K), then the answerer's stream; reports
time to first token, generation time, tokens/s (llama.cpp and most servers
stream one token per chunk), sentences written, kept and dropped by
verification, and whether the extractive fallback answered instead.
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
from qa_app.answerers.llm import LLMAnswerer  # noqa: E402
from qa_app.answerers.verify import split_answer  # noqa: E402
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
    parser.add_argument("--json", action="store_true", help="print one JSON object per question")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    questions = [json.loads(line)["question"] for line in args.questions.read_text().splitlines() if line.strip()]
    questions = questions[: args.limit]
    settings = Settings(_env_file=None)
    embedder = make_embedder(settings)
    embedder.warm_up()
    with tempfile.TemporaryDirectory() as tmp:
        store_dir = args.store or Path(tmp) / "index"
        store = open_store(settings.model_copy(update={"store_dir": store_dir, "chroma_host": None}), embedder)
        if args.store is None:
            run([REPO / "corpus"], store, embedder, max_bytes=settings.max_file_bytes)
        retriever = HybridRetriever(store, embedder)
        answerer = LLMAnswerer(args.llm, fallback=ExtractiveAnswerer(embedder), base_url=args.base_url,
                               model_options={"max_tokens": args.max_tokens})
        t0 = time.perf_counter()
        answerer.warm_up()
        load_s = time.perf_counter() - t0
        rows = [measure(answerer, retriever, q, args.k) for q in questions]
        store.close()
    for row in rows:
        if args.json:
            print(json.dumps(row))
        else:
            print(f"{row['first_token_ms']:7.0f} ms first token  {row['generate_ms']:7.0f} ms  "
                  f"{row['tokens']:4d} tok  {row['tokens_per_s']:5.1f} tok/s  "
                  f"sentences {row['sentences']} kept {row['kept']} dropped {row['dropped']}  "
                  f"{'FALLBACK' if row['fallback'] else 'llm'}  {row['question'][:60]}")
    print(f"\nmodel {args.llm}: load {load_s:.1f} s; {len(rows)} questions, k={args.k}, max_tokens={args.max_tokens}")
    print(f"median first token {statistics.median(r['first_token_ms'] for r in rows):.0f} ms, "
          f"median answer latency {statistics.median(r['total_ms'] for r in rows):.0f} ms, "
          f"median {statistics.median(r['tokens_per_s'] for r in rows):.1f} tok/s")
    written = sum(r["sentences"] for r in rows)
    kept = sum(r["kept"] for r in rows)
    print(f"sentences written {written}, kept {kept}, dropped {written - kept}; "
          f"fallback answered {sum(r['fallback'] for r in rows)}/{len(rows)}")
    return 0


def measure(answerer: LLMAnswerer, retriever: HybridRetriever, question: str, k: int) -> dict[str, Any]:
    retrieved = retriever.retrieve(question, k=k)
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
        "notice": final.notice,
    }


if __name__ == "__main__":
    raise SystemExit(main())
