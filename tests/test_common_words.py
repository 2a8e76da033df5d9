"""The common-word list: counted from text, and what it holds."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from common_words import main  # noqa: E402

from qa_app.models import COMMON_WORDS_PATH  # noqa: E402


def test_words_mostly_written_in_lower_case_are_common(tmp_path: Path) -> None:
    rows = [{"text": "The council approved the payments. Payments were late, said Smith, and Smith paid."}] * 5
    source = tmp_path / "text.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in rows))
    out = tmp_path / "common.txt"
    assert main([str(source), "--out", str(out)]) == 0
    words = out.read_text().split()
    assert "payments" in words and "council" in words, "a capital at a sentence's start does not count"
    assert "smith" not in words


def test_the_shipped_list_knows_headings_words_and_not_surnames() -> None:
    words = set(COMMON_WORDS_PATH.read_text(encoding="utf-8").split())
    assert {"cheque", "payments", "approval", "planning"} <= words
    assert not {"smith", "shapps", "sally", "john"} & words
