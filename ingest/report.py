"""The result of an ingestion run or its preview, in one shape with one set of
status words, used by the CLI's `--json`, its text output and the Officer page."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

from ingest.errors import ReadWarning

STATUSES = ("added", "updated", "unchanged", "removed", "failed", "skipped")
"""Every status a paper can have in a run; the `--json` fields of the same names list them."""

CHANGING = ("added", "updated", "removed")


@dataclass
class Failure:
    """A paper that could not land (or was skipped), with the reason in a sentence."""

    path: str
    error: str


@dataclass(frozen=True)
class ReportRow:
    """One paper's line in a report table."""

    paper: str
    status: str
    detail: str = ""
    uploaded: bool = False


@dataclass
class IngestReport:
    """The run's summary; `to_json()` is the `--json` contract."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    skipped: list[Failure] = field(default_factory=list)
    documents: int = 0
    paragraphs: int = 0
    chunks: int = 0
    seconds: float = 0.0
    dry_run: bool = False
    embedded_chunks: int = 0
    uploaded: list[str] = field(default_factory=list)
    """Papers of this run that came from uploads (Officer page)."""
    access_changed: dict[str, str] = field(default_factory=dict)
    """Unchanged papers whose access level this run changed (doc_id → new level), without re-embedding."""
    warnings: list[Failure] = field(default_factory=list)
    """Papers that landed with a part unread (scanned pages OCR could not read), and what was missed."""

    @contextmanager
    def collect_warnings(self, path: str) -> Iterator[None]:
        """Record what readers warn of while `path` is read (`ReadWarning`), if
        the reading succeeds: a paper that fails has its failure instead."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ReadWarning)
            yield
        self.warnings.extend(Failure(path, str(w.message)) for w in caught if issubclass(w.category, ReadWarning))

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["seconds"] = round(self.seconds, 3)
        return data

    @property
    def ok(self) -> bool:
        return not self.failed

    def count(self, status: str) -> int:
        if status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}; got {status!r}")
        value = getattr(self, status)
        return len(value)

    @property
    def changes_anything(self) -> bool:
        return any(getattr(self, status) for status in CHANGING)

    def drop_failed(self) -> None:
        """A paper that failed is not also added or updated."""
        failed = {f.path for f in self.failed}
        self.added = [d for d in self.added if d not in failed]
        self.updated = [d for d in self.updated if d not in failed]

    def rows(self) -> list[ReportRow]:
        """One row per paper, changes first."""
        uploaded = set(self.uploaded)
        details = {"removed": "no longer in the corpus folder"}
        out: list[ReportRow] = []
        for status in STATUSES:
            for item in getattr(self, status):
                if isinstance(item, Failure):
                    out.append(ReportRow(item.path, status, item.error, item.path in uploaded))
                else:
                    detail = "; ".join(w.error for w in self.warnings if w.path == item) or details.get(status, "")
                    out.append(ReportRow(item, status, detail, item in uploaded))
        return out

    def summary(self) -> str:
        """The one-line summary the CLI and the Officer page print."""
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
            f"{len(self.removed)} removed, {len(self.failed)} failed"
            f"{f', {len(self.warnings)} partly read' if self.warnings else ''}"
            f"{' (dry run: nothing written)' if self.dry_run else ''}; library: {self.documents} papers, "
            f"{self.paragraphs} paragraphs, {self.chunks} chunks; {self.seconds:.1f} s"
        )
