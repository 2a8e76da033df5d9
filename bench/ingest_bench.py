"""Ingestion throughput: papers/s, chunks/s, embedding passages/s, the time to
re-ingest with nothing changed, and peak RSS, for one or more embedding
backends, or batch sizes, side by side on the same folder (each in its own
process, so RSS and model loads do not mix; `--rounds` alternates them again, as
this shared machine's load drifts).

    python bench/ingest_bench.py PATH [--backend torch --backend onnx-int8] [--batch-size 16 --batch-size 1]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def measure(path: Path, backend: str, batch_size: int | None) -> dict[str, float | int | str | None]:
    """One backend and batch size (None: the setting's default), one fresh store:
    a full ingestion, then an unchanged re-run."""
    from ingest.config import Settings
    from ingest.library import make_embedder, open_store
    from ingest.pipeline import run

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, store_dir=Path(tmp), embed_backend=backend)
        if batch_size is not None:
            settings = settings.model_copy(update={"embed_batch_size": batch_size})
        embedder = make_embedder(settings)
        started = time.perf_counter()
        embedder.warm_up()
        load_s = time.perf_counter() - started
        store = open_store(settings, embedder)
        embed_s = 0.0
        original = embedder.embed_documents

        def timed(texts):  # type: ignore[no-untyped-def]
            nonlocal embed_s
            t0 = time.perf_counter()
            out = original(texts)
            embed_s += time.perf_counter() - t0
            return out

        embedder.embed_documents = timed  # type: ignore[method-assign]
        first = run([path], store, embedder, max_bytes=settings.max_file_bytes)
        second = run([path], store, embedder, max_bytes=settings.max_file_bytes)
        papers = len(first.added)
        return {
            "backend": backend,
            "batch_size": batch_size,
            "papers": papers,
            "failed": len(first.failed),
            "paragraphs": first.paragraphs,
            "chunks": first.chunks,
            "model_load_s": round(load_s, 2),
            "ingest_s": round(first.seconds, 2),
            "papers_per_s": round(papers / first.seconds, 2),
            "chunks_per_s": round(first.chunks / first.seconds, 2),
            "embed_passages_per_s": round(first.embedded_chunks / embed_s, 2) if embed_s else 0.0,
            "reingest_unchanged_s": round(second.seconds, 3),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark ingestion of a folder of papers.")
    parser.add_argument("path", type=Path, help="folder of papers")
    parser.add_argument("--backend", action="append", help="embedding backend(s); default: torch and onnx-int8")
    parser.add_argument("--batch-size", type=int, action="append",
                        help="passages per embedding call, each compared (default: the setting's)")
    parser.add_argument("--rounds", type=int, default=1, help="times the whole comparison is repeated")
    parser.add_argument("--single", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.single:
        size = args.batch_size[0] if args.batch_size else None
        print(json.dumps(measure(args.path, args.backend[0], size)))
        return
    backends = args.backend or ["torch", "onnx-int8"]
    sizes: list[int | None] = list(args.batch_size or [None])
    rows = []
    for _ in range(args.rounds):
        for backend in backends:
            for size in sizes:
                command = [sys.executable, __file__, str(args.path), "--backend", backend, "--single"]
                command += ["--batch-size", str(size)] if size is not None else []
                out = subprocess.run(command, check=True, capture_output=True, text=True)
                rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    keys = list(rows[0])
    print(" | ".join(keys))
    for row in rows:
        print(" | ".join(str(row[k]) for k in keys))


if __name__ == "__main__":
    main()
