"""Thumbs up/down on answers, kept in `feedback.jsonl` next to the index so
officers can review weak answers without any server.

Append-only JSON lines: one record per click; the latest record for an answer
wins when reading (a councillor may change their mind).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ingest.errors import CouncilPapersError
from qa_app.types import Answer

logger = logging.getLogger(__name__)

FILENAME = "feedback.jsonl"
RATINGS = ("up", "down")


class FeedbackError(CouncilPapersError):
    """Feedback could not be recorded or read."""


@dataclass(frozen=True)
class FeedbackRecord:
    """One rating of one answer, with enough context to judge it later."""

    answer_id: str
    rating: str
    question: str
    answer: str
    abstained: bool
    mode: str
    citations: list[dict[str, object]] = field(default_factory=list)
    timestamp: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        if self.rating not in RATINGS:
            raise FeedbackError(f"rating must be one of {', '.join(RATINGS)}; got {self.rating!r}")
        if not self.answer_id:
            raise FeedbackError("answer_id must not be empty")

    @classmethod
    def for_answer(cls, answer_id: str, answer: Answer, rating: str) -> FeedbackRecord:
        citations: list[dict[str, object]] = [
            {"n": c.n, "paper": c.source.path, "title": c.source.title, "paragraph": c.source.paragraph.number,
             "quote": c.quote}
            for c in answer.citations
        ]
        return cls(
            answer_id=answer_id, rating=rating, question=answer.question, answer=answer.answer,
            abstained=answer.abstained, mode=answer.mode, citations=citations,
        )


class FeedbackStore:
    """The JSONL file under a store folder."""

    def __init__(self, store_dir: Path) -> None:
        self.path = Path(store_dir) / FILENAME
        self._lock = threading.Lock()

    def record(self, record: FeedbackRecord) -> None:
        line = json.dumps(asdict(record), ensure_ascii=False)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._lock, self.path.open("a", encoding="utf-8") as out:
                out.write(line + "\n")
        except OSError as exc:
            raise FeedbackError(f"could not write feedback to {self.path}: {exc}") from exc
        logger.info("recorded %s feedback for %s", record.rating, record.answer_id)

    def all(self) -> list[FeedbackRecord]:
        """Every record, oldest first; a corrupt line is skipped with a warning."""
        if not self.path.exists():
            return []
        out: list[FeedbackRecord] = []
        for number, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                out.append(FeedbackRecord(**json.loads(line)))
            except (ValueError, TypeError, FeedbackError) as exc:
                logger.warning("skipping line %d of %s: %s", number, self.path, exc)
        return out

    def latest(self) -> list[FeedbackRecord]:
        """The current rating of each answer, newest first."""
        current: dict[str, FeedbackRecord] = {}
        for rec in self.all():
            current[rec.answer_id] = rec
        return sorted(current.values(), key=lambda r: r.timestamp, reverse=True)
