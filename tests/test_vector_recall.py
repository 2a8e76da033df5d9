"""The approximate-search guard (bench/vector_recall.py): which questions it asks,
and that over a real store it compares Chroma's search with the exact ranking."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from vector_recall import main, questions_of  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_a_limit_asks_the_sample_the_scale_benchmark_asks(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    rows = [{"question": f"Question {i}?", "gold": f"p{i}"} for i in range(30)]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    assert questions_of([path], None, 13) == [r["question"] for r in rows]
    assert questions_of([path], 5, 13) == [r["question"] for r in random.Random(13).sample(rows, 5)]
    assert len(questions_of([path, path], 100, 13)) == 60


@pytest.mark.usefixtures("use_session_model")
def test_a_small_library_is_searched_exactly(seed_store_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A few hundred chunks: HNSW at the product's search depth finds the whole true top."""
    questions = FIXTURES / "council_dev.jsonl"
    assert main(["--store", str(seed_store_dir), "--questions", str(questions), "--depth", "20"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["questions"] == 19 and report["depth"] == 20 and report["chunks"] > 20
    assert report["chunks_missed"] == 0 and report["recall"] == 1.0
