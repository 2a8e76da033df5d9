"""Bounded parsing: hostile files are refused in seconds with their reason,
and the rest of the run goes on."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest
from conftest import FakeEmbedder, ingest, make_store

from ingest.config import Settings
from ingest.errors import ConfigError, LoadError
from ingest.limits import ParseLimits, check_raw, deadline
from ingest.uploads import Upload, apply, preview

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>'
)


def docx_with_empty_paragraphs(count: int) -> bytes:
    """A small file that unpacks to megabytes of empty paragraphs (the attack)."""
    body = "<w:p/>" * count
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><w:document '
        'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        f"<w:p><w:r><w:t>Budget report</w:t></w:r></w:p>{body}</w:body></w:document>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("word/document.xml", xml)
    return out.getvalue()


def test_a_million_empty_paragraphs_are_refused_before_parsing() -> None:
    data = docx_with_empty_paragraphs(1_000_000)
    assert len(data) < 100_000, "small on disk: the size limit alone cannot catch it"
    started = time.perf_counter()
    with pytest.raises(LoadError, match="1,000,001 paragraphs, over the limit of 50,000"):
        check_raw(Path("bomb.docx"), data, ParseLimits())
    assert time.perf_counter() - started < 10


def test_unpacked_size_and_pages_are_limited() -> None:
    with pytest.raises(LoadError, match="unpacks to .* MB, over the limit"):
        check_raw(Path("big.docx"), docx_with_empty_paragraphs(300_000), ParseLimits(max_unpacked_bytes=1024 * 1024))
    pdf = b"%PDF-1.4\n" + b"<< /Type /Page >>\n" * 30 + b"<< /Type /Pages >>"
    with pytest.raises(LoadError, match="30 pages, over the limit of 20"):
        check_raw(Path("long.pdf"), pdf, ParseLimits(max_pages=20))
    check_raw(Path("fine.pdf"), pdf, ParseLimits(max_pages=30))


def test_a_slow_parse_stops_at_the_deadline() -> None:
    with pytest.raises(LoadError, match="took more than 0.2 s"), deadline(Path("slow.txt"), 0.2):
        time.sleep(5)


def test_limits_are_validated() -> None:
    with pytest.raises(ConfigError, match="max_pages must be greater than 0; got 0"):
        ParseLimits(max_pages=0)


def test_the_run_goes_on_past_a_hostile_file(tmp_path: Path, fake_embedder: FakeEmbedder, settings: Settings) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bomb.docx").write_bytes(docx_with_empty_paragraphs(200_000))
    (corpus / "fine.txt").write_text("The committee approved the allotment rents for 2025.\n")
    store = make_store(tmp_path / "index", fake_embedder, settings)
    report = ingest([corpus], store, fake_embedder)
    assert [Path(p).name for p in report.added] == ["fine.txt"]
    assert [(Path(f.path).name, "over the limit" in f.error) for f in report.failed] == [("bomb.docx", True)]


def test_a_hostile_upload_is_refused_and_not_kept(
    tmp_path: Path, fake_embedder: FakeEmbedder, settings: Settings
) -> None:
    corpus = tmp_path / "corpus"
    store = make_store(tmp_path / "index", fake_embedder, settings)
    uploads = [Upload("bomb.docx", docx_with_empty_paragraphs(200_000)), Upload("ok.txt", b"Allotment rents rose.\n")]
    plan = preview(uploads, corpus, store, 25 * 1048576)
    assert [Path(f.path).name for f in plan.failed] == ["bomb.docx"]
    report = apply(uploads, corpus, store, fake_embedder, max_bytes=25 * 1048576)
    assert not (corpus / "bomb.docx").exists(), "a rejected upload is not left in the corpus"
    assert [Path(p).name for p in report.added] == ["ok.txt"] and not report.ok
