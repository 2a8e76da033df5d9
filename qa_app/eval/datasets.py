"""Question sets the harness understands: the council dev format, SQuAD 2.0 and
QMSum. SQuAD and QMSum bring their own documents, which become a temporary
store (see `qa_app.eval.corpus_store`)."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ingest.errors import ConfigError
from ingest.jsonl import read_jsonl


@dataclass(frozen=True)
class EvalDocument:
    """A document of a self-contained set; each string of `paragraphs` becomes one
    paragraph of the temporary store."""

    doc_id: str
    title: str
    paragraphs: list[str]
    doc_type: str = "report"
    body: str | None = None
    date: str | None = None


@dataclass
class EvalQuestion:
    """One question and its gold data. `gold` names gold paragraphs as
    (doc_id, paragraph index) for sets that mark them."""

    id: str
    question: str
    answerable: bool
    answers: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    gold: set[tuple[str, int]] = field(default_factory=set)
    kind: str | None = None
    source: str | None = None

    def unanswerable(self, tag: str, question: str | None = None) -> EvalQuestion:
        """A variant of this question, made for training, that the papers do not
        answer: id `<id>~<tag>`, no answers, evidence or gold."""
        return replace(self, id=f"{self.id}~{tag}", question=self.question if question is None else question,
                       answerable=False, answers=[], evidence=[], gold=set())

    @property
    def base_id(self) -> str:
        """The id of the question a variant was made from (its own id otherwise)."""
        return self.id.split("~", 1)[0]


@dataclass
class EvalSet:
    name: str
    questions: list[EvalQuestion]
    documents: list[EvalDocument] | None = None


def _lines(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """Each record with its line number in the file; the first bad line stops the set."""
    out: list[tuple[int, dict[str, Any]]] = []
    try:
        for number, record in read_jsonl(path):
            if isinstance(record, str):
                raise ConfigError(f"{path}:{number}: {record}")
            out.append((number, record))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the question file ({exc.strerror or exc})") from exc
    return out


def load_council(path: Path) -> EvalSet:
    """JSONL with id, question, answerable, answers, source, evidence and
    optionally kind (the real-paper set's `who`, `vote`, `when`, …). A field of
    the wrong type is an error naming the line and the field: `"answerable":
    "false"` must not count as answerable, nor `"answers": "6-1"` as three
    one-character answers."""
    questions: list[EvalQuestion] = []
    for number, r in _lines(path):
        where = f"{path}:{number}"
        if not isinstance(r.get("question"), str) or not r["question"].strip():
            raise ConfigError(f"{where}: `question` must be a non-empty string")
        answerable = r.get("answerable", True)
        if not isinstance(answerable, bool):
            raise ConfigError(f"{where}: `answerable` must be true or false, got {answerable!r}")
        questions.append(
            EvalQuestion(
                id=str(r.get("id", number)), question=r["question"], answerable=answerable,
                answers=_texts(r.get("answers"), "answers", where),
                evidence=_texts(r.get("evidence"), "evidence", where),
                kind=str(r["kind"]) if r.get("kind") else None,
                source=str(r["source"]) if r.get("source") else None,
            )
        )
    return EvalSet(name=path.stem, questions=questions)


def _texts(value: Any, name: str, where: str) -> list[str]:
    """A field that holds one text or a list of them, as a list. A blank text
    is none: an empty accepted answer or evidence would be found in any reply."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
        return [str(v) for v in value if str(v).strip()]
    raise ConfigError(f"{where}: `{name}` must be a string or a list of strings, got {value!r}")


def load_squad2(path: Path) -> EvalSet:
    """SQuAD 2.0 JSON: one document per article, one paragraph per context; a
    question's gold paragraph is the context it was written against."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))["data"]
    except (OSError, KeyError, TypeError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: not a SQuAD 2.0 file ({exc})") from exc
    documents: list[EvalDocument] = []
    questions: list[EvalQuestion] = []
    for article in data:
        doc_id = f"squad/{article['title']}"
        contexts = [p["context"] for p in article["paragraphs"]]
        documents.append(EvalDocument(doc_id=doc_id, title=article["title"].replace("_", " "), paragraphs=contexts))
        for index, paragraph in enumerate(article["paragraphs"]):
            for qa in paragraph["qas"]:
                answerable = not qa.get("is_impossible", False) and bool(qa.get("answers"))
                questions.append(
                    EvalQuestion(
                        id=qa["id"], question=qa["question"], answerable=answerable,
                        answers=list(dict.fromkeys(a["text"] for a in qa.get("answers", []))),
                        gold={(doc_id, index)} if answerable else set(),
                    )
                )
    return EvalSet(name="squad2", questions=questions, documents=documents)


def load_qmsum(path: Path) -> EvalSet:
    """QMSum JSONL: each meeting a document, one paragraph per speaker turn; a
    specific query's gold paragraphs are the turns in its relevant spans."""
    documents: list[EvalDocument] = []
    questions: list[EvalQuestion] = []
    for m_index, (_, meeting) in enumerate(_lines(path)):
        doc_id = f"qmsum/{m_index:03d}"
        turns = [f"{t['speaker']}: {t['content']}".strip() for t in meeting["meeting_transcripts"]]
        title = (meeting.get("topic_list") or [{}])[0].get("topic") or f"Meeting {m_index}"
        documents.append(EvalDocument(doc_id=doc_id, title=f"Committee meeting {m_index}: {title}",
                                      paragraphs=turns, doc_type="minutes"))
        for q_index, q in enumerate(meeting.get("specific_query_list", [])):
            gold: set[tuple[str, int]] = set()
            for start, end in q.get("relevant_text_span", []):
                gold.update((doc_id, i) for i in range(int(start), int(end) + 1) if i < len(turns))
            questions.append(
                EvalQuestion(id=f"{doc_id}/q{q_index}", question=q["query"], answerable=True, gold=gold)
            )
    return EvalSet(name="qmsum", questions=questions, documents=documents)


def sample(questions: list[EvalQuestion], limit: int | None, seed: int) -> list[EvalQuestion]:
    """A seeded random subset of `limit` questions (all of them when None), in
    their original order."""
    if limit is None or limit >= len(questions):
        return questions
    keep = set(random.Random(seed).sample(range(len(questions)), limit))
    return [q for i, q in enumerate(questions) if i in keep]


def split_half(questions: list[EvalQuestion], split: Path, half: str) -> list[EvalQuestion]:
    """Only the questions whose ids the split file lists under `<half>_questions`."""
    try:
        data = json.loads(split.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{split}: not a split file ({exc})") from exc
    ids = data.get(f"{half}_questions") if isinstance(data, dict) else None
    if not isinstance(ids, list):
        raise ConfigError(f"{split}: no `{half}_questions` list")
    keep = {str(i) for i in ids}
    return [q for q in questions if q.id in keep]


LOADERS = {"council": load_council, "squad2": load_squad2, "qmsum": load_qmsum}


def load(fmt: str, path: Path) -> EvalSet:
    if fmt not in LOADERS:
        raise ConfigError(f"format must be one of {', '.join(LOADERS)}; got {fmt!r}")
    return LOADERS[fmt](path)
