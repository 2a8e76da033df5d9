"""The reading benchmark (bench/realcorpus_ingest.py): a check set's evidence is
looked for beside the development questions', and a passage the reader cuts in
two is reported as split."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from realcorpus_ingest import main  # noqa: E402

PAPER = """Minutes of the Parish Council meeting held on 12 February 2025

Item 1. Village hall

The council agreed to repaint the village hall in the spring.

Item 2. Post box

Councillors reported that the post box on Crow Road is mended.
"""


def _corpus(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "realcorpus"
    (root / "papers").mkdir(parents=True)
    (root / "papers" / "minutes.txt").write_text(PAPER)
    gold = {"file": "minutes.txt", "council": "Wye Parish Council", "body": "Parish Council",
            "doc_type": "minutes", "date": "2025-02-12", "title": "Minutes, 12 February 2025"}
    (root / "gold_metadata.jsonl").write_text(json.dumps(gold) + "\n")
    own = {"id": "q1", "question": "What did the council agree about the village hall?", "source": "minutes.txt",
           "evidence": "agreed to repaint the village hall"}
    (root / "questions.jsonl").write_text(json.dumps(own) + "\n")
    split = tmp_path / "split.json"
    split.write_text(json.dumps({"tune_papers": ["minutes.txt"], "held_papers": []}))
    return root, split


def test_a_check_sets_evidence_is_counted_and_a_cut_passage_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, split = _corpus(tmp_path)
    check = tmp_path / "check.jsonl"
    across = "repaint the village hall in the spring. Item 2. Post box"
    row = {"id": "c1", "question": "When will the hall be repainted?", "source": "minutes.txt", "evidence": across}
    check.write_text(json.dumps(row) + "\n")
    assert main([str(root), "--split", str(split)]) == 0
    alone = capsys.readouterr()
    assert "evidence inside one paragraph        | 1.00 (1/1)" in alone.out
    assert main([str(root), "--split", str(split), "--questions", str(check)]) == 0
    both = capsys.readouterr()
    assert "evidence inside one paragraph        | 0.50 (1/2)" in both.out
    assert "evidence split across paragraphs     | 0.50 (1/2)" in both.out
    assert "c1 minutes.txt" in both.err
