"""The structure of minutes, agendas and motions: numbered items, sub-items and
the procedural lines (proposer, seconder, votes, outcome) that belong to them.

An item number with a title ("112. Title (Item 7)", "Item 5 – Budget",
"Minute 12/24 Planning", "1/16 Public Comments", "3048.Police Report:") opens an
item. Sub-items ("(a)", "(1)", "1.4", "a)") stay paragraphs under their item.
Procedural lines never head anything: they belong to the motion above them.
"""

from __future__ import annotations

import re

_ITEM = re.compile(
    r"""^(?:
        (?i:agenda\s+item|item|minute)\s+(?i:no\.?\s*)?\d{1,4}(?:[./]\d{1,4})?\b\s*[.:–-]?
      | \d{1,4}/\d{2,4}(?=\s)
      | (?:\d{2}-\d{3,5}\s+)?\d{1,4}(?:\.|\)|\s*[–-])(?!\d)
    )\s*(?=[A-Z\"“'‘])""",
    re.VERBOSE,
)
"""An item number in front of a title (after a roll-call or reference number such
as "05-1189", when there is one); the title must start with a capital."""
_SUB_ITEM = re.compile(r"^(?:\((?:\d{1,3}|[a-z]{1,4}|[A-Z])\)|[a-zA-Z][.)]|\d{1,3}\.\d{1,3}(?:\.\d{1,3})*\.?)\s")
"""(a), (iv), (1), (B), a), b., 1.4 — but not "(RH)", initials in a list of names."""
_BULLET = re.compile(r"^[·•▪◦‣∙●○■□➢➤►✓\-\*–]\s+")
PROCEDURAL = re.compile(
    r"""^(?:
        (?:proposed|seconded|moved)(?:\s+by\b|\s*[:–-])
      | (?:proposer|seconder)\b
      | (?:motion\s+)?(?:carried|lost|fell|defeated|agreed|approved)\b
      | resolved\b
      | (?:votes?\s+)?(?:for|against|abstain(?:ed|ions?)?)\s*[:(–-]?\s*\(?\d+
      | (?:unanimously|nem\.?\s*con)
      | (?:in\s+favour|vote|voting)\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)
"""A line recording who moved a motion, how the vote went, or what was resolved."""
_OUTCOME = re.compile(r"^(?:motion\s+)?(?:carried|lost|defeated|fell)\b.{0,40}$", re.I)
_MOTION = re.compile(r"\b(?:moved|proposed|seconded)\b", re.I)
_REFERENCE = re.compile(r"^\d{2}-\d{3,5}\s")
"""A roll-call or reference number in front of the item number: always an item."""
CLAUSE_WORDS = 8
"""A title cut off at a sentence end or a dash longer than this is a numbered
clause of a motion, not an item."""
ITEM_HEADING_WORDS = 10
"""An item heading standing alone is a few words; a longer numbered line is the
start of the item's text."""
_TITLE_END = re.compile(r"\s*(?::-?(?=\s|$)|\s[–-]\s|\s\|\s|[–-]$)\s*")


def opens_paragraph(line: str) -> bool:
    """A line that always starts a new paragraph: a bullet, an item number, a
    numbered or lettered sub-item, or a procedural line."""
    return bool(_BULLET.match(line) or _ITEM.match(line) or _SUB_ITEM.match(line) or PROCEDURAL.match(line))


PAGE_NUMBER = re.compile(r"^(?:page|pg\.?)?\s*[-–(]?\s*\d{1,3}\s*[-–)]?(?:\s*(?:of|/)\s*\d{1,3})?$", re.I)
"""A line that is only a page number: "15", "Page 3 of 9", "- 4 -", "pg. 1"."""
URL_ONLY = re.compile(r"^(?:https?://\S+|www\.\S+|[\w.-]+\.(?:co\.uk|org\.uk|gov\.uk|com|org|gov|net)\b\s*/\S*)$", re.I)
"""A line that is nothing but a web address (or a domain and a path)."""


def closes_motion(motion: str, line: str) -> bool:
    """A short outcome line ("Motion Carried 6-1.") straight after the motion it
    decides: the two are read, and cited, together."""
    return bool(_OUTCOME.match(line) and _MOTION.search(motion))


def is_bullet(line: str) -> re.Match[str] | None:
    return _BULLET.match(line)


def is_procedural(text: str) -> bool:
    return bool(PROCEDURAL.match(text.strip()))


def item_title(text: str) -> str | None:
    """The item heading a paragraph opens, or None. "5. Solar streetlights" is
    the whole title; "3048.Police Report: Attached. Little to report" opens item
    "3048.Police Report"; a numbered sentence ("2. The budget was noted.") or
    a long clause is not an item."""
    match = _ITEM.match(text)
    if not match:
        return None
    rest = text[match.end():]
    shouted = None if _REFERENCE.match(text) else _shouted_title(rest)
    if shouted:
        return None if is_procedural(shouted) else (text[: match.end()] + shouted).strip()
    split = _TITLE_END.search(rest)
    title = rest[: split.start()] if split and split.start() > 0 else rest
    referenced = bool(_REFERENCE.match(text))
    if title is rest:
        sentence = re.match(r"(.+?[.!?])(?=\s+[A-Z“\"‘'(]|\s*$)", rest)
        if sentence and sentence.end() >= len(rest.rstrip()) and not referenced:
            return None  # a numbered sentence is a clause, not an item
        title = sentence.group(1) if sentence else rest
    colon = bool(split and title is not rest and split.group(0).strip().startswith(":"))
    limit = 14 if colon or referenced else CLAUSE_WORDS
    if len(title.split()) > limit:
        if not referenced and (split or title is not rest):
            return None  # the opening of a numbered clause, not an item title
        title = " ".join(title.split()[:5]) + "…"  # a run-in title with nothing to mark where it ends
    if is_procedural(title):
        return None
    return (text[: match.end()] + title).strip()


def _shouted_title(rest: str) -> str | None:
    """A title in capitals run into the item's text, as minutes typed in one
    paragraph set it: "CORRESPONDENCE The chair had received …", "PARISH
    NOTICEBOARDS – update on options …". The capitals end the title where the
    text goes on in ordinary case; a lone capital letter there ("PUBLIC FORUM A
    member of the public …") is the text's first word. A short word in capitals
    alone ("CCTV cameras were …", "NHS England …") opens a sentence, not a title."""
    words = rest.split()
    run: list[str] = []
    for word in words:
        letters = [c for c in word if c.isalpha()]
        if not letters and word in ("&", "/", "+"):
            run.append(word)  # "FINANCE & POLICIES"
            continue
        if not letters or not all(c.isupper() for c in letters):
            break
        run.append(word)
    while run and sum(c.isalpha() for c in run[-1]) <= 1:
        run.pop()
    if not run or len(run) == len(words):
        return None
    following = words[len(run)]
    if len(run) == 1 and (sum(c.isalpha() for c in run[0]) < 5 or following[:1].islower()):
        return None  # "CCTV cameras …", "NHS England …": an acronym opening a sentence
    return " ".join(run).rstrip(" :;,–-")


def is_item_heading(text: str) -> bool:
    """A paragraph that is nothing but an item number and its title."""
    title = item_title(text)
    if title is None or text.rstrip().endswith(".") or len(title.split()) > ITEM_HEADING_WORDS:
        return False
    return len(title) >= len(text.rstrip(" :-–")) - 1
