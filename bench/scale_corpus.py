"""Papers for the scale benchmark, written from public data: UK parliamentary motions
and written answers of the local-government department.

Each distinct written answer becomes a paper (its text only, so finding it from the
question is a real retrieval task); each motion becomes a paper. Motions are then
repeated with a different body and date in a heading paragraph (so no two papers are
the same text) until the folder holds about the requested number of paragraphs. The
known-item questions are the written questions; a question's gold paper is the one
holding its answer. Answers are never repeated, so each question has one gold paper.
Only the questions of answers the query adapter was not fitted on are asked
(`written_split.py`); the other answers stay in as papers.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

from written_split import for_fitting

BODIES = ("Full Council", "Cabinet", "Planning Committee", "Overview and Scrutiny Committee",
          "Audit and Governance Committee", "Licensing Committee", "Health and Wellbeing Board")
WRITTEN_BODY = "Ministry of Housing, Communities and Local Government"
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n|\n(?=\S)")


@dataclass(frozen=True)
class Built:
    """What `build_corpus` wrote."""

    folder: Path
    papers: int
    paragraphs: int
    questions: Path
    question_count: int


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in _PARAGRAPH_BREAK.split(text) if p.strip()]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:50] or "paper"


def _write(folder: Path, name: str, title: str, paragraphs: list[str], meta: dict[str, str]) -> int:
    body = "\n\n".join([title, *paragraphs]) + "\n"
    (folder / name).write_text(body, encoding="utf-8")
    (folder / f"{name}.meta.json").write_text(json.dumps({"title": title, **meta}), encoding="utf-8")
    return 1 + len(paragraphs)


def _read_jsonl(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def build_corpus(motions: Path, written: Path, out: Path, target_paragraphs: int, seed: int = 13) -> Built:
    """Write about `target_paragraphs` paragraphs of papers into `out/papers`, and the
    known-item questions (`question`, `gold`: the gold paper's file name) to
    `out/questions.jsonl`. Written answers fill at most half the target."""
    folder = out / "papers"
    folder.mkdir(parents=True, exist_ok=True)
    papers = paragraphs = 0
    by_answer: dict[str, str] = {}
    questions: list[dict[str, str]] = []
    for row in _read_jsonl(written):
        answer, question = str(row.get("answer_text") or "").strip(), str(row.get("question") or "").strip()
        if not answer or not question or row.get("answer_empty"):
            continue
        if answer not in by_answer:
            if paragraphs >= target_paragraphs // 2:
                continue
            month = str(row.get("source_month_file") or "2024-01")
            name = f"written-answer-{row['question_id']}.txt"
            title = f"Written answer {row['question_id']} ({month})"
            paragraphs += _write(folder, name, title, _paragraphs(answer),
                                 {"doc_type": "report", "date": month, "body": WRITTEN_BODY})
            papers += 1
            by_answer[answer] = name
        if not for_fitting(answer):  # the query adapter never saw this answer
            questions.append({"question": question, "gold": by_answer[answer]})

    rows = [r for r in _read_jsonl(motions) if str(r.get("motion_text") or "").strip()]
    rng = random.Random(seed)
    copy = 0
    while paragraphs < target_paragraphs and rows:
        for index, row in enumerate(rows):
            if paragraphs >= target_paragraphs:
                break
            title = str(row.get("motion_title") or "Motion")
            date = str(row["date"])
            body = str(row.get("chamber") or "house-of-commons")
            heading: list[str] = []
            if copy:
                body = rng.choice(BODIES)
                rest = "-02-28" if date[4:10] == "-02-29" else date[4:]
                date = f"{int(date[:4]) + copy:04d}{rest}"
                heading = [f"{body}, meeting of {date}."]
            name = f"motion-{copy:02d}-{index:05d}-{_slug(title)}.txt"
            paragraphs += _write(folder, name, title, heading + _paragraphs(str(row["motion_text"])),
                                 {"doc_type": "motion", "date": date, "body": body})
            papers += 1
        copy += 1

    qpath = out / "questions.jsonl"
    qpath.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in questions), encoding="utf-8")
    return Built(folder, papers, paragraphs, qpath, len(questions))
