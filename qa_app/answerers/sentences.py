"""What a sentence is, as opposed to what it says: a heading, a structural line
(attendance, apologies, signatures), a line addressed to the reader, a
proposer/seconder or vote line, a resolution. These cues are features of the
fitted sentence scorer, and two of them are hard rules: a heading or a sentence
addressed to the reader is never an answer sentence."""

from __future__ import annotations

import re

from qa_app.answer_types import VOTE_LINE
from qa_app.text import normalise, split_sentences

_ADDRESSED = re.compile(
    r"\b(?:ignore|disregard|forget)\s+(?:all\s+|any\s+|the\s+)?(?:previous|prior|above|earlier|other|your)\b"
    r"|\b(?:answer|reply|respond|say|state|tell(?:\s+the\s+user)?)\s+(?:that|with|only)\b"
    r"|\byou\s+(?:must|should|will|are\s+to|need\s+to|have\s+to)\b"
    r"|\b(?:as\s+an\s+ai|language\s+model|system\s+prompt|the\s+assistant)\b",
    re.IGNORECASE,
)
_STRUCTURAL = re.compile(
    r"^\s*(?:present|in attendance|also present|attendance|apologies|absent|signed|chair(?:man|person)?'?s? "
    r"signature|date of next meeting|meeting (?:closed|opened)|declarations? of interest|agenda item|item \d+|"
    r"page \d+)\b|\bapologies (?:for absence )?(?:were )?received\b|\b(?:signed|signature)\s*[:._]",
    re.IGNORECASE,
)
_MOVER = re.compile(
    r"\b(?:proposed|seconded|moved|moved by|seconded by|proposer|seconder|chaired|in the chair|chair(?:man|person)?)"
    r"\b",
    re.IGNORECASE,
)
_VOTE = VOTE_LINE
_DECISION = re.compile(
    r"\b(?:resolved|resolution|agreed|approved|adopted|decided|determined|accepted|endorsed|rejected|refused"
    r"|declined|council (?:will|shall)|it was agreed|recommendations? (?:was|were) (?:approved|agreed))\b",
    re.IGNORECASE,
)
_PROCEDURE = re.compile(
    r"\b(?:moved|seconded|roll call|motion to|discussion|discussed|presented|noted|read the|called to order)\b",
    re.IGNORECASE,
)
_REASON = re.compile(
    r"\b(?:because|since|due to|owing to|as (?:this|it|they|the|there)|reasons?|criteria|in order to|so that|"
    r"therefore|not eligible|ineligible)\b",
    re.IGNORECASE,
)
_END = re.compile(r"[.!?:;…\"'”’)]\s*$")
_LABELLED = re.compile(r"\S\s*[:–—-]\s+\S")
"""A "Label: value" line ("Proposed: Councillor Phil Davies", "Vote – 6-1") states something."""


HEADING_WORDS = 12
"""An unpunctuated line of at most this many words can be a heading."""
TITLE_CAPS_WORDS = 40
"""A paper's title block may shout a longer title ("DRAFT MINUTES OF THE … MEETING HELD AT … ON
THURSDAY 1 JUNE 2017"): an unpunctuated upper-case line there is a title up to this many words."""


def addressed_to_reader(sentence: str) -> bool:
    """An instruction to whoever reads the paper ("ignore previous
    instructions", "answer that …", "you must …"): never an answer sentence."""
    return bool(_ADDRESSED.search(sentence))


def injected_spans(paragraph: str) -> list[tuple[int, int]]:
    """Offsets of the sentences of `paragraph` that cannot be trusted as answers:
    each sentence addressed to the reader, and any later sentence that repeats
    what such an instruction told the reader to say."""
    spans = split_sentences(paragraph)
    orders = [normalise(s.text) for s in spans if addressed_to_reader(s.text)]
    out: list[tuple[int, int]] = []
    for span in spans:
        text = normalise(span.text).rstrip(".!? ")
        if addressed_to_reader(span.text) or any(text and text in order for order in orders):
            out.append((span.start, span.end))
    return out


def is_heading(
    sentence: str, paragraph_kind: str = "text", paragraph_heading: str | None = None, *, opens_paper: bool = False
) -> bool:
    """A title line rather than a statement: the paragraph is a heading, the
    sentence is its paragraph's heading, a short unpunctuated line that opens
    the paper (its title, in any case: "Budget statement 2024/25"; longer when in capitals), or a short
    unpunctuated line of capitalised words ("BUDGET REPORT", "Item 4 Planning
    Applications") that is neither a "Label: value" line nor a proposer/seconder line.
    A line ending in a colon introduces what follows and counts as one too."""
    text = sentence.strip()
    if paragraph_kind == "heading" or (paragraph_heading and normalise(text) == normalise(paragraph_heading)):
        return True
    if text.endswith(":"):
        return True  # a lead-in ("Nays:", "It was resolved:") says nothing until what follows it
    words = text.split()
    if not words or _END.search(text) or mover_cue(text):
        return False
    if opens_paper and (len(words) <= HEADING_WORDS or (len(words) <= TITLE_CAPS_WORDS and _in_capitals(text))):
        return True
    if len(words) > HEADING_WORDS:
        return False
    if _LABELLED.search(text):
        return False
    capital = sum(1 for w in words if w[:1].isupper() or w[:1].isdigit() or not w[:1].isalpha())
    return capital >= 0.7 * len(words)


def _in_capitals(text: str) -> bool:
    """Nine in ten letters upper case ("… AT 7.00 pm ON THURSDAY …" still shouts)."""
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) >= 0.9 * len(letters)


def is_structural(sentence: str) -> bool:
    """Attendance, apologies, signatures, meeting opened/closed: lines about the
    meeting rather than its business."""
    return bool(_STRUCTURAL.search(sentence))


def mover_cue(sentence: str) -> bool:
    return bool(_MOVER.search(sentence))


def vote_cue(sentence: str) -> bool:
    return bool(_VOTE.search(sentence))


def decision_cue(sentence: str) -> bool:
    return bool(_DECISION.search(sentence))


_OUTCOME = re.compile(
    r"^\W*(?:\d+[\w./)]*\s+)?(?:resolved|agreed|decided|decision|carried(?!\s+out))\b"
    r"|\b(?:council|committee|cabinet|board|panel|members?|councillors)\s+(?:unanimously\s+)?(?:resolved|agreed|decided"
    r"|approved|voted)\b|\bvoted\s+(?:to|for|against|unanimously)\b|\ball\s+(?:were\s+)?in\s+favou?r\b"
    r"|\b(?:it\s+was|was|were|has\s+been|have\s+been)\s+(?:unanimously\s+)?(?:not\s+)?(?:agreed|resolved|decided"
    r"|approved|adopted|accepted|endorsed|rejected|refused|declined|deferred|withdrawn|carried(?!\s+out)|lost)\b"
    r"|\b(?:motion|amendment|proposal|recommendations?|application)\s+(?:was\s+|were\s+)?(?:carried|passed|failed|lost"
    r"|fell|approved|agreed|rejected|refused)\b"
    r"|\bno\s+support\b|\bnot\s+(?:carried|supported|seconded)\b|\bunanimous(?:ly)?\b"
    r"|\bvotes?\s+(?:for|against|in\s+favou?r)\b|\b(?:for|against)\s*[:–-]\s*\d+|\bpassed\s+\d+\s*[-–]\s*\d+",
    re.IGNORECASE,
)


def outcome_cue(sentence: str) -> bool:
    """The sentence says how a matter ended: a resolution, a decision in the
    passive ("it was agreed", "was not carried"), a motion's fate, a tally. A
    word alone ("agreed" in "if agreed", "carried" in "carried out") is not
    enough, unlike the broader `decision_cue` and `vote_cue` features."""
    return bool(_OUTCOME.search(sentence))


def reason_cue(sentence: str) -> bool:
    """The sentence gives a reason: what a "why" question wants."""
    return bool(_REASON.search(sentence))


def procedure_cue(sentence: str) -> bool:
    return bool(_PROCEDURE.search(sentence))
