"""What kind of thing a question asks for, and whether a sentence contains one.

"How much" wants money, "how many" a number, "when" a date, "who" (or "the
name of the Director") a person's name, "what was the vote" a vote line. A sentence without the wanted kind
cannot be the answer however many words it shares with the question; this is
what lets the engine decline "What is the name of the Director?" when the papers
mention the Director but never her name.
"""

from __future__ import annotations

import re
from functools import cache

from ingest.dates import MONTH_PATTERN
from ingest.terms import content_terms
from qa_app.models import COMMON_WORDS_PATH

MONEY = "money"
NUMBER = "number"
DATE = "date"
PERSON = "person"
VOTE = "vote"

VOTE_LINE = re.compile(
    r"\b(?:carried(?!\s+(?:out|forward|over)\b)|unanimous(?:ly)?|ayes?|yeas?|nays?|abstain(?:ed|ing)?|abstentions?"
    r"|for\s*:|against|in favou?r"
    r"|motion (?:carried|failed|lost)|majority vote|did not vote|voted (?:for|against|to|unanimously)"
    r"|(?:all|\d+|\w+ of the \d+) (?:[\w-]+ )?voted|(?:received|polled|secured) \d+ votes?)\b"
    r"|\b\d{1,2}\s*[-–]\s*\d{1,2}\b",
    re.IGNORECASE,
)
"""A count, a result or a roll call: what a vote line says. A line that only
mentions a vote ("requires six votes", "given first vote for passage", "a vote
of thanks") says nothing of how it went, nor does work "carried out" or a
balance "carried forward"."""
_ASKS_VOTE_RESULT = re.compile(
    r"\bwhat was (?:the )?(?:[\w'’-]+\s+){0,6}?(?:vote|result of the vote|tally|voting)\b(?!\s+of thanks)|"
    r"\bhow did [\w\s'’-]{1,60}? vote\b|"
    r"\bhow many (?:votes|councillors|members) (?:were |voted )?(?:for|against|in favour)\b|\bvote (?:count|tally)\b|"
    r"\bby (?:what|how many) votes?\b|\bwhat was the (?:result|outcome) of the vote\b",
    re.IGNORECASE,
)

_NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
    "eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand million billion "
    "dozen half quarter"
)
_NUMBER = re.compile(rf"\b\d[\d,.]*\b|\b(?:{'|'.join(_NUMBER_WORDS.split())})\b", re.IGNORECASE)
_MONEY = re.compile(
    r"[£$€]\s?\d|\b\d[\d,.]*\s?(?:m|bn|k|million|billion|thousand|pounds?|pence|p)\b"
    r"|\b(?:million|billion|thousand) (?:pounds|dollars|euros)\b",
    re.IGNORECASE,
)
_NUMERIC_DATE = r"\b\d{1,2}/\d{1,2}/\d{2,4}\b"
_DATE = re.compile(
    rf"\b(?:1[5-9]\d\d|20\d\d)s?\b|\b(?:{MONTH_PATTERN})\b|{_NUMERIC_DATE}"
    r"|\b(?:century|decade|year|month|week|spring|summer|autumn|winter|today|yesterday|tomorrow)\b",
    re.IGNORECASE,
)
_HONORIFIC = re.compile(
    r"\b(?:Cllrs?|Councillors?|Mr|Mrs|Ms|Miss|Dr|Sir|Dame|Lord|Lady|Baroness|Baron|Professor|Prof|Rev|Reverend|King|Queen"
    r"|Prince|Princess|Pope|Emperor|General|Captain|President|Senator|Judge|Justice)\.?(?:\s+[A-Z][\w'’-]+){1,3}"
)
_CAPITALISED = re.compile(r"\b[A-Z][a-z'’-]+(?:\s+(?:[A-Z][a-z'’-]+|[A-Z]\.))+")
_MOVED_BY = re.compile(r"\b(?i:moved|seconded|proposed|nominated)(?:\s+by)?\s+(?P<name>[A-Z][a-z'’-]+)\b")
"""A lone surname where minutes name the mover ("Moved by Coleman", "Moved
Vlassis to approve", "seconded by Hensley"): American minutes, and some
British ones, name members by surname alone."""
_ROLE_WORDS = (
    "director|leader|chair|chairman|chairwoman|chairperson|chief|executive|head|officer|minister|secretary|mayor"
    "|member|councillor|commissioner|president|manager|inspector|clerk|speaker|founder|author|king|queen|ruler"
)
_PERSON_QUESTION = re.compile(
    rf"^\s*(?:who|whom)\b|\b(?:to|by|from|with|for) whom\b|"
    rf"\bwho(?:se)?\s+(?:is|was|were|are|did|does|had|has|will|would|proposed|seconded|said|"
    rf"chaired|led|wrote|made|gave)\b|\bname\s+of\s+(?:the\s+|a\s+|an\s+)?(?:new\s+)?(?:{_ROLE_WORDS})\b",
    re.IGNORECASE,
)
_LIST_MARKER = re.compile(r"^\s*(?:\(?\d{1,4}[.)]|\d{1,4}/\d{2,4}\.?|\(?[a-z]{1,4}\)|[•·*-])\s+")
"""An item or list number opening a line ("3.", "(b)", a minute number "3799." or "79/17"):
a label, not a figure the line states."""
_NOT_NAME_WORDS = frozenset(
    """the a an of and for in on at to by with from council councils cabinet committee sub-committee board boards
    services service department ministry office government children's children families family education health
    social care ofsted plan report improvement inspection director leader chair member members chief executive
    head officer minister secretary mayor agenda item minutes resolved proposed seconded university school college
    court house parliament party group authority local county city borough district national state act bill law
    north south east west new great united kingdom royal street road january february march april may june july
    august september october november december monday tuesday wednesday thursday friday saturday sunday labour
    conservative liberal democrat green safeguarding partnership programme strategy review areas area scrutiny
    committee's council's overall cabinet's members' appendix paragraph annex section page hall centre center park
    church library motion motions carried lost failed approved adopted moved roll call consent public hearing
    session meeting meetings vote votes voted ayes nays resolution receive file trust trusts charity society
    association club friends foundation fund reserve wildlife company ltd limited plc inc corporation project
    summary status organisation organization amount applicant application""".split()
)
"""Capitalised words that make a place, a body or a step of procedure, never a
person: "Town Hall", "Motion Carried", "Roll Call", "Consent Agenda", "Black
Country Wildlife Trust", a form's "Project Summary"."""


_DATE_OR_TIME = re.compile(
    rf"\b(?:19|20)\d\d(?:\s*[-–/]\s*\d{{2,4}})?\b|{_NUMERIC_DATE}"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{MONTH_PATTERN})\b|\b(?:{MONTH_PATTERN})\s+\d{{1,2}}(?:st|nd|rd|th)?\b"
    r"|\b\d{1,2}(?:[.:]\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)(?!\w)|\b\d{1,2}:\d{2}\b",
    re.IGNORECASE,
)
"""Years, dates and clock times: figures that say when, never how many."""

_KIND_PATTERN: dict[str, re.Pattern[str]] = {MONEY: _MONEY, NUMBER: _NUMBER, DATE: _DATE, VOTE: VOTE_LINE}
"""What marks each kind of answer in a sentence (a person's name is found by `person_names`)."""


def _what(nouns: str) -> str:
    """"what" and up to three words before one of `nouns` ("what total annual precept")."""
    return rf"\bwhat (?:[\w'’-]+\s+){{0,3}}?(?:{nouns})\b"


_ASKS_MONEY = re.compile(  # a plural asks for money too ("what prices"); "value" only as a sum's ("contract value")
    rf"\bhow much\b|{_what('amounts?|sums?|budgets?|costs?|prices?|fees?|charges?|fines?|penalty|precepts?')}"
    rf"|{_what('rents?|salary|levy|(?:contract|total|estimated|bid|tender|grant) value')}"
    r"|\bcost\b|\b(?:highest|lowest|cheapest|dearest)\s+(?:[\w'’-]+\s+){0,3}?(?:quotations?|quotes?|tenders?|bids?)\b"
)
_ASKS_NUMBER = re.compile(
    rf"\bhow many\b|{_what('number|percentage|proportion|capacity|population|turnout')}|\bhow long\b|\bhow old\b"
)


_OTHER_OPENER = re.compile(r"^\s*(?:what|which|how|when|where|why)\b", re.IGNORECASE)
_RELATIVE_WHO = re.compile(r"(?<=\w)(?<!\band)(?<!\bor)\s+who(?:se)?\b", re.IGNORECASE)


def _relative_who_as_that(question: str) -> str:
    """`question` with a relative "who" read as "that" when another word opens
    the question: "Which university was the lecturer from who was to interview
    the Secretary?" asks for a university, not a person. A "who" after "and"
    ("How were they kept and who were they monitored by?") still asks."""
    return _RELATIVE_WHO.sub(" that", question) if _OTHER_OPENER.match(question) else question


def question_type(question: str) -> str | None:
    """The kind of answer `question` expects, or None when any sentence may do."""
    q = question.lower()
    if _ASKS_VOTE_RESULT.search(question):
        return VOTE
    if _PERSON_QUESTION.search(_relative_who_as_that(question)):
        return PERSON
    if _ASKS_MONEY.search(q):
        return MONEY
    if _ASKS_NUMBER.search(q):
        return NUMBER
    if re.search(r"^\s*when\b|\bwhen (?:is|was|were|did|does|will|had)\b|\bwhat (?:year|date|month|day)s?\b"
                 r"|\bwhich (?:year|date|month|day)s?\b|\bin what year\b", q):
        return DATE
    return None


_POSSESSIVE = re.compile(r"['’]s?$")
"""A possessive ending ("Council's", "Members’"), taken off before a word is looked up."""


def _is_common(word: str) -> bool:
    """Whether English mostly writes `word` in lower case, as it stands, without
    its possessive ending, or as the singular of a plural ("Payments")."""
    bare = _POSSESSIVE.sub("", word.lower())
    return bare in _common_words() or (bare.endswith("s") and bare[:-1] in _common_words())


@cache
def _common_words() -> frozenset[str]:
    """Words English mostly writes in lower case; none if the list is missing."""
    try:
        return frozenset(COMMON_WORDS_PATH.read_text(encoding="utf-8").split())
    except OSError:
        return frozenset()


def person_names(sentence: str, question: str = "") -> list[str]:
    """Things in `sentence` that look like a person's name and are not already in
    the question: an honorific and a capitalised word, or a run of two or more
    capitalised words none of which is an institution or role word and not all
    of which are words English mostly writes in lower case ("Cheque Payments for
    Approval" is a heading's words; "Grant Shapps" is a name)."""
    asked = {_POSSESSIVE.sub("", w.lower()).strip("'’") for w in re.findall(r"[\w'’-]+", question)}
    names = [m.group() for m in _HONORIFIC.finditer(sentence)]
    names += [m["name"] for m in _MOVED_BY.finditer(sentence) if m["name"].lower() not in _NOT_NAME_WORDS
              and not _HONORIFIC.match(sentence, m.start("name"))]
    for match in _CAPITALISED.finditer(sentence):
        words = match.group().split()
        if any(w.lower() in _NOT_NAME_WORDS or w.lower().strip("'’") in asked for w in words):
            continue
        if all(_is_common(w) for w in words):
            continue
        names.append(match.group())
    kept = [n for n in names if n.split()[-1].lower().strip("'’") not in asked]
    return [n for n in dict.fromkeys(kept) if not any(n != other and n in other for other in kept)]


def has_type(sentence: str, kind: str | None, question: str = "") -> bool:
    """Whether `sentence` contains something of the kind `question_type` asked for."""
    if kind is None:
        return True
    sentence = _LIST_MARKER.sub("", sentence)
    if kind == PERSON:
        return bool(person_names(sentence, question))
    if kind not in _KIND_PATTERN:
        raise ValueError(f"unknown answer type {kind!r}")
    if kind == NUMBER:
        sentence = _DATE_OR_TIME.sub(" ", sentence)
    return bool(_KIND_PATTERN[kind].search(sentence))


_FOCUS = re.compile(
    r"\b(?:what|which|how\s+many|how\s+much)\s+(?P<focus>(?:[\w'’-]+\s+){0,3}?[\w'’-]+?)\s+"
    r"(?:did|does|do|is|was|were|are|has|have|had|will|would|can|could|should|must|might|may)\b",
    re.IGNORECASE,
)


VALUE_REACH = 4
"""Words either side of a value within which it counts as the asked-for thing's value."""


def value_names_focus(sentence: str, question: str, kind: str | None, focus: frozenset[str] | None = None) -> bool:
    """Whether a figure in `sentence` sits beside what the question counts or
    prices: "79" in "79 dwellings" for "how many dwellings", "£7,400" in "a
    precept of £7,400" for "what precept". A figure that counts something else
    ("three additional sites") is a number, but not the answer. False when the
    question wants no figure or names no focus. `focus` is `focus_terms(question)`,
    for a caller that already has it."""
    if kind not in (MONEY, NUMBER):
        return False
    focus = focus_terms(question) if focus is None else focus
    if not focus:
        return False
    words = list(re.finditer(r"\S+", sentence))
    for value in _KIND_PATTERN[kind].finditer(sentence):
        at = next((i for i, w in enumerate(words) if w.end() > value.start()), None)
        if at is None:
            continue
        near = " ".join(w.group() for w in words[max(0, at - VALUE_REACH) : at + VALUE_REACH + 1])
        if focus & set(content_terms(near)):
            return True
    return False


_HOW_PHRASE = re.compile(r"\bhow\s+(?:much|many|long|often|far|old|soon)\b", re.IGNORECASE)


def topic_words(question: str) -> str:
    """The question without its "how much / many / long …" phrase: those words
    say what kind of answer is wanted (`question_type` reads them), not what it
    is about, and counted as topic words they are the question's rarest and are
    missing from nearly every answer ("How much was allocated …" against "the
    allocation of £2m")."""
    return _HOW_PHRASE.sub(" ", question)


def focus_terms(question: str) -> frozenset[str]:
    """The stemmed content terms of `focus_words`."""
    return frozenset(content_terms(focus_words(question)))


def focus_words(question: str) -> str:
    """The words naming what is asked for: "rating" in "What overall rating did
    …", "recommendations" in "How many recommendations did …". Empty when the
    question has no such phrase."""
    match = _FOCUS.search(question)
    return match.group("focus") if match else ""


_ASKS_MOVER = re.compile(
    r"\b(?:propos|second|mov|chair|present|introduc|sponsor)\w*\b", re.IGNORECASE
)
_ASKS_VOTE = re.compile(r"\b(?:vote[sd]?|voting|tally|carried|how did .* vote|unanimous)\b", re.IGNORECASE)
_ASKS_DECISION = re.compile(
    r"\b(?:decid\w*|decision|resolv\w*|resolution|agree\w*|approv\w*|adopt\w*|determin\w*|outcome)\b",
    re.IGNORECASE,
)


def asks_mover(question: str) -> bool:
    """A "who" question about a motion: who proposed, seconded, moved or chaired."""
    return question_type(question) == PERSON and bool(_ASKS_MOVER.search(question))


def asks_vote(question: str) -> bool:
    """The question asks how a vote went."""
    return bool(_ASKS_VOTE.search(question))


def asks_reason(question: str) -> bool:
    """A "why" question."""
    return bool(re.match(r"\s*why\b|.*\bfor what reason\b|.*\bwhat (?:was|were) the reasons?\b", question,
                         re.IGNORECASE))


def asks_decision(question: str) -> bool:
    """The question asks what was decided, resolved or agreed."""
    return question_type(question) is None and bool(_ASKS_DECISION.search(question))


_ASKS_OUTCOME = re.compile(
    r"\b(?:what\s+(?:happened|became)|happen(?:ed)?\s+(?:to|with)|result\s+of|fate\s+of)\b", re.IGNORECASE
)


def asks_outcome(question: str) -> bool:
    """The question wants how a matter ended: what was decided, or what happened
    to a proposal, motion or application."""
    return asks_decision(question) or (question_type(question) is None and bool(_ASKS_OUTCOME.search(question)))


_NAMED_ROLE = re.compile(rf"\bname\s+of\s+(?:the\s+|a\s+|an\s+)?(?:new\s+)?(?P<role>{_ROLE_WORDS})\b", re.IGNORECASE)


def names_the_role(sentence: str, question: str) -> bool:
    """For "the name of the Director" questions, whether the sentence mentions
    the role at all: a name next to another role ("Cabinet member …, Councillor
    Tony Smith") is not the Director's. For any question naming a role, the
    sentence must not speak of that role only with another rank: the
    Vice-Chairman's election does not say who was elected Chairman."""
    match = _NAMED_ROLE.search(question)
    if match is not None and re.search(rf"\b{re.escape(match.group('role'))}", sentence, re.IGNORECASE) is None:
        return False
    return not _rank_clash(sentence, question)


_RANK = re.compile(rf"\b(?:(?P<rank>vice|deputy|assistant|acting|interim|former)[\s-]+)?(?P<role>{_ROLE_WORDS})\b",
                   re.IGNORECASE)
_SAME_ROLE = {"chairman": "chair", "chairwoman": "chair", "chairperson": "chair"}


def _ranks(text: str) -> set[tuple[str, str]]:
    """Each role the text names, with the rank word before it ("" for none)."""
    return {((m["rank"] or "").lower(), _SAME_ROLE.get(m["role"].lower(), m["role"].lower()))
            for m in _RANK.finditer(text)}


def _rank_clash(sentence: str, question: str) -> bool:
    """The question names a role at one rank ("Chairman") and the sentence names
    that role, but only at others ("Vice-Chairman")."""
    said = _ranks(sentence)
    for rank, role in _ranks(question):
        ranks_said = {r for r, name in said if name == role}
        if ranks_said and rank not in ranks_said:
            return True
    return False