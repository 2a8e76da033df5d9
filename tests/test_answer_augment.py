"""Near-miss training questions (`bench/answer_augment.py`): the variants are
unanswerable, name another council or other years, and leave the rest alone."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from answer_augment import council_swapped, foreign_places, near_misses, year_shifted  # noqa: E402

from qa_app.eval.datasets import EvalQuestion  # noqa: E402


def _q(text: str, answerable: bool = True) -> EvalQuestion:
    return EvalQuestion(id="q1", question=text, answerable=answerable, answers=["£800"], evidence=["raised by £800"])


def test_foreign_places_come_from_the_data_and_skip_known_councils(tmp_path: Path) -> None:
    data = tmp_path / "answers.jsonl"
    rows = [{"question": "Will Basildon Borough Council meet it?", "answer_text": "Essex County Council has."},
            {"question": "What did Tintern District Council say?", "n": 3}]
    data.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    assert foreign_places(data, {"Tintern Community Council"}) == ["Basildon", "Essex"]


def test_a_council_swap_names_another_council_and_is_unanswerable() -> None:
    q = _q("By how much did Burton-cum-Walden Parish Council raise its precept in November 2024?")
    swapped = council_swapped(q, ["Basildon"], random.Random(0))
    assert swapped is not None
    assert swapped.question == "By how much did Basildon Parish Council raise its precept in November 2024?"
    assert not swapped.answerable and swapped.answers == [] and swapped.id == "q1~council"
    assert council_swapped(_q("Who chaired the meeting?"), ["Basildon"], random.Random(0)) is None


def test_a_year_shift_moves_every_year_and_financial_year() -> None:
    shifted = year_shifted(_q("What precept was set for 2020-21 at the meeting of 3 March 2020?"), shift=7)
    assert shifted is not None and not shifted.answerable
    assert shifted.question == "What precept was set for 2027-28 at the meeting of 3 March 2027?"
    assert year_shifted(_q("Who chaired the meeting?")) is None


def test_only_answerable_questions_are_varied() -> None:
    qs = [_q("What did Wye Valley Community Council pay in 2023?"),
          _q("What did Tintern Community Council pay in 2019?", answerable=False)]
    out = near_misses(qs, ["Basildon"], seed=1)
    assert [q.id for q in out] == ["q1~council", "q1~year"]
