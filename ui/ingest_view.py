"""Ingestion as the app shows it: a progress bar fed by the pipeline's hook and
the per-file result with failures and their reasons."""

from __future__ import annotations

import streamlit as st

from ingest.report import IngestReport
from qa_app.markdown import escape_markdown


class ProgressBar:
    """A `ProgressHook` drawing `st.progress` over papers."""

    def __init__(self, label: str = "Ingesting…") -> None:
        self.bar = st.progress(0.0, text=label)
        self.total = 0
        self.done = 0

    def __call__(self, event: str, amount: int) -> None:
        if event == "total_files":
            self.total = amount
            if amount == 0:
                self.bar.progress(1.0, text="Nothing to embed")
        elif event == "file":
            self.done += amount
            fraction = self.done / self.total if self.total else 1.0
            self.bar.progress(min(1.0, fraction), text=f"{self.done} of {self.total} papers")

    def finish(self) -> None:
        self.bar.progress(1.0, text=f"Done: {self.done} of {self.total} papers processed")


def report_rows(report: IngestReport) -> list[dict[str, str]]:
    """The report's rows as table cells (a dataframe shows text, never Markdown)."""
    return [
        {"Paper": r.paper, "Result": r.status, "Reason": r.detail, "Uploaded": "yes" if r.uploaded else ""}
        for r in report.rows()
    ]


def render_report(report: IngestReport) -> None:
    summary = escape_markdown(report.summary())
    if report.failed:
        st.error(summary, icon=":material/error:")
        for failure in report.failed:
            st.text(f"Failed: {failure.path}: {failure.error}")
    else:
        st.success(summary, icon=":material/check_circle:")
    for warning in report.warnings:
        st.warning(f"Partly read: {warning.path}: {warning.error}", icon=":material/warning:")
    st.dataframe(report_rows(report), hide_index=True, width="stretch")


def render_plan(plan: IngestReport) -> None:
    """The dry run: counts by status, then one row per paper."""
    cols = st.columns(5)
    for col, status in zip(cols, ("added", "updated", "unchanged", "removed", "failed"), strict=True):
        col.metric(status.capitalize(), plan.count(status))
    st.dataframe(report_rows(plan), hide_index=True, width="stretch")
