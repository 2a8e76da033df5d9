"""Officer page: add the week's papers (dry run first), watch ingestion, manage
the library and review weak answers. Layout only; the work is in
`ingest.uploads` and `ingest`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from ingest import uploads as officer
from ingest.audit import record_report
from ingest.errors import CouncilPapersError
from qa_app.feedback import FeedbackStore
from qa_app.markdown import escape_markdown
from ui.ingest_view import ProgressBar, render_plan, render_report
from ui.library_view import format_time, library_rows
from ui.resources import PAGE_ICON, open_page
from ui.signin import audit_log

st.set_page_config(page_title="Officer: library", page_icon=PAGE_ICON, layout="wide")

settings, lib, viewer = open_page("officer", officers_only=True)
audit = audit_log(settings)
store = lib.store
corpus_dir = settings.corpus_dir


def delete_paper(doc_id: str, *, remove_file: bool, done: Callable[[Path | None], str]) -> None:
    """Delete a paper (and its file if asked), audit it, and rerun with the
    message `done` makes of the removed file; a refusal is shown instead."""
    try:
        removed = officer.delete(store, doc_id, corpus_dir, remove_file=remove_file)
    except CouncilPapersError as exc:
        st.error(str(exc))
        return
    lib.refresh()
    audit.record("delete", actor=viewer.name, papers=[doc_id], via="officer page", file_removed=bool(removed))
    st.session_state["deleted"] = escape_markdown(done(removed))
    st.rerun()


st.title("Library administration")
st.caption(f"Corpus folder: `{corpus_dir}` · index: `{settings.store_dir}`")

# ------------------------------------------------------------------ add papers
st.header("Add papers")
upload_key = f"uploads-{st.session_state.get('upload_round', 0)}"
files = st.file_uploader(
    "Papers (txt, md, html, pdf, docx; optional `<name>.meta.json` sidecars)",
    accept_multiple_files=True, key=upload_key,
)
uploads = [officer.Upload(f.name, f.getvalue()) for f in files or []]
try:
    plan = officer.preview(uploads, corpus_dir, store, settings.max_file_bytes, settings.parse_limits)
except CouncilPapersError as exc:
    st.error(str(exc))
    st.stop()

st.subheader("Dry run: what ingestion would do")
st.caption("Nothing has been written yet. Uploads are saved into the corpus folder when you press Ingest.")
render_plan(plan)
level = st.text_input("Who may read new papers without an `access` in their sidecar",
                      value="public", key="upload-access", help="public, members or group:NAME")
if st.button("Ingest", type="primary", disabled=not plan.changes_anything, key="ingest"):
    bar = ProgressBar()
    try:
        report = officer.apply(
            uploads, corpus_dir, store, lib.embedder, max_bytes=settings.max_file_bytes, progress=bar,
            limits=settings.parse_limits, access=officer.new_paper_access(level),
        )
    except CouncilPapersError as exc:
        st.error(f"Ingestion stopped: {exc}")
    else:
        bar.finish()
        lib.refresh()
        record_report(audit, report, actor=viewer.name, via="officer page")
        st.session_state["last_report"] = report
        st.session_state["upload_round"] = st.session_state.get("upload_round", 0) + 1
        st.rerun()

if last := st.session_state.get("last_report"):
    st.subheader("Last ingestion")
    render_report(last)

# ------------------------------------------------- files that cannot be ingested
stuck = [f.path for f in plan.failed if f.path not in plan.uploaded and officer.in_corpus(f.path, corpus_dir)]
if stuck:
    with st.form("remove-failed"):
        st.markdown("**Files in the corpus folder that cannot be ingested** (see the reasons above)")
        bad = st.selectbox("File", stuck, index=None, placeholder="Choose a file…", key="failed-choice")
        remove = st.form_submit_button("Remove the file from the corpus folder")
    if remove and bad:
        delete_paper(bad, remove_file=True, done=lambda _removed: f"Removed the file {bad}")

# --------------------------------------------------------------------- library
st.header("Library")
documents = store.documents()
left, mid, right = st.columns(3)
left.metric("Papers", len(documents))
mid.metric("Paragraphs", store.paragraph_count())
right.metric("Last ingestion", format_time(store.last_ingested()))
if documents:
    st.dataframe(library_rows(documents, corpus_dir), hide_index=True, width="stretch")
    with st.form("delete-paper"):
        titles = {d.doc_id: f"{d.meta.title} ({d.doc_id})" for d in documents}
        doomed = st.selectbox("Delete a paper", list(titles), format_func=lambda d: titles.get(d, d), index=None,
                              placeholder="Choose a paper…", key="delete-choice")
        remove_file = st.checkbox(
            "Also delete its file from the corpus folder (otherwise the next ingestion adds it back)", value=True,
            key="delete-file",
        )
        confirmed = st.form_submit_button("Delete from the library", type="secondary")
    if confirmed and doomed:
        title = titles[doomed]
        delete_paper(doomed, remove_file=remove_file,
                     done=lambda removed: f"Deleted {title}" + (f" and its file {removed}" if removed else ""))
    with st.form("paper-access"):
        st.markdown("**Who may read a paper** (takes effect on the next question; nothing is re-embedded)")
        chosen = st.selectbox("Paper", list(titles), format_func=lambda d: titles.get(d, d), index=None,
                              placeholder="Choose a paper…", key="access-choice")
        wanted = st.text_input("Access", key="access-level", help="public, members or group:NAME")
        changed = st.form_submit_button("Change access")
    if changed and chosen:
        try:
            before, after = officer.change_access(store, chosen, wanted)
        except CouncilPapersError as exc:
            st.error(str(exc))
        else:
            lib.refresh()
            audit.record("access_change", actor=viewer.name, papers=[chosen], level=after, previous=before,
                         via="officer page")
            st.session_state["access-changed"] = escape_markdown(f"{titles[chosen]}: {before} → {after}")
            st.rerun()
else:
    st.info("The library is empty. Upload papers above, or run `python -m ingest`.")
if message := st.session_state.pop("deleted", None):
    st.success(message)
if message := st.session_state.pop("access-changed", None):
    st.success(message)

# -------------------------------------------------------------------- feedback
st.header("Answer feedback")
records = FeedbackStore(settings.store_dir).latest()
if not records:
    st.caption("No feedback yet. Councillors rate answers with thumbs up or down on the chat page.")
else:
    weak = [r for r in records if r.rating == "down"]
    st.caption(f"{len(records)} rated answers, {len(weak)} marked unhelpful (newest first).")
    st.dataframe(
        [
            {"When": format_time(r.timestamp), "Rating": "👍" if r.rating == "up" else "👎", "Question": r.question,
             "Answer": r.answer, "Abstained": r.abstained, "Mode": r.mode, "Sources": len(r.citations)}
            for r in records
        ],
        hide_index=True, width="stretch",
    )
