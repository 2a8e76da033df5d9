"""Council Papers Assistant: cited answers for councillors.

Run with `streamlit run streamlit_app.py` (binds to 127.0.0.1; see the README
to expose it deliberately). Layout only: answering lives in `qa_app`, the
library in `ingest`.
"""

from __future__ import annotations

import uuid

import streamlit as st

from ingest.audit import record_report
from ingest.errors import CouncilPapersError
from ingest.pipeline import run
from qa_app.feedback import FeedbackStore
from qa_app.markdown import escape_markdown
from qa_app.types import Turn
from ui.chat_view import ChatTurn, drew_only_on, render_answer, stream_answer
from ui.ingest_view import ProgressBar, render_report
from ui.library_view import visible_documents
from ui.render import VIEWER_CSS
from ui.resources import LLM, PAGE_ICON, open_page
from ui.sidebar import render_export, render_sidebar
from ui.signin import audit_log

st.set_page_config(page_title="Council Papers Assistant", page_icon=PAGE_ICON, layout="wide")

settings, lib, viewer = open_page("chat")

st.html(VIEWER_CSS)
st.title("Council Papers Assistant")
st.caption("Ask about the council papers. Every answer quotes the paragraph it comes from.")

store = lib.store
if store.document_count() == 0:
    st.info(
        f"The library is empty: no papers have been ingested into `{settings.store_dir}` yet. "
        "Run `python -m ingest` to ingest the corpus folder"
        + (", or use the button below." if viewer.is_officer else ", or ask an officer to."),
        icon=":material/library_add:",
    )
    if viewer.is_officer and st.button(f"Ingest the corpus folder now ({settings.corpus_dir})", type="primary"):
        if not settings.corpus_dir.is_dir():
            st.error(f"There is no corpus folder at {settings.corpus_dir}; set COUNCIL_CORPUS_DIR.")
            st.stop()
        bar = ProgressBar()
        report = run([settings.corpus_dir], store, lib.embedder, max_bytes=settings.max_file_bytes,
                     progress=bar, limits=settings.parse_limits)
        bar.finish()
        lib.refresh()
        record_report(audit_log(settings), report, actor=viewer.name, via="chat page")
        render_report(report)
        st.button("Start asking", type="primary")
    st.stop()

turns: list[ChatTurn] = st.session_state.setdefault("turns", [])
documents = visible_documents(store.documents(), viewer)
readable = {d.doc_id for d in documents}
choice = render_sidebar(
    documents, sum(d.paragraphs for d in documents), store.last_ingested(), lib.modes, settings.llm
)
try:
    engine = lib.engine(choice.mode)
except CouncilPapersError as exc:
    st.error(f"The {choice.mode} answer mode is not available: {exc}")
    st.stop()

feedback = FeedbackStore(settings.store_dir)
for index, turn in enumerate(turns):
    with st.chat_message("user"):
        st.markdown(escape_markdown(turn.answer.question))
    with st.chat_message("assistant"):
        if drew_only_on(turn.answer, readable):
            render_answer(index, turn, store, settings.corpus_dir, feedback)
        else:
            st.info("This answer drew on papers you can no longer read, so it is not shown.")

if question := st.chat_input("Ask a question about the council papers"):
    with st.chat_message("user"):
        st.markdown(escape_markdown(question))
    with st.chat_message("assistant"):
        history = [Turn(t.answer.question, t.answer.answer) for t in turns if drew_only_on(t.answer, readable)]
        try:
            engine.refresh()
            if choice.mode == LLM:
                answer = stream_answer(
                    engine.stream(question, history=history, filters=choice.filters, viewer=viewer)
                )
            else:
                with st.spinner("Searching the papers…"):
                    answer = engine.ask(question, history=history, filters=choice.filters, viewer=viewer)
        except CouncilPapersError as exc:
            st.error(str(exc))
        else:
            audit_log(settings).question(question, actor=viewer.name,
                                         papers=sorted({c.source.paragraph.doc_id for c in answer.citations}))
            turn = ChatTurn(uuid.uuid4().hex, answer, choice.filters_note)
            turns.append(turn)
            render_answer(len(turns) - 1, turn, store, settings.corpus_dir, feedback)

render_export([t.answer for t in turns if drew_only_on(t.answer, readable)])
