"""Benchmark the embedding backends side by side: torch fp32, ONNX fp32, ONNX int8, and the
lean embedder (the same int8 file on onnxruntime + tokenizers, without sentence-transformers),
the lean one both with ONNX Runtime's default threading and as ingestion now runs it.

    python bench/embed_backends.py [--passages N] [--repeat R] [--batch-size B] [--words W]
        [--only LABEL,...] [FILE ...]

Passages come from the given text files, else from corpus/*.txt: paragraphs packed
greedily up to ~--words words (`--words 0`: one passage per paragraph, as ingestion
chunks them), cycled to N passages, so every run and every backend embeds the same
inputs. The sentence-transformers rows and "lean int8, ORT default threads" are fed
in arrival-order slices of 32, as ingestion used to call them; "lean int8, as
ingestion now" gets the whole list (longest first, batches side by side, one
quiet ONNX Runtime thread each). CPU seconds per 1,000 passages are reported beside
passages/s, since on a shared machine wall time mostly measures the neighbours.
Rounds are interleaved (backend order rotates each round) so drift hits all backends
alike; the median round is reported, with the mean cosine of each row's vectors to the
first row's.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from ingest.model import default_model_cache, packaged_model_path  # noqa: E402
from ingest.onnx_embedder import OnnxEmbedder  # noqa: E402
from ingest.onnx_export import detect_quant_config, ensure_onnx_model  # noqa: E402

Encode = Callable[[list[str]], np.ndarray]


def build_passages(files: Sequence[Path], count: int, max_words: int) -> list[str]:
    """Pack paragraphs of `files` into passages of at most ~`max_words` words, cycled to `count`."""
    passages: list[str] = []
    for path in sorted(files):
        text = path.read_text(encoding="utf-8", errors="replace")
        current: list[str] = []
        for para in re.split(r"\n\s*\n", text):
            words = para.split()
            if not words:
                continue
            if not max_words:
                passages.append(" ".join(words))
                continue
            if current and len(current) + len(words) > max_words:
                passages.append(" ".join(current))
                current = []
            current.extend(words)
            while max_words and len(current) > max_words:
                passages.append(" ".join(current[:max_words]))
                current = current[max_words:]
        if current:
            passages.append(" ".join(current))
    if not passages:
        raise SystemExit("no text found: pass .txt files or add corpus/*.txt")
    return [passages[i % len(passages)] for i in range(count)]


OLD_STEP = 32
"""Passages per embedding call in ingestion before passages were sorted across a batch."""


def in_slices(encode: Encode) -> Encode:
    """Call `encode` on arrival-order slices, as ingestion used to."""
    return lambda texts: np.concatenate([encode(texts[i : i + OLD_STEP]) for i in range(0, len(texts), OLD_STEP)])


def ort_defaults(cache_dir: Path, batch_size: int) -> Encode:
    """The lean embedder on a session with ONNX Runtime's default threading (a
    thread per core, spin-waiting between calls), one batch at a time."""
    import onnxruntime

    lean = OnnxEmbedder("onnx-int8", cache_dir=cache_dir, batch_size=batch_size, threads=1)
    parts = lean._parts
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    session = onnxruntime.InferenceSession(parts.session._model_path, sess_options=options,
                                           providers=["CPUExecutionProvider"])
    lean._loaded._value = replace(parts, session=session)
    return in_slices(lean.embed_documents)


def load_backends(cache_dir: Path, batch_size: int, only: list[str]) -> dict[str, Encode]:
    """Load the backends once; each returns unit-length float32 vectors."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    quant = detect_quant_config()
    wanted = [label for label in ALL_LABELS if not only or any(o in label for o in only)]
    models = {}
    if "torch fp32" in wanted:
        models["torch fp32"] = SentenceTransformer(str(packaged_model_path()), device="cpu")
    for label, quantize in (("onnx fp32", False), ("onnx int8", quant)):
        if label not in wanted:
            continue
        folder, file_name = ensure_onnx_model(cache_dir, quantize=quantize)
        models[label] = SentenceTransformer(
            str(folder), backend="onnx", device="cpu", model_kwargs={"file_name": file_name}
        )

    def encoder(model: SentenceTransformer) -> Encode:
        def encode(texts: list[str]) -> np.ndarray:
            vectors = model.encode(
                texts,
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            return np.asarray(vectors, dtype=np.float32)

        return in_slices(encode)

    backends = {label: encoder(model) for label, model in models.items()}
    if "lean int8, ORT default threads" in wanted:
        backends["lean int8, ORT default threads"] = ort_defaults(cache_dir, batch_size)
    if "lean int8, as ingestion now" in wanted:
        backends["lean int8, as ingestion now"] = OnnxEmbedder("onnx-int8", cache_dir=cache_dir).embed_documents
    return backends


ALL_LABELS = ("torch fp32", "onnx fp32", "onnx int8", "lean int8, ORT default threads", "lean int8, as ingestion now")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="text files (default: corpus/*.txt)")
    parser.add_argument("--passages", type=int, default=256, help="passages per round")
    parser.add_argument("--repeat", type=int, default=5, help="timed rounds per backend")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--words", type=int, default=150, help="max words per passage")
    parser.add_argument("--cache-dir", type=Path, default=None, help="ONNX export cache")
    parser.add_argument("--only", default="", help="comma-separated parts of the row labels to run")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    files = list(args.files) or sorted((REPO / "corpus").glob("*.txt"))
    passages = build_passages(files, args.passages, args.words)
    mean_words = statistics.mean(len(p.split()) for p in passages)
    print(
        f"{len(passages)} passages (mean {mean_words:.0f} words) from {len(files)} file(s); "
        f"batch {args.batch_size}; {args.repeat} interleaved rounds; "
        f"{os.cpu_count()} CPUs; int8 config {detect_quant_config()}"
    )

    only = [o.strip() for o in args.only.split(",") if o.strip()]
    backends = load_backends(args.cache_dir or default_model_cache(), args.batch_size, only)
    labels = list(backends)
    vectors = {label: encode(passages) for label, encode in backends.items()}  # also warms up

    rates: dict[str, list[float]] = {label: [] for label in labels}
    cpu: dict[str, list[float]] = {label: [] for label in labels}
    for round_no in range(args.repeat):
        shift = round_no % len(labels)
        for label in labels[shift:] + labels[:shift]:
            start, started_cpu = time.perf_counter(), time.process_time()
            backends[label](passages)
            rates[label].append(len(passages) / (time.perf_counter() - start))
            cpu[label].append((time.process_time() - started_cpu) * 1000 / len(passages))

    base_label = labels[0]
    base_rate = statistics.median(rates[base_label])
    print(
        f"\n{'backend':<32} {'passages/s':>11} {'min':>8} {'max':>8} {'speed-up':>9} "
        f"{'CPU s/1k':>9} {'cos vs ' + base_label:>20}"
    )
    for label in labels:
        median = statistics.median(rates[label])
        cosine = float(np.mean(np.sum(vectors[label] * vectors[base_label], axis=1)))
        print(
            f"{label:<32} {median:>11.1f} {min(rates[label]):>8.1f} {max(rates[label]):>8.1f} "
            f"{median / base_rate:>8.2f}x {statistics.median(cpu[label]):>9.2f} {cosine:>20.4f}"
        )
    print(f"load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
