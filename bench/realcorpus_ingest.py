"""How well ingestion reads real council papers: metadata against gold, evidence
kept inside one paragraph, and page furniture left out.

Parses every paper with the product's own parser (load → segment → build_meta;
no model, no store) and prints the measures for the tuning half, the held-out
half (councils never looked at while tuning) and all papers.

    python bench/realcorpus_ingest.py REALCORPUS_DIR [--split bench/splits/realcorpus.json] [--papers]
        [--questions CHECK_SET.jsonl ...]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ingest.dates import MONTH_NAMES
from ingest.load import load_blocks
from ingest.metadata import build_meta
from ingest.paragraphs import segment
from ingest.types import PaperMeta, Paragraph
from qa_app.eval.datasets import EvalQuestion, load_council

DEFAULT_SPLIT = Path(__file__).resolve().parent / "splits" / "realcorpus.json"

_KIND_WORDS = {
    "minutes": ("minutes",),
    "agenda": ("agenda", "agendas", "summons", "notice"),
    "motion": ("motion", "resolution", "amendment"),
    "report": ("report", "update", "briefing", "budget", "statement", "letter", "notes", "accounts", "variances",
               "precept", "applications", "newsletter", "column"),
    "press_release": ("media release", "press release", "news", "notice"),
}
_PAGE_NUMBER = re.compile(r"^(page\s*)?[-–(]?\s*\d{1,3}\s*[-–)]?(\s*(of|/)\s*\d{1,3})?$", re.I)
_URL_ONLY = re.compile(r"^\S*(https?://|www\.|\.(co\.uk|com|org|gov|net)\b)\S*(\s+\S+)?$", re.I)


def norm_name(value: str | None) -> str:
    """Lower case, the part before any parenthesis, letters and digits only."""
    if not value:
        return ""
    value = value.split("(")[0].lower().replace("&", " and ")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", value).split())


_TYPE_WORDS = {"city", "of", "the", "council", "parish", "town", "community", "county", "district", "borough"}


def place(value: str | None) -> str:
    """A council's place name: "City of Rivergrove" and "Rivergrove City
    Council" are one council."""
    return " ".join(w for w in norm_name(value).split() if w not in _TYPE_WORDS)


def council_matches(found: str | None, gold: str | None) -> bool:
    """Lenient: either name contains the other, case, suffixes and the council's
    type words aside."""
    a, b = norm_name(found), norm_name(gold)
    if not (a and b):
        return False
    return a in b or b in a or bool(place(found)) and place(found) == place(gold)


_COUNCIL_KINDS = re.compile(r"\b(parish|town|city|community|county|district|borough|metropolitan) council\b")


def norm_body(value: str | None) -> str:
    """A body's name with the council's own type word ("Parish Council",
    "City Council") folded to "council", and "meeting" and "the" dropped, so
    "Parish Council meeting" and "Council" name the same body."""
    text = _COUNCIL_KINDS.sub("council", norm_name(value))
    return " ".join(w for w in text.split() if w not in {"meeting", "meetings", "the", "full", "of"})


def body_matches(found: str | None, gold: str | None) -> bool:
    """Equal after `norm_body`, or one contains the other as a run of at least
    two whole words ("Annual General Meeting" within "Annual General Meeting
    and ordinary council meeting")."""
    a, b = norm_body(found), norm_body(gold)
    if not (a and b):
        return False
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short.split()) >= 2 and f" {short} " in f" {long_} "


def date_variants(iso: str) -> list[str]:
    """Ways a title may write the gold date."""
    y, m, d = (int(x) for x in iso.split("-"))
    month = MONTH_NAMES[m - 1]
    return [
        iso, f"{d} {month} {y}", f"{month} {d}, {y}", f"{month} {d} {y}", f"{d:02d}/{m:02d}/{y}",
        f"{d} {month[:3]} {y}",
    ]


def title_ok(meta: PaperMeta, gold: dict[str, object]) -> bool:
    """The title names the gold date (when gold has one) and the body or the kind of paper."""
    title = meta.title.lower()
    gold_date = gold.get("date")
    if isinstance(gold_date, str) and not any(v.lower() in title for v in date_variants(gold_date)):
        return False
    kind_words = _KIND_WORDS.get(str(gold["doc_type"]), ())
    body = norm_body(str(gold.get("body") or ""))
    has_body = bool(body) and body in norm_body(meta.title)
    return has_body or any(w in title for w in kind_words)


def alnum(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", text.lower())


def _grams(text: str, n: int = 4) -> set[tuple[str, ...]]:
    words = re.findall(r"[0-9a-z]+", text.lower())
    return {tuple(words[i : i + n]) for i in range(max(1, len(words) - n + 1))}


def contains_evidence(paragraph: str, evidence: str) -> bool:
    """Letters and digits only; or, for the extractor artefacts of the gold
    (a word cut at the margin, a glyph read differently), at least 80% of the
    evidence's 4-word runs inside this one paragraph."""
    if alnum(evidence) in alnum(paragraph):
        return True
    wanted = _grams(evidence)
    return len(wanted) >= 3 and len(wanted & _grams(paragraph)) >= 0.8 * len(wanted)


def is_furniture(text: str) -> bool:
    """A paragraph that is only a page number or a web address fragment."""
    t = text.strip()
    return "@" not in t and bool(_PAGE_NUMBER.match(t) or _URL_ONLY.match(t))


def furniture(paragraphs: list[Paragraph]) -> list[str]:
    """Page numbers and URL fragments anywhere in a paper without pages, and at
    the top or bottom of a page in one with pages; plus short paragraphs that open
    or close three or more pages (running headers and footers)."""
    edges: list[Paragraph] = []
    for i, p in enumerate(paragraphs):
        before = paragraphs[i - 1] if i else None
        after = paragraphs[i + 1] if i + 1 < len(paragraphs) else None
        if p.page is None or before is None or after is None or before.page != p.page or after.page != p.page:
            edges.append(p)
    found = [p.text for p in edges if is_furniture(p.text)]
    pages: dict[str, set[int]] = {}
    for p in edges:
        if p.page is not None and len(p.text) <= 80:
            pages.setdefault(re.sub(r"\d+", "#", p.text), set()).add(p.page)
    return found + [t for t, on in pages.items() if len(on) >= 3]


@dataclass
class Tally:
    papers: int = 0
    date: int = 0
    doc_type: int = 0
    council: int = 0
    body: int = 0
    body_strict: int = 0
    wrong: int = 0
    titles: int = 0
    evidence: int = 0
    evidence_one: int = 0
    evidence_split: int = 0
    furniture: int = 0
    paragraphs: int = 0
    misses: list[str] = field(default_factory=list)

    def rows(self) -> list[tuple[str, str]]:
        def frac(n: int, d: int) -> str:
            return f"{n / d:.2f} ({n}/{d})" if d else "n/a"

        return [
            ("date = gold", frac(self.date, self.papers)),
            ("doc_type = gold", frac(self.doc_type, self.papers)),
            ("council = gold", frac(self.council, self.papers)),
            ("body = gold (strict)", frac(self.body_strict, self.papers)),
            ("body = gold (lenient)", frac(self.body, self.papers)),
            ("council or body set but wrong", frac(self.wrong, self.papers)),
            ("title names date and body/kind", frac(self.titles, self.papers)),
            ("evidence inside one paragraph", frac(self.evidence_one, self.evidence)),
            ("evidence split across paragraphs", frac(self.evidence_split, self.evidence)),
            ("furniture paragraphs", f"{self.furniture} of {self.paragraphs}"),
        ]


def score(
    papers_dir: Path, gold_rows: Iterable[dict[str, object]], questions: list[EvalQuestion], tally: Tally,
    show: bool,
) -> None:
    for gold in gold_rows:
        name = str(gold["file"])
        path = papers_dir / name
        text, paragraphs = segment(name, load_blocks(path))
        meta = build_meta(path, paragraphs, {})
        tally.papers += 1
        tally.paragraphs += len(paragraphs)
        ok = {
            "date": meta.date == gold.get("date"),
            "doc_type": meta.doc_type == gold["doc_type"],
            "council": council_matches(meta.council, str(gold["council"])),
            "body": body_matches(meta.body, str(gold.get("body") or "")),
            "title": title_ok(meta, gold),
        }
        wrong = (meta.council is not None and not ok["council"]) or (meta.body is not None and not ok["body"])
        tally.date += ok["date"]
        tally.doc_type += ok["doc_type"]
        tally.council += ok["council"]
        tally.body += ok["body"]
        tally.body_strict += bool(meta.body) and norm_name(meta.body) == norm_name(str(gold.get("body") or ""))
        tally.titles += ok["title"]
        tally.wrong += wrong
        found = furniture(paragraphs)
        tally.furniture += len(found)
        for q in questions:
            if q.source != name:
                continue
            for evidence in q.evidence:
                tally.evidence += 1
                if any(contains_evidence(p.text, evidence) for p in paragraphs):
                    tally.evidence_one += 1
                else:
                    tally.evidence_split += contains_evidence(text, evidence)
                    tally.misses.append(f"{q.id} {name}: {evidence}")
        if show:
            flags = " ".join(k for k, v in ok.items() if not v) + (" WRONG" if wrong else "")
            print(f"{name[:48]:48} {meta.doc_type:13} {meta.date or '-':10} | {meta.council or '-'} | "
                  f"{meta.body or '-'} | {meta.title} | {flags} | furniture={found[:3]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("realcorpus", type=Path, help="REALCORPUS_DIR (papers/, gold_metadata.jsonl, questions.jsonl)")
    parser.add_argument("--split", type=Path, default=DEFAULT_SPLIT)
    parser.add_argument("--papers", action="store_true", help="print one line per paper")
    parser.add_argument("--questions", type=Path, action="append", default=[], metavar="FILE",
                        help="another question file over the same papers (e.g. a check set): its evidence is "
                             "looked for too; repeatable")
    args = parser.parse_args(argv)
    gold = [json.loads(line) for line in (args.realcorpus / "gold_metadata.jsonl").read_text().splitlines() if line]
    questions = [q for path in (args.realcorpus / "questions.jsonl", *args.questions)
                 for q in load_council(path).questions]
    split = json.loads(args.split.read_text())
    halves = {"tune": set(split["tune_papers"]), "held": set(split["held_papers"])}
    tallies: dict[str, Tally] = {}
    for half, names in halves.items():
        tallies[half] = Tally()
        rows = [g for g in gold if g["file"] in names]
        score(args.realcorpus / "papers", rows, questions, tallies[half], args.papers)
    every = Tally()
    for t in tallies.values():
        for key, value in vars(t).items():
            if isinstance(value, int):
                setattr(every, key, getattr(every, key) + value)
            else:
                getattr(every, key).extend(value)
    tallies["all"] = every
    print(f"{'measure':36} | " + " | ".join(f"{h:14}" for h in tallies))
    print(f"{'-' * 36}-|-" + "-|-".join("-" * 14 for _ in tallies))
    measures = [r[0] for r in every.rows()]
    for i, name in enumerate(measures):
        print(f"{name:36} | " + " | ".join(f"{t.rows()[i][1]:14}" for t in tallies.values()))
    for miss in every.misses:
        print("evidence not in one paragraph:", miss, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
