"""A library with restricted papers, and the property that a reader never gets
what they may not see: no restricted paragraph id and no 8-word run of
restricted text in any channel an answer reaches (JSON, text, Markdown
briefing, the paragraphs handed to the answerer, which an LLM would put in its
prompt, and the rewritten follow-up).

Shared by the embedded-Chroma test and the `chroma run` server test.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from conftest import CORPUS, ingest

from ingest.embed import Embedder
from ingest.index import Filters, PaperStore
from ingest.types import Paragraph
from qa_app.__main__ import render_text
from qa_app.access import Viewer
from qa_app.briefing import answer_markdown
from qa_app.engine import QAEngine
from qa_app.types import Answer, Answerer, RetrievedParagraph, Turn

MEMBERS_PAPER = "\n\n".join([
    "Confidential briefing: Harbourside depot disposal",
    "The council has received a conditional offer of £4.7 million from Quayline Estates for the Harbourside depot, "
    "subject to planning consent for forty new homes.",
    "Officers recommend accepting the Quayline Estates offer because the depot's repair backlog of £860,000 would "
    "otherwise fall on next year's capital programme.",
    "Members are asked not to discuss the Quayline offer publicly until contracts are exchanged, which is expected "
    "in March.",
]) + "\n"

CABINET_PAPER = "\n\n".join([
    "Cabinet note: Wavecrest Leisure Trust finances",
    "The Cabinet was advised that the Wavecrest Leisure Trust will request an emergency grant of £1.2 million to keep "
    "the lido and two sports centres open through the winter.",
    "Without the grant, the trust's directors expect to appoint administrators within eight weeks, putting 140 jobs "
    "at risk across the borough.",
]) + "\n"

MEMBERS_FILE = "harbourside-depot-briefing.txt"
CABINET_FILE = "wavecrest-cabinet-note.txt"
RUN = 8
"""Words in a run of restricted text that must never reach a reader."""


def build_library(root: Path, store: PaperStore, embedder: Embedder) -> dict[str, str]:
    """The bundled (public) corpus plus a members-only paper (level from its
    sidecar) and a cabinet paper (level from the run's `access`); doc_id → level."""
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / MEMBERS_FILE).write_text(MEMBERS_PAPER, encoding="utf-8")
    (corpus / f"{MEMBERS_FILE}.meta.json").write_text(json.dumps({"access": "members"}), encoding="utf-8")
    report = ingest([corpus], store, embedder)
    assert report.ok, report.failed
    cabinet = root / "cabinet"
    cabinet.mkdir()
    (cabinet / CABINET_FILE).write_text(CABINET_PAPER, encoding="utf-8")
    report = ingest([cabinet], store, embedder, access="group:cabinet")
    assert report.ok, report.failed
    return store.access_levels()


def doc_id_of(levels: dict[str, str], file_name: str) -> str:
    """The stored id of the paper whose file is `file_name`."""
    return next(d for d in levels if d.endswith("/" + file_name))


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def runs(text: str, n: int = RUN) -> set[tuple[str, ...]]:
    """Every n-word run within each ` | `-separated part of `text`."""
    out: set[tuple[str, ...]] = set()
    for part in text.split(" | "):
        tokens = words(part)
        out.update(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return out


class RecordingAnswerer:
    """Passes through to the real answerer, keeping what it was handed: the
    paragraphs an LLM answerer would put in its prompt."""

    def __init__(self, inner: Answerer) -> None:
        self.inner = inner
        self.seen: list[RetrievedParagraph] = []

    def answer(self, question: str, retrieved: list[RetrievedParagraph]) -> Answer:
        self.seen.extend(retrieved)
        return self.inner.answer(question, retrieved)


@dataclass
class Leak:
    viewer: str
    question: str
    channel: str
    what: str


@dataclass
class Probe:
    """One question to put to every viewer."""

    question: str
    history: Sequence[Turn] = ()
    filters: Filters | None = None
    kind: str = "question"


@dataclass
class LeakCheck:
    engine: QAEngine
    levels: dict[str, str]
    restricted_for: dict[str, set[str]] = field(default_factory=dict)

    def forbidden(self, viewer: Viewer) -> list[Paragraph]:
        from qa_app.access import can_read

        return [p for doc_id, level in self.levels.items() if not can_read(viewer, level)
                for p in self.engine.store.paragraphs_of(doc_id)]

    def probe(self, name: str, viewer: Viewer, probe: Probe) -> tuple[list[Leak], Answer]:
        recorder = RecordingAnswerer(self.engine.answerer)
        self.engine.answerer = recorder
        try:
            answer = self.engine.ask(probe.question, history=probe.history, filters=probe.filters, viewer=viewer)
        finally:
            self.engine.answerer = recorder.inner
        forbidden = self.forbidden(viewer)
        ids = {p.id for p in forbidden}
        banned = set().union(*(runs(p.text) for p in forbidden)) if forbidden else set()
        typed = [probe.question, *(t.question for t in probe.history), *(t.answer for t in probe.history)]
        channels = {
            "json": json.dumps(answer.to_json(), ensure_ascii=False),
            "text": render_text(answer),
            "briefing": answer_markdown(answer),
            "prompt": json.dumps([r.to_json() for r in recorder.seen], ensure_ascii=False),
            "follow-up": answer.resolved_question or "",
        }
        leaks: list[Leak] = []
        for channel, text in channels.items():
            for own in typed:  # what the reader typed is echoed back; it is not a leak
                text = text.replace(own, " | ")
            for pid in ids:
                if pid in text:
                    leaks.append(Leak(name, probe.question, channel, f"paragraph id {pid}"))
            for run in runs(text) & banned:
                leaks.append(Leak(name, probe.question, channel, " ".join(run)))
        return leaks, answer


def probes(levels: dict[str, str], store: PaperStore, *, seed: int, count: int) -> list[Probe]:
    """Seeded questions aimed at the restricted papers: verbatim quotes, their
    titles, follow-ups after a permitted answer, and filters naming them."""
    rng = random.Random(seed)
    restricted = sorted(d for d, level in levels.items() if level != "public")
    public = sorted(d for d, level in levels.items() if level == "public")
    texts = {d: [p for p in store.paragraphs_of(d) if p.kind != "heading"] for d in restricted}
    titles = {d.doc_id: d.meta.title for d in store.documents()}
    out: list[Probe] = []
    permitted = Turn("How much money did the council allocate to children's services?",
                     "The council allocated £2m to enable immediate changes [1].")
    for _ in range(count):
        doc_id = rng.choice(restricted)
        paragraph = rng.choice(texts[doc_id])
        tokens = paragraph.text.split()
        start = rng.randrange(0, max(1, len(tokens) - 10))
        quote = " ".join(tokens[start : start + rng.randint(8, 14)])
        kind = rng.choice(["quote", "title", "question", "follow-up", "filter"])
        if kind == "quote":
            out.append(Probe(quote, kind=kind))
        elif kind == "title":
            out.append(Probe(f"What does the paper '{titles[doc_id]}' say?", kind=kind))
        elif kind == "question":
            noun = rng.choice([w for w in tokens if len(w) > 5] or tokens)
            out.append(Probe(f"What was said about {noun.strip('.,;')}?", kind=kind))
        elif kind == "follow-up":
            out.append(Probe(rng.choice(["What about the Harbourside depot offer?", "And the leisure trust grant?",
                                         f"What about {' '.join(tokens[start:start + 4])}?"]),
                             history=[permitted], kind=kind))
        else:
            others = rng.sample(public, k=1)
            out.append(Probe(quote, filters=Filters(doc_ids=(doc_id, *others)), kind=kind))
    return out
