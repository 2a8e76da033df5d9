"""The chat page's sidebar: filters, answer mode, library stats, new
conversation and export of the whole conversation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import streamlit as st

from ingest.errors import ConfigError
from ingest.index import Filters, StoredDocument, make_filters
from qa_app.briefing import conversation_markdown
from qa_app.types import Answer
from ui.library_view import describe_filters, doc_type_label, filter_options, format_time

from .resources import EXTRACTIVE, LLM


@dataclass(frozen=True)
class SidebarChoice:
    filters: Filters
    filters_note: str
    mode: str


def _mode_label(mode: str, llm: str | None) -> str:
    if mode == EXTRACTIVE:
        return "Extractive (quotes from the papers)"
    return f"LLM: {llm}"


def render_sidebar(
    documents: Sequence[StoredDocument],
    paragraphs: int,
    last_ingested: float | None,
    modes: Sequence[str],
    llm: str | None,
) -> SidebarChoice:
    options = filter_options(documents)
    with st.sidebar:
        st.button("New conversation", key="new-conversation", icon=":material/add_comment:",
                  on_click=_clear_conversation, width="stretch")
        st.subheader("Filters")
        doc_types = st.multiselect("Document type", options.doc_types, format_func=doc_type_label, key="f-types")
        bodies = st.multiselect("Body / committee", options.bodies, key="f-bodies")
        date_from = st.date_input("From date", value=None, key="f-from", format="YYYY-MM-DD")
        date_to = st.date_input("To date", value=None, key="f-to", format="YYYY-MM-DD")
        doc_ids = st.multiselect(
            "Specific papers", list(options.papers), format_func=lambda d: options.papers.get(d, d), key="f-papers"
        )
        try:
            start = date_from if not isinstance(date_from, tuple) else None
            stop = date_to if not isinstance(date_to, tuple) else None
            filters = make_filters(
                doc_types=doc_types, bodies=bodies, papers=doc_ids,
                date_from=start.isoformat() if start else None, date_to=stop.isoformat() if stop else None,
            ) or Filters()
        except ConfigError as exc:
            st.error(str(exc))
            filters = Filters()
        st.subheader("Answer mode")
        mode = st.radio(
            "Answer mode", modes, format_func=lambda m: _mode_label(m, llm), key="mode", label_visibility="collapsed"
        )
        if llm is None:
            st.caption("No LLM configured (set COUNCIL_LLM to offer one).")
        st.subheader("Library")
        left, right = st.columns(2)
        left.metric("Papers", len(documents))
        right.metric("Paragraphs", paragraphs)
        st.caption(f"Last ingestion: {format_time(last_ingested)}")
    return SidebarChoice(filters, describe_filters(filters, options.papers), mode or EXTRACTIVE)


def render_export(answers: Sequence[Answer]) -> None:
    """Drawn after the chat, so the note includes the answer just given."""
    with st.sidebar:
        st.subheader("Export")
        note = conversation_markdown(answers)
        st.download_button(
            "Download conversation (.md)", data=note, file_name="briefing-note.md", mime="text/markdown",
            disabled=not answers, key="export-conversation", icon=":material/download:", width="stretch",
        )
        if answers:
            with st.expander("Preview briefing note"):
                st.code(note, language="markdown")


def _clear_conversation() -> None:
    st.session_state["turns"] = []


__all__ = ["LLM", "SidebarChoice", "render_export", "render_sidebar"]
