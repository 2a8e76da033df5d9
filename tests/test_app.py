"""The chat page through `streamlit.testing.v1.AppTest`, against real stores.

The app's model factory is pointed at the test run's embedder, so the model
loads once for the whole test run; each test gets its own store folder key.
"""

from __future__ import annotations

import html
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, ingest, make_store
from streamlit.testing.v1 import AppTest

from ingest.audit import AuditLog
from ingest.config import Settings
from ingest.embed import MiniLMEmbedder
from qa_app.abstention import ABSTAIN_MESSAGE
from qa_app.accounts import Accounts, default_path
from ui.render import SCROLL_SCRIPT, VIEWER_CSS

APP = str(ROOT / "streamlit_app.py")


@pytest.fixture()
def chat(
    seed_store_dir: Path, monkeypatch: pytest.MonkeyPatch, use_session_model: None
) -> Callable[[], AppTest]:
    monkeypatch.setenv("COUNCIL_STORE_DIR", str(seed_store_dir))
    monkeypatch.setenv("COUNCIL_CORPUS_DIR", str(seed_store_dir.parent / "corpus"))

    def start() -> AppTest:
        at = AppTest.from_file(APP, default_timeout=120)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return start


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def text_of(fragment: str) -> str:
    """What a browser shows for one of our inert HTML fragments."""
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", fragment.replace("<br>", "\n")))


def answers_html(at: AppTest) -> list[str]:
    return [h.value for h in at.html if 'class="cpa-answer"' in h.value]


def sources_html(at: AppTest) -> list[str]:
    return [h.value for h in at.html if 'class="cpa-source"' in h.value]


def paper_with(text: str, seed_store_dir: Path) -> Path:
    matches = [p for p in (seed_store_dir.parent / "corpus").glob("*.txt") if text in p.read_text(encoding="utf-8")]
    assert len(matches) == 1, matches
    return matches[0]


@pytest.mark.parametrize("qid", ["d01", "d02", "d08"])
def test_dev_question_answered_with_citation_to_the_right_paper(
    qid: str, chat: Callable[[], AppTest], council_questions: list[dict[str, object]], seed_store_dir: Path
) -> None:
    item = next(q for q in council_questions if q["id"] == qid)
    at = ask(chat(), str(item["question"]))
    shown = text_of(answers_html(at)[0])
    answers = [str(a) for a in item["answers"]]  # type: ignore[attr-defined]
    assert any(a.lower() in shown.lower() for a in answers), shown
    assert "[1]" in shown
    paper = paper_with(str(item["evidence"]), seed_store_dir)
    turn = at.session_state["turns"][0]
    assert any(Path(c.source.path).name == paper.name for c in turn.answer.citations)
    cited_titles = " ".join(text_of(s) for s in sources_html(at))
    right_title = json.loads(paper.with_name(paper.name + ".meta.json").read_text())["title"]
    assert right_title in cited_titles
    assert any(m.value == "**Sources**" for m in at.markdown)


def test_filter_changes_the_result(chat: Callable[[], AppTest]) -> None:
    question = "How much money did the council allocate to enable immediate changes in children's services?"
    unfiltered = ask(chat(), question).session_state["turns"][0].answer
    assert {c.source.doc_type for c in unfiltered.citations} == {"motion"}

    at = chat()
    at.multiselect(key="f-types").set_value(["press_release"]).run()
    filtered = ask(at, question).session_state["turns"][0].answer
    assert all(r.doc_type == "press_release" for r in filtered.retrieved)
    assert all(c.source.doc_type == "press_release" for c in filtered.citations)
    assert filtered.answer != unfiltered.answer
    assert any("Press release" in c.value for c in at.caption), "the answer says it was filtered"


def test_abstention_looks_like_one(chat: Callable[[], AppTest]) -> None:
    at = ask(chat(), "What are the council's parking charges in Birkenhead town centre?")
    assert [w.value for w in at.warning] == [ABSTAIN_MESSAGE]
    assert not answers_html(at) and not sources_html(at)
    assert "Possibly related (not an answer)" in [e.label for e in at.main.expander]
    related = [h.value for h in at.html if 'class="cpa-related"' in h.value]
    assert related, "closest matches are offered as possibly related"


def test_follow_up_question_uses_the_conversation(chat: Callable[[], AppTest]) -> None:
    at = ask(chat(), "Who proposed the motion on the Ofsted inspection report at the extraordinary council meeting?")
    at = ask(at, "Who seconded it?")
    turns = at.session_state["turns"]
    assert len(turns) == 2 and len(at.chat_message) == 4
    follow = turns[1].answer
    assert follow.resolved_question and follow.resolved_question != "Who seconded it?"
    assert "Tony Smith" in text_of(answers_html(at)[1])
    assert any("understood as" in c.value for c in at.caption)


def test_new_conversation_clears_history(chat: Callable[[], AppTest]) -> None:
    at = ask(chat(), "Who is the Cabinet member for Children, Families and Education?")
    assert len(at.chat_message) == 2
    at.button(key="new-conversation").click().run()
    assert at.session_state["turns"] == [] and len(at.chat_message) == 0


def test_export_answer_and_conversation_as_briefing_note(chat: Callable[[], AppTest]) -> None:
    at = chat()
    at = ask(at, "Who is the Cabinet member for Children, Families and Education?")
    at = ask(at, "Within how many days of the report's publication must the Improvement Plan be submitted?")
    labels = [b.label for b in at.get("download_button")]
    assert labels.count("Download answer (.md)") == 2
    assert "Download conversation (.md)" in labels
    note = next(c.value for c in at.code if c.language == "markdown")
    assert note.startswith("# Briefing note")
    assert "Who is the Cabinet member for Children, Families and Education?" in note
    assert "70 days" in note and "Tom Usher" in note
    assert note.count("### Sources") == 2
    assert "**[1]**" in note and "> " in note


def test_source_viewer_highlights_the_cited_paragraph(chat: Callable[[], AppTest]) -> None:
    at = ask(chat(), "How many recommendations for improvement did Ofsted make for the council?")
    citation = at.session_state["turns"][0].answer.citations[0]
    at.button(key="open-0-1").click().run()
    viewer = next(h.value for h in at.html if 'class="cpa-viewer"' in h.value)
    assert viewer.count('class="cpa-para') > 5, "the whole paper is shown"
    cited = viewer.split('id="cpa-cited-paragraph"', 1)[1].split("</p>", 1)[0]
    assert f'data-paragraph="{citation.source.paragraph.number}"' in viewer
    assert text_of(cited.split('<mark class="cpa-quote">', 1)[1].split("</mark>", 1)[0]) == citation.quote
    assert any(c.value == Path(citation.source.path).name for c in at.code), "the file's place in the corpus"


def test_feedback_is_stored_next_to_the_index(
    seed_store_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, use_session_model: None
) -> None:
    store_dir = tmp_path / "index"
    shutil.copytree(seed_store_dir, store_dir)
    monkeypatch.setenv("COUNCIL_STORE_DIR", str(store_dir))
    at = AppTest.from_file(APP, default_timeout=120).run()
    at = ask(at, "Who is the Leader of the Council that received the letter of congratulations?")
    at.feedback[0].set_value(0).run()
    lines = (store_dir / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[-1])
    assert record["rating"] == "down"
    assert record["question"] == "Who is the Leader of the Council that received the letter of congratulations?"
    assert record["citations"] and record["citations"][0]["quote"]


def test_empty_library_names_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, use_session_model: None) -> None:
    monkeypatch.setenv("COUNCIL_STORE_DIR", str(tmp_path / "nothing-here"))
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception
    assert any("python -m ingest" in i.value for i in at.info)
    assert not at.chat_input


def test_empty_library_button_ingests_the_corpus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, use_session_model: None
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("wirral-press-release-2019-childrens-services-improved.txt",):
        shutil.copy(ROOT / "corpus" / name, corpus / name)
        shutil.copy(ROOT / "corpus" / (name + ".meta.json"), corpus / (name + ".meta.json"))
    monkeypatch.setenv("COUNCIL_STORE_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("COUNCIL_CORPUS_DIR", str(corpus))
    Accounts(default_path(tmp_path / "index")).add("olive", "correct horse battery", ["officers"])
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["signed_in_as"] = "olive"  # only an officer gets the button (tests/test_app_access.py)
    at.run()
    next(b for b in at.button if b.label.startswith("Ingest the corpus folder")).click().run()
    assert not at.exception
    assert any("1 added" in s.value for s in at.success)
    assert [(e.event, e.actor) for e in AuditLog.for_store(tmp_path / "index").read()] == [("ingest", "olive")]
    at.run()
    assert at.chat_input, "the chat is available once the library has papers"


HOSTILE = (
    "Zebra crossings\n\nThe zebra crossing budget for Hoylake promenade is £41,000 <script>alert(1)</script> "
    'and <img src=x onerror="alert(2)"> see [agreed](javascript:alert(3)) by **officers** :red[now].\n'
)


def test_paper_text_is_never_markup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, use_session_model: None, embedder: MiniLMEmbedder,
    settings: Settings,
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    (corpus / "hostile.txt.meta.json").write_text(json.dumps({"title": "Crossings <b onmouseover=alert(4)>x</b>"}))
    store = make_store(tmp_path / "index", embedder, settings)
    assert ingest([corpus], store, embedder).ok
    store.close()
    monkeypatch.setenv("COUNCIL_STORE_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("COUNCIL_CORPUS_DIR", str(corpus))
    at = ask(AppTest.from_file(APP, default_timeout=120).run(), "What is the zebra crossing budget for Hoylake?")
    at.button(key="open-0-1").click().run()
    fragments = [h.value for h in at.html if "cpa-" in h.value and h.value not in (VIEWER_CSS, SCROLL_SCRIPT)]
    assert any('class="cpa-viewer"' in f for f in fragments)
    rendered = "".join(fragments)
    assert "£41,000" in rendered
    for raw in ("<script", "<img", "<b ", "](", "**", ":red["):
        assert raw not in rendered, raw
    shown = text_of(rendered)
    for literal in ("<script>alert(1)</script>", '<img src=x onerror="alert(2)">', "[agreed](javascript:alert(3))",
                    "**officers**", "Crossings <b onmouseover=alert(4)>x</b>"):
        assert literal in shown, literal


def test_a_new_browser_session_reuses_the_loaded_model_and_library(
    seed_store_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder: MiniLMEmbedder
) -> None:
    import ui.resources as resources

    loads: list[tuple[object, ...]] = []

    def counting_loader(*args: object) -> MiniLMEmbedder:
        loads.append(args)
        return embedder

    monkeypatch.setattr(resources, "load_embedder", counting_loader)
    store_dir = tmp_path / "index"
    shutil.copytree(seed_store_dir, store_dir)
    monkeypatch.setenv("COUNCIL_STORE_DIR", str(store_dir))
    question = "Who is the Cabinet member for Children, Families and Education?"
    first = ask(AppTest.from_file(APP, default_timeout=120).run(), question)
    second = ask(AppTest.from_file(APP, default_timeout=120).run(), question)
    assert len(loads) == 1, "the second session must not build the model or the engine again"
    assert first.session_state["turns"][0].answer.answer == second.session_state["turns"][0].answer.answer
