"""Citation verification: every sentence a language model writes must be backed
by the paragraph its `[n]` marker cites, or it is dropped.

A generated answer is only as trustworthy as this check, because small models
cite the wrong paragraph, invent figures and paraphrase into a contradiction.
A sentence is supported by a cited paragraph when either

* its words occur verbatim, in order, in the paragraph (case and punctuation
  aside), or
* enough of its content words (stemmed, stop words removed) occur in the
  paragraph, every number it states occurs there too, and it does not negate
  what a paragraph without any negation says.

Sentences without a valid marker are unsupported. The evidence shown to the
reader is always a verbatim span of the paragraph: the matched words, or the
paragraph sentence sharing most content words with the claim.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ingest.errors import ConfigError
from qa_app.text import content_terms as stemmed_terms
from qa_app.text import split_sentences
from qa_app.types import Citation, RetrievedParagraph

__all__ = [
    "CitationVerifier", "GeneratedSentence", "SentenceVerdict", "Support", "VerifiedAnswer", "content_terms",
    "is_abstention", "numbers_in", "sentence_spans", "split_answer",
]

_MARKER = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")
_LEADING_MARKERS = re.compile(r"^\s*((?:\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\]\s*)+)")
_HARD_BOUNDARY = re.compile(r"\s*\n\s*|(?<=\])\s+(?=[A-Z\"'‘“])")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d{1,3}[.)])\s+")
_ANSWER_LABEL = re.compile(r"^\s*(?:short\s+)?answer\s*:\s*", re.I)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NEGATION = re.compile(r"\b(?:not|no|never|none|nor|neither|without|cannot)\b|n['’]t\b", re.I)
_ABSTAIN = re.compile(
    r"(?:do(?:es)?\s*n[o']?t|don['’]t|doesn['’]t|cannot|can['’]t|unable to)\s+(?:answer|say|mention|contain|find|"
    r"provide|state|specify|include|cover|address)|no information|not (?:mentioned|stated|specified|covered)|"
    r"papers? (?:do(?:es)?\s*n[o']?t|don['’]t)",
    re.I,
)


@dataclass(frozen=True)
class GeneratedSentence:
    """One sentence of a model's answer: as written, its claim without markers,
    and the 1-based paragraph numbers it cites (as written, possibly invalid)."""

    text: str
    claim: str
    cited: tuple[int, ...]


@dataclass(frozen=True)
class Support:
    """Evidence that paragraph `index` (0-based into the retrieved list) backs a claim."""

    index: int
    quote_start: int
    quote_end: int
    score: float
    how: str  # "verbatim" or "overlap"


@dataclass(frozen=True)
class SentenceVerdict:
    """Whether a sentence survives, why, and the paragraphs that back it."""

    sentence: GeneratedSentence
    supported: bool
    reason: str
    support: tuple[Support, ...] = ()


@dataclass
class VerifiedAnswer:
    """The surviving sentences, renumbered `[1]..[m]`, with their citations."""

    text: str
    citations: list[Citation]
    verdicts: list[SentenceVerdict] = field(default_factory=list)

    @property
    def kept(self) -> list[SentenceVerdict]:
        return [v for v in self.verdicts if v.supported]

    @property
    def dropped(self) -> list[SentenceVerdict]:
        return [v for v in self.verdicts if not v.supported]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of `text`, whitespace trimmed.

    Besides `qa_app.text.split_sentences`' stops, a line break and a marker followed
    by a capital ("... £2m [1] The ...") end a sentence, because models write both."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in [*_HARD_BOUNDARY.finditer(text), None]:
        end = match.start() if match else len(text)
        spans.extend((start + s.start, start + s.end) for s in split_sentences(text[start:end]))
        start = match.end() if match else len(text)
    return spans


def split_answer(text: str) -> list[GeneratedSentence]:
    """Sentences of a model's answer with their citation markers.

    A run of markers that opens a sentence ("... services. [2] The ...") belongs to
    the sentence before it."""
    moved: list[str] = []
    for start, end in sentence_spans(text):
        piece = text[start:end]
        lead = _LEADING_MARKERS.match(piece)
        if lead and moved:
            moved[-1] = f"{moved[-1]} {lead.group(1).strip()}"
            piece = piece[lead.end():]
        if piece.strip():
            moved.append(piece.strip())
    sentences = []
    for piece in moved:
        cited = tuple(int(n) for group in _MARKER.findall(piece) for n in re.split(r"[,;]", group))
        claim = _tidy(_MARKER.sub("", piece))
        if claim:
            sentences.append(GeneratedSentence(text=piece, claim=claim, cited=tuple(dict.fromkeys(cited))))
    return sentences


def _tidy(claim: str) -> str:
    claim = _ANSWER_LABEL.sub("", _BULLET.sub("", claim))
    claim = re.sub(r"\s+", " ", claim).strip()
    return re.sub(r"\s+([.,;:!?])", r"\1", claim)


def numbers_in(text: str) -> set[str]:
    """Numbers as digit strings, so "£2m" and "£2 million" both give "2" and "2,000" gives "2000"."""
    found = set()
    for raw in _NUMBER.findall(text):
        value = raw.replace(",", "")
        if "." in value:
            value = value.rstrip("0").rstrip(".")
        found.add(value)
    return found


def content_terms(text: str) -> set[str]:
    """Stemmed content words plus numbers: what a claim asserts, roughly."""
    return set(stemmed_terms(text)) | numbers_in(text)


def is_abstention(text: str) -> bool:
    """Whether the model said the papers do not answer (and cited nothing)."""
    return not _MARKER.search(text) and bool(_ABSTAIN.search(text))


class CitationVerifier:
    """Checks sentences against cited paragraphs; thresholds are constructor knobs.

    `min_overlap` is the share of a claim's content terms that must occur in the
    cited paragraph; `min_terms` refuses claims too short to check ("Yes [1].")."""

    def __init__(self, *, min_overlap: float = 0.75, min_terms: int = 2) -> None:
        if not 0.0 < min_overlap <= 1.0:
            raise ConfigError(f"min_overlap must be in (0, 1]; got {min_overlap}")
        if min_terms < 1:
            raise ConfigError(f"min_terms must be at least 1; got {min_terms}")
        self.min_overlap = min_overlap
        self.min_terms = min_terms

    def check(self, sentence: GeneratedSentence, paragraphs: Sequence[str]) -> SentenceVerdict:
        """Verdict for one sentence against the paragraphs numbered 1..len(paragraphs)."""
        valid = [n for n in sentence.cited if 1 <= n <= len(paragraphs)]
        if not sentence.cited:
            return SentenceVerdict(sentence, False, "no citation")
        if not valid:
            reason = f"cites {_markers(sentence.cited)} but only [1]..[{len(paragraphs)}] exist"
            return SentenceVerdict(sentence, False, reason)
        supports: list[Support] = []
        reasons: list[str] = []
        for n in valid:
            support, reason = self._against(sentence.claim, paragraphs[n - 1], n - 1)
            if support is not None:
                supports.append(support)
            else:
                reasons.append(reason)
        if supports:
            return SentenceVerdict(sentence, True, supports[0].how, tuple(supports))
        return SentenceVerdict(sentence, False, "; ".join(reasons))

    def _against(self, claim: str, paragraph: str, index: int) -> tuple[Support | None, str]:
        n = index + 1
        verbatim = _verbatim_span(claim, paragraph)
        if verbatim is not None and len(content_terms(claim)) >= self.min_terms:
            return Support(index, verbatim[0], verbatim[1], 1.0, "verbatim"), ""
        terms = content_terms(claim)
        if len(terms) < self.min_terms:
            return None, f"too few content words to check against [{n}]"
        missing_numbers = numbers_in(claim) - numbers_in(paragraph)
        if missing_numbers:
            return None, f"number {', '.join(sorted(missing_numbers))} not in [{n}]"
        if _NEGATION.search(claim) and not _NEGATION.search(paragraph):
            return None, f"negation not in [{n}]"
        paragraph_terms = content_terms(paragraph)
        overlap = len(terms & paragraph_terms) / len(terms)
        if overlap < self.min_overlap:
            return None, f"only {overlap:.0%} of its content words are in [{n}]"
        start, end = _best_sentence(terms, paragraph)
        return Support(index, start, end, overlap, "overlap"), ""

    def verify(self, text: str, retrieved: Sequence[RetrievedParagraph]) -> VerifiedAnswer:
        """Keep the supported sentences of `text`, renumber their markers compactly
        in order of first use, and build one `Citation` per cited paragraph."""
        paragraphs = [r.paragraph.text for r in retrieved]
        verdicts = [self.check(sentence, paragraphs) for sentence in split_answer(text)]
        numbering: dict[int, int] = {}
        spans: dict[int, tuple[int, int, float]] = {}
        parts: list[str] = []
        for verdict in verdicts:
            if not verdict.supported:
                continue
            for support in verdict.support:
                numbering.setdefault(support.index, len(numbering) + 1)
                start, end, score = spans.get(support.index, (support.quote_start, support.quote_end, 0.0))
                spans[support.index] = (min(start, support.quote_start), max(end, support.quote_end),
                                        max(score, support.score))
            markers = "".join(f"[{numbering[s.index]}]" for s in verdict.support)
            claim = verdict.sentence.claim
            stop = claim[-1] if claim[-1] in ".!?" else "."
            body = claim[:-1].rstrip() if claim[-1] in ".!?" else claim
            parts.append(f"{body} {markers}{stop}")
        citations = []
        for index, n in numbering.items():
            start, end, score = spans[index]
            source = retrieved[index]
            citations.append(Citation(n=n, source=source, quote=source.paragraph.text[start:end], quote_start=start,
                                      quote_end=end, score=score))
        return VerifiedAnswer(text=" ".join(parts), citations=citations, verdicts=verdicts)


def _markers(numbers: Sequence[int]) -> str:
    return "".join(f"[{n}]" for n in numbers)


def _verbatim_span(claim: str, paragraph: str) -> tuple[int, int] | None:
    """Offsets of the claim's words, in order, inside the paragraph (case, spacing
    and punctuation between words ignored)."""
    words = re.findall(r"\w+", claim)
    if not words:
        return None
    pattern = r"(?<!\w)" + r"\W+".join(re.escape(w) for w in words) + r"(?!\w)"
    match = re.search(pattern, paragraph, re.I)
    return (match.start(), match.end()) if match else None


def _best_sentence(terms: set[str], paragraph: str) -> tuple[int, int]:
    """The paragraph sentence sharing most content terms with the claim (earliest on ties)."""
    best = (-1, 0, len(paragraph))
    for start, end in sentence_spans(paragraph) or [(0, len(paragraph))]:
        shared = len(terms & content_terms(paragraph[start:end]))
        if shared > best[0]:
            best = (shared, start, end)
    return best[1], best[2]
