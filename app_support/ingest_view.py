"""Ingestion as the app shows it: a progress bar fed by the pipeline's hook and
the per-file result with failures and their reasons."""

from __future__ import annotations

import streamlit as st

from ingest.pipeline import IngestReport
from qa_app.officer import OfficerPlan


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
    rows = [{"Paper": p, "Result": "added", "Reason": ""} for p in report.added]
    rows += [{"Paper": p, "Result": "updated", "Reason": ""} for p in report.updated]
    rows += [{"Paper": p, "Result": "removed", "Reason": "no longer in the corpus folder"} for p in report.removed]
    rows += [{"Paper": f.path, "Result": "failed", "Reason": f.error} for f in report.failed]
    rows += [{"Paper": f.path, "Result": "skipped", "Reason": f.error} for f in report.skipped]
    rows += [{"Paper": p, "Result": "unchanged", "Reason": ""} for p in report.unchanged]
    return rows


def render_report(report: IngestReport) -> None:
    summary = (
        f"{len(report.added)} added, {len(report.updated)} updated, {len(report.unchanged)} unchanged, "
        f"{len(report.removed)} removed, {len(report.failed)} failed in {report.seconds:.1f} s. "
        f"Library: {report.documents} papers, {report.paragraphs} paragraphs."
    )
    if report.failed:
        st.error(summary, icon=":material/error:")
        for failure in report.failed:
            st.text(f"Failed: {failure.path}: {failure.error}")
    else:
        st.success(summary, icon=":material/check_circle:")
    st.dataframe(report_rows(report), hide_index=True, width="stretch")


def render_plan(plan: OfficerPlan) -> None:
    cols = st.columns(5)
    for col, status in zip(cols, ("new", "changed", "unchanged", "removed", "failed"), strict=True):
        col.metric(status.capitalize(), plan.count(status))
    st.dataframe(
        [{"Paper": r.paper, "Status": r.status, "Detail": r.detail, "Uploaded": "yes" if r.uploaded else ""}
         for r in plan.rows],
        hide_index=True, width="stretch",
    )
