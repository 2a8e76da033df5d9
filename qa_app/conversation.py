"""Follow-up questions made standalone without a language model.

"And the year after?" after "How much will the Council add next year?" becomes
"How much will the Council add the year after?"; "What about the Cabinet?"
swaps the body the previous question was about; "Who seconded it?" puts the
previous question's subject in place of "it"; "What did she say?" uses the
person the previous answer named. When no rule applies, the question is
returned unchanged, so a standalone question is never rewritten.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from ingest.dates import MONTH_NAMES
from qa_app.answer_types import person_names
from qa_app.types import Turn

__all__ = ["QuestionResolver", "RuleBasedResolver", "resolve_followup"]

_MAX_DEPTH = 6
_MONTHS = "|".join(MONTH_NAMES)
_TIME = re.compile(
    rf"\b(?:(?:in|during|by|for|from|since|before|after|of)\s+)?(?:the\s+)?"
    rf"(?:year|month|week)\s+(?:after|before)(?:\s+that)?"
    rf"|\b(?:(?:in|during|by|for|from|since|before|after|of)\s+)?(?:the\s+)?(?:next|last|this|following|previous|"
    rf"coming|current)\s+(?:year|month|week|financial year)"
    rf"|\b(?:(?:in|during|by|for|from|since|before|after|of)\s+)?(?:(?:{_MONTHS})\s+)?(?:19|20)\d\d\b"
    rf"|\b(?:(?:in|during|by|for|from|since|before|after|of)\s+)?(?:{_MONTHS})\b",
    re.IGNORECASE,
)
_FRAGMENT = re.compile(
    r"^\s*(?:(?:and|but|also|so)\s*,?\s*)?(?:(?:what|how)\s+about|what\s+of|same\s+(?:for|with)|and)\s+(?P<x>.+?)\s*[?.!]*\s*$",
    re.IGNORECASE,
)
_BARE = re.compile(r"^\s*(?:and|but|also|so)?\s*,?\s*(?P<x>[^?]{1,40}?)\s*\?*\s*$", re.IGNORECASE)
_BODIES = (
    r"council|cabinet|sub-committee|committee|board|ofsted|government|department|authority|partnership|"
    r"scrutiny|panel|assembly|executive|mayor|leader|director|minister|inspectors?"
)
_BODY = re.compile(
    rf"\b(?:(?i:the)\s+)?(?:[A-Z][\w'’-]*\s+)*(?i:{_BODIES})(?:\s+(?:of|for)\s+[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*)?\b"
)
_PERSON_PRONOUN = re.compile(r"\b(he|she|him|her|his|hers)\b", re.IGNORECASE)
_THING_PRONOUN = re.compile(r"\b(it|its|they|them|their)\b", re.IGNORECASE)
_AUX = {"did", "does", "do", "will", "would", "can", "could", "should", "has", "have", "had", "is", "was", "were",
        "are", "may", "might", "must", "shall"}
_DO_MODAL = {"did", "does", "do", "will", "would", "can", "could", "should", "may", "might", "must", "shall"}
_NP_STOP = _AUX | {"who", "what", "when", "where", "which", "why", "how", "that", "to", "and", "or", "but", "if",
                   "than", "as", "so", "because", "about", "said", "say", "says"}
_PREPS = {"of", "on", "for", "at", "in", "from", "by", "with", "into", "under", "over"}
_WORD = re.compile(r"[\w'’£$%.-]+|[?,;:!]")


class QuestionResolver(Protocol):
    """Turns a follow-up into a standalone question using the conversation so far."""

    def resolve(self, question: str, history: Sequence[Turn]) -> str: ...


class RuleBasedResolver:
    """`QuestionResolver` by rules (see the module docstring)."""

    def resolve(self, question: str, history: Sequence[Turn]) -> str:
        return resolve_followup(question, history)


def resolve_followup(question: str, history: Sequence[Turn], _depth: int = 0) -> str:
    """The standalone form of `question` given earlier turns (oldest first)."""
    question = question.strip()
    if not history or _depth >= _MAX_DEPTH:
        return question
    prev_turn = history[-1]
    prev = resolve_followup(prev_turn.question, history[:-1], _depth + 1)
    fragment = _fragment(question)
    if fragment is not None:
        return _substitute(prev, fragment)
    resolved = _replace_pronouns(question, prev, prev_turn.answer)
    return resolved


def _fragment(question: str) -> str | None:
    """The elliptical part of "And the year after?" / "What about X?", or None
    when the question stands on its own."""
    match = _FRAGMENT.match(question)
    if match:
        return match.group("x").strip()
    bare = _BARE.match(question)
    if bare and _TIME.fullmatch(bare.group("x").strip()):
        return bare.group("x").strip()
    return None


def _substitute(prev: str, fragment: str) -> str:
    """Put `fragment` in the slot of `prev` it replaces: a time for a time, a
    body for a body; otherwise ask the previous question about the fragment."""
    body = prev.rstrip().rstrip("?").rstrip()
    if _TIME.fullmatch(fragment):
        times = list(_TIME.finditer(body))
        if times:
            last = times[-1]
            replacement = _keep_preposition(last.group(), fragment)
            return f"{body[: last.start()]}{replacement}{body[last.end():]}?"
        return f"{body} {fragment}?"
    if _BODY.fullmatch(fragment):
        bodies = [m for m in _BODY.finditer(body) if m.start() > 0]
        if bodies:
            last = bodies[-1]
            return f"{body[: last.start()]}{fragment}{body[last.end():]}?"
    if _PERSON_PRONOUN.search(fragment) or _THING_PRONOUN.search(fragment):
        return f"{body} ({fragment})?"
    return f"{body}, for {fragment}?"


def _keep_preposition(old: str, new: str) -> str:
    """"in 2016" replaced by "2019" keeps its "in"."""
    prep = re.match(r"(in|during|by|for|from|since|before|after|of)\s+", old, re.IGNORECASE)
    if prep and not re.match(r"(in|during|by|for|from|since|before|after|of)\s+", new, re.IGNORECASE):
        if not re.match(r"the\s+(year|month|week)\s+(after|before)", new, re.IGNORECASE):
            return f"{prep.group(1)} {new}"
    return new


def _replace_pronouns(question: str, prev: str, prev_answer: str) -> str:
    """Replace third-person pronouns with the person the previous answer named or
    the subject of the previous question."""
    out = question
    if _PERSON_PRONOUN.search(out):
        names = person_names(prev_answer, prev) or person_names(prev)
        if names:
            name = _strip_honorific(names[0])

            def person(match: re.Match[str]) -> str:
                word = match.group(1).lower()
                return f"{name}'s" if word in {"his", "hers"} else name

            out = _PERSON_PRONOUN.sub(person, out)
    if _THING_PRONOUN.search(out):
        phrase = main_noun_phrase(prev)
        if phrase:

            def thing(match: re.Match[str]) -> str:
                word = match.group(1).lower()
                return f"{phrase}'s" if word in {"its", "their"} else phrase

            out = _THING_PRONOUN.sub(thing, out)
    return out


def _strip_honorific(name: str) -> str:
    return re.sub(r"^(?:Cllr|Councillor|Mr|Mrs|Ms|Miss|Dr)\.?\s+", "", name)


def main_noun_phrase(question: str) -> str | None:
    """The phrase a later "it" most likely means: the first determiner-led noun
    phrase in object position, else the first one (its trailing verb dropped when
    an auxiliary precedes it, as in "did the council allocate")."""
    words = _WORD.findall(question)
    phrases: list[tuple[str, bool]] = []
    i = 0
    while i < len(words):
        if words[i].lower() in {"the", "a", "an"}:
            j = i + 1
            while j < len(words) and words[j] not in "?,;:!" and words[j].lower() not in _NP_STOP:
                if words[j].lower() in _PREPS and (j + 1 >= len(words) or words[j + 1] in "?,;:!"):
                    break
                j += 1
            after_aux = i > 0 and words[i - 1].lower() in _AUX
            span = words[i:j]
            verb_follows = after_aux and (words[i - 1].lower() in _DO_MODAL or span[-1].lower().endswith("ed"))
            if verb_follows and len(span) > 2:
                span = span[:-1]
            while span and span[-1].lower() in _PREPS:
                span = span[:-1]
            if len(span) > 1:
                phrases.append((" ".join(span), not after_aux))
            i = max(j, i + 1)
        else:
            i += 1
    if not phrases:
        return None
    objects = [p for p, is_object in phrases if is_object]
    return (objects or [p for p, _ in phrases])[0]
