"""How an answer looks: the cited answer, its Sources list, the source viewer,
the abstention message, feedback and per-answer export. Layout only; every
document-derived string goes through `ui.render`."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from ingest.errors import CouncilPapersError
from ingest.index import PaperStore
from qa_app.abstention import ABSTAIN_MESSAGE
from qa_app.briefing import answer_markdown
from qa_app.feedback import FeedbackError, FeedbackRecord, FeedbackStore
from qa_app.markdown import escape_markdown
from qa_app.types import Answer, Citation, RetrievedParagraph
from ui.library_view import corpus_relative, doc_type_label, resolve_paper_file
from ui.render import SCROLL_SCRIPT, ViewerSpan, answer_html, highlight, inert, paper_html

logger = logging.getLogger(__name__)

SNIPPET_CONTEXT = 160
RELATED_SHOWN = 3


@dataclass
class ChatTurn:
    """One question and its answer as the page keeps them."""

    answer_id: str
    answer: Answer
    filters_note: str = ""


def drew_only_on(answer: Answer, readable: set[str]) -> bool:
    """Whether every paper an answer quotes or lists is among `readable` (the
    reader's papers now): an answer given before an access change or a
    sign-out is not shown again if it is not."""
    used = {c.source.paragraph.doc_id for c in answer.citations} | {r.paragraph.doc_id for r in answer.retrieved}
    return used <= readable


def source_heading(source: RetrievedParagraph) -> str:
    """Title · type · date · ¶n, as inert HTML."""
    bits = [f"<strong>{inert(source.title)}</strong>", inert(doc_type_label(source.doc_type))]
    if source.date:
        bits.append(inert(source.date))
    if source.body:
        bits.append(inert(source.body))
    bits.append(f"paragraph {int(source.paragraph.number)}")
    return " · ".join(bits)


@st.dialog("Source", width="large")
def source_viewer(store: PaperStore, corpus_dir: Path, source: RetrievedParagraph, start: int, end: int) -> None:
    """The whole paper, the cited paragraph highlighted and scrolled into view."""
    st.html(f'<div class="cpa-viewer-head">{source_heading(source)}</div>')
    paragraphs = store.paragraphs_of(source.paragraph.doc_id)
    if not paragraphs:
        st.warning("This paper is no longer in the library; it may have been deleted or re-ingested.")
        return
    st.html(paper_html(paragraphs, ViewerSpan(source.paragraph.number, start, end)))
    st.html(SCROLL_SCRIPT, unsafe_allow_javascript=True)
    relative = corpus_relative(source.path, corpus_dir)
    st.caption("File in the corpus:")
    st.code(relative, language=None)
    path = resolve_paper_file(source.path)
    if path is not None:
        st.download_button(
            "Open the original file", data=path.read_bytes(), file_name=path.name,
            key=f"file-{source.paragraph.id}", icon=":material/description:",
        )
    else:
        st.caption("The original file is no longer in the corpus folder.")


def _open_button(label: str, key: str) -> bool:
    return st.button(label, key=key, type="tertiary", icon=":material/open_in_new:")


def render_sources(turn_index: int, citations: list[Citation], store: PaperStore, corpus_dir: Path) -> None:
    st.markdown("**Sources**")
    for citation in citations:
        src = citation.source
        snippet = highlight(src.paragraph.text, citation.quote_start, citation.quote_end, context=SNIPPET_CONTEXT)
        st.html(
            f'<div class="cpa-source" data-n="{int(citation.n)}"><span class="cpa-marker">[{int(citation.n)}]</span> '
            f'{source_heading(src)}<div class="cpa-snippet">“{snippet}”</div></div>'
        )
        if _open_button(f"Open source [{citation.n}]", key=f"open-{turn_index}-{citation.n}"):
            source_viewer(store, corpus_dir, src, citation.quote_start, citation.quote_end)


def render_abstention(turn_index: int, answer: Answer, store: PaperStore, corpus_dir: Path) -> None:
    st.warning(ABSTAIN_MESSAGE, icon=":material/search_off:")
    if answer.notice:
        st.caption(escape_markdown(answer.notice))
    related = answer.retrieved[:RELATED_SHOWN]
    if not related:
        return
    with st.expander("Possibly related (not an answer)"):
        for i, r in enumerate(related, start=1):
            text = r.paragraph.text
            st.html(
                f'<div class="cpa-related">{source_heading(r)}'
                f'<div class="cpa-snippet">{inert(text[:300])}{"…" if len(text) > 300 else ""}</div></div>'
            )
            if _open_button("Open paper", key=f"related-{turn_index}-{i}"):
                source_viewer(store, corpus_dir, r, 0, 0)


def _record_feedback(store: FeedbackStore, turn: ChatTurn, key: str) -> None:
    value = st.session_state.get(key)
    if value is None:
        return
    try:
        store.record(FeedbackRecord.for_answer(turn.answer_id, turn.answer, "up" if value == 1 else "down"))
    except FeedbackError as exc:
        st.toast(f"Feedback not saved: {exc}")
        return
    st.toast("Thanks: feedback saved for officers to review.")


def stream_answer(pieces: Iterable[str | Answer]) -> Answer:
    """Show an LLM's answer as it is written (as plain text), and return the
    verified `Answer` that ends the stream; the caller then renders it properly."""
    draft = st.empty()
    written: list[str] = []
    final: Answer | None = None
    with st.spinner("Writing the answer…"):
        for piece in pieces:
            if isinstance(piece, Answer):
                final = piece
            else:
                written.append(piece)
                draft.html(f'<div class="cpa-answer cpa-draft">{inert("".join(written))}</div>')
    draft.empty()
    if final is None:
        raise CouncilPapersError("the answer stream ended without an answer")
    return final


def render_answer(
    turn_index: int, turn: ChatTurn, store: PaperStore, corpus_dir: Path, feedback: FeedbackStore
) -> None:
    answer = turn.answer
    if answer.abstained:
        render_abstention(turn_index, answer, store, corpus_dir)
    else:
        st.html(answer_html(answer.answer))
        if answer.notice:
            st.caption(escape_markdown(answer.notice))
        if answer.citations:
            render_sources(turn_index, answer.citations, store, corpus_dir)
    meta = [f"mode: {answer.mode}"]
    if turn.filters_note:
        meta.append(f"filtered by {turn.filters_note}")
    if answer.resolved_question and answer.resolved_question != answer.question:
        meta.append(f"understood as: “{answer.resolved_question}”")
    total = answer.timings_ms.get("total")
    if total is not None:
        meta.append(f"{total:.0f} ms")
    st.caption(escape_markdown(" · ".join(meta)))
    left, right = st.columns([1, 3], vertical_alignment="center")
    with left:
        key = f"feedback-{turn.answer_id}"
        st.feedback("thumbs", key=key, on_change=_record_feedback, args=(feedback, turn, key))
    with right:
        st.download_button(
            "Download answer (.md)", data=answer_markdown(answer), file_name=f"answer-{turn_index + 1}.md",
            mime="text/markdown", key=f"export-{turn.answer_id}", icon=":material/download:", type="tertiary",
        )
