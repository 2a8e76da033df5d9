"""Pure logic behind the app: escaping and highlighting, the briefing note,
the feedback file, filters from widget values, upload names."""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from factories import retrieved as make_retrieved

from ingest.errors import ConfigError
from ingest.types import Paragraph
from ingest.uploads import MAX_NAME_CHARS, safe_name
from qa_app.abstention import ABSTAIN_MESSAGE
from qa_app.briefing import answer_markdown, conversation_markdown
from qa_app.feedback import FeedbackError, FeedbackRecord, FeedbackStore
from qa_app.markdown import escape_markdown
from qa_app.types import Answer, Citation, RetrievedParagraph
from ui.render import ViewerSpan, answer_html, highlight, inert, paper_html

HOSTILE = '<script>alert(1)</script> <img src=x onerror="alert(2)"> [x](javascript:alert(3)) **b** :red[c] $x$'


def visible(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment.replace("<br>", "\n")))


def retrieved(text: str, number: int = 3, title: str = "Cabinet minutes") -> RetrievedParagraph:
    return make_retrieved(text, number=number, title=title, score=0.9, paragraph_id=f"p{number}")


def cited_answer(text: str, quote: str, title: str = "Cabinet minutes") -> Answer:
    start = text.index(quote)
    src = retrieved(text, title=title)
    return Answer(question="How much?", answer=f"{quote} [1]", abstained=False,
                  citations=[Citation(1, src, quote, start, start + len(quote), 0.9)], retrieved=[src])


def test_inert_shows_markup_as_text() -> None:
    out = inert(HOSTILE + "\nline two")
    assert "<" not in out.replace("<br>", "") and "](" not in out and "**" not in out and "$" not in out
    assert visible(out) == HOSTILE + "\nline two"


def test_highlight_marks_exactly_the_quote_and_trims_context() -> None:
    text = "alpha " * 60 + "the £2m allocation <b>" + " omega" * 60
    start = text.index("the £2m")
    out = highlight(text, start, start + len("the £2m allocation <b>"), context=40)
    marked = re.search(r'<mark class="cpa-quote">(.*?)</mark>', out)
    assert marked and visible(marked.group(1)) == "the £2m allocation <b>"
    assert out.startswith("… ") and out.endswith(" …") and len(visible(out)) < 140
    with pytest.raises(ValueError, match="quote span must lie inside the text"):
        highlight("short", 2, 99)


def test_answer_html_keeps_markers_and_escapes_the_rest() -> None:
    out = answer_html("Costs <b>£2m</b> [1], see [2].")
    assert '<span class="cpa-marker">[1]</span>' in out and '<span class="cpa-marker">[2]</span>' in out
    assert "<b>" not in out and visible(out) == "Costs <b>£2m</b> [1], see [2]."


def test_paper_html_highlights_only_the_cited_paragraph() -> None:
    paras = [Paragraph(f"p{i}", "d", i, f"para {i} <i>x</i>", 0, 10) for i in range(1, 6)]
    out = paper_html(paras, ViewerSpan(3, 0, 6))
    assert out.count('id="cpa-cited-paragraph"') == 1 and out.count("<mark") == 1
    cited = out.split('id="cpa-cited-paragraph"')[0].rsplit("<p ", 1)[1]
    assert 'data-paragraph="3"' in cited
    assert "<i>" not in out


def test_escape_markdown_round_trips_through_visible_text() -> None:
    escaped = escape_markdown(HOSTILE)
    assert "<script>" not in escaped and "\\[x\\]" in escaped and "\\*\\*b\\*\\*" in escaped


def test_answer_markdown_has_sources_and_escapes_paper_text() -> None:
    text = "The council allocated £2m [see](http://evil) to <script>x</script> services."
    note = answer_markdown(cited_answer(text, "allocated £2m [see](http://evil)", title="Motion *urgent*"))
    assert note.startswith("## Q: How much?")
    assert "### Sources" in note and "**[1]** Motion \\*urgent\\*" in note and "paragraph 3" in note
    assert "> allocated £2m \\[see\\](http://evil)" in note
    assert "[see](" not in note and "<script>" not in note
    assert "allocated £2m \\[see\\](http://evil) [1]" in note, "markers stay readable"


def test_abstention_in_the_note_is_not_an_answer() -> None:
    answer = Answer(question="Parking?", answer="", abstained=True, retrieved=[retrieved("Car parks.")])
    note = answer_markdown(answer)
    assert ABSTAIN_MESSAGE in note and "Possibly related (not an answer)" in note and "Sources" not in note


def test_conversation_note_lists_every_question_in_order() -> None:
    first = cited_answer("Cabinet approved £3.5m next year.", "£3.5m next year")
    second = cited_answer("Ofsted made 14 recommendations.", "14 recommendations")
    second = replace(second, question="How many?")
    note = conversation_markdown([first, second], when=datetime(2024, 5, 1, 9, 30))
    assert note.startswith("# Briefing note\n\nPrepared 2024-05-01 09:30")
    assert note.index("How much?") < note.index("How many?") and note.count("### Sources") == 2
    assert "No questions asked yet" in conversation_markdown([])


def test_feedback_file_keeps_latest_rating_and_skips_corrupt_lines(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path)
    answer = cited_answer("Ofsted made 14 recommendations.", "14 recommendations")
    store.record(FeedbackRecord.for_answer("a1", answer, "up"))
    store.record(FeedbackRecord.for_answer("a1", answer, "down"))
    store.record(FeedbackRecord.for_answer("a2", answer, "up"))
    with store.path.open("a") as out:
        out.write("{not json\n")
    assert len(store.all()) == 3
    latest = {r.answer_id: r for r in store.latest()}
    assert latest["a1"].rating == "down" and latest["a2"].rating == "up"
    row = json.loads(store.path.read_text().splitlines()[0])
    assert row["question"] == "How much?" and row["citations"][0]["quote"] == "14 recommendations"
    with pytest.raises(FeedbackError, match="rating must be one of up, down; got 'meh'"):
        FeedbackRecord.for_answer("a3", answer, "meh")


def test_upload_names_cannot_escape_the_corpus_folder() -> None:
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("C:\\papers\\report.pdf") == "report.pdf"
    for bad in ("..", "", "._", "\u202e"):
        with pytest.raises(ConfigError, match="cannot store an upload named"):
            safe_name(bad)


def test_upload_names_are_sanitised_not_refused() -> None:
    assert safe_name(".hidden.txt") == "hidden.txt", "a leading dot would hide the paper from ingestion"
    assert safe_name("_PROVENANCE.md") == "PROVENANCE.md", "never overwrites the notes beside the papers"
    assert safe_name("report\u202efdp.txt") == "reportfdp.txt", "no bidi override to disguise the extension"
    assert safe_name("a\x00b\x1fc.pdf") == "abc.pdf"
    long = safe_name("x" * 300 + ".pdf")
    assert len(long) == MAX_NAME_CHARS and long.endswith(".pdf")


def test_exported_notes_name_files_without_the_servers_folders() -> None:
    src = make_retrieved("The council allocated £2m.", doc="/srv/council/private/corpus/budget.txt", number=3)
    answer = Answer(question="How much?", answer="The council allocated £2m. [1]", abstained=False,
                    citations=[Citation(1, src, "The council allocated £2m.", 0, 26, 0.9)], retrieved=[src])
    note = answer_markdown(answer)
    assert "`budget.txt`" in note and "/srv/council" not in note
    declined = answer_markdown(replace(answer, abstained=True, citations=[]))
    assert "`budget.txt`" in declined and "/srv/council" not in declined
