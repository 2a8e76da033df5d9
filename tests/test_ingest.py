"""Ingestion end to end with the real packaged model and a real Chroma folder:
incremental runs, bad input, chunk limits, settings mismatch."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import CORPUS, ingest, make_store
from docgen import encrypt_pdf, make_docx, make_pdf

from ingest.__main__ import main
from ingest.config import Settings
from ingest.embed import MiniLMEmbedder
from ingest.errors import StoreMismatchError
from ingest.index import PaperStore


def chroma_ids(store: PaperStore) -> list[str]:
    return list(store.collection.get(include=[])["ids"])


def assert_consistent(store: PaperStore) -> None:
    """Vectors and catalogue agree exactly: no duplicates, no orphans."""
    ids = chroma_ids(store)
    assert len(ids) == len(set(ids))
    integrity = store.check()
    assert integrity.ok, integrity.problems()


def test_model_limit_matches_chunking(embedder: MiniLMEmbedder) -> None:
    assert embedder.model.max_seq_length == embedder.max_tokens, "the model's own limit agrees"


def test_seed_corpus_lands_and_chunks_fit(seed_store: PaperStore, embedder: MiniLMEmbedder) -> None:
    assert seed_store.document_count() == 5
    assert seed_store.paragraph_count() > 60
    assert_consistent(seed_store)
    texts = seed_store.collection.get(include=["documents"])["documents"]
    assert max(embedder.count_tokens(t) for t in texts) <= embedder.max_tokens
    motion = next(d for d in seed_store.documents() if d.meta.doc_type == "motion")
    assert motion.meta.date == "2016-10-17" and motion.meta.origin["date"] == "sidecar"


def test_long_paragraph_is_split_not_truncated(tmp_path: Path, embedder: MiniLMEmbedder, settings: Settings) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    sentences = [f"Sentence {i} of the long report explains budget line {i} in some detail." for i in range(120)]
    (corpus / "long.txt").write_text(" ".join(sentences))
    store = make_store(tmp_path / "index", embedder, settings)
    report = ingest([corpus], store, embedder)
    assert report.ok and report.paragraphs == 1
    rows = store.collection.get(include=["documents", "metadatas"])
    assert len(rows["ids"]) > 3
    assert {m["paragraph_ids"] for m in rows["metadatas"]} == {store.paragraphs_of(report.added[0])[0].id}
    assert all(embedder.count_tokens(t) <= embedder.max_tokens for t in rows["documents"])
    covered = " ".join(rows["documents"])
    assert "Sentence 0 of" in covered and "Sentence 119 of" in covered


def test_incremental_runs(tmp_path: Path, embedder: MiniLMEmbedder, settings: Settings) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    store = make_store(tmp_path / "index", embedder, settings)
    first = ingest([corpus], store, embedder)
    assert len(first.added) == 5 and first.ok

    again = ingest([corpus], store, embedder)
    assert (again.added, again.updated, again.removed, len(again.unchanged)) == ([], [], [], 5)
    assert again.embedded_chunks == 0

    motion = corpus / "wirral-council-2016-10-17-motion-ofsted-inspection-report.txt"
    motion.write_text(motion.read_text().replace("£2m", "£4m"))
    press = corpus / "wirral-press-release-2016-ofsted-improvement-plan.txt"
    press.unlink()
    (corpus / "new-minutes.txt").write_text("Minutes:\n\nThe committee agreed the library budget of £1m.")

    preview = ingest([corpus], store, embedder, dry_run=True)
    assert len(preview.added) == 1 and len(preview.updated) == 1 and len(preview.removed) == 1
    assert store.document_count() == 5, "a dry run writes nothing"

    changed = ingest([corpus], store, embedder)
    assert [Path(p).name for p in changed.updated] == [motion.name]
    assert [Path(p).name for p in changed.removed] == [press.name]
    assert [Path(p).name for p in changed.added] == ["new-minutes.txt"]
    assert changed.embedded_chunks < first.embedded_chunks
    assert_consistent(store)
    texts = " ".join(store.collection.get(include=["documents"])["documents"])
    assert "£4m" in texts and "£2m" not in texts
    assert not any(press.name in d.doc_id for d in store.documents())


def _bad_corpus(root: Path, outside: Path) -> Path:
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text("The committee agreed the road budget of £5m.")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (corpus / "windows.txt").write_bytes("The Council’s grant is £2m.".encode("cp1252"))
    (corpus / "corrupt.pdf").write_bytes(b"%PDF-1.4 broken")
    (corpus / "encrypted.pdf").write_bytes(encrypt_pdf(make_pdf([["Secret."]]), "pw"))
    (corpus / "good.pdf").write_bytes(make_pdf([["PLANNING COMMITTEE", "1. The plan was approved."]]))
    (corpus / "huge.txt").write_text("word " * 300_000)
    (corpus / "page.html").write_text("<p>Visible text of the page.</p><script>stealCookies()</script>")
    (corpus / "copy of good.txt").write_bytes((corpus / "good.txt").read_bytes())
    (corpus / "Minutes – Café Society 2019.txt").write_text("Les membres ont approuvé le budget du café.")
    make_docx(corpus / "table.docx", "Budget", ["Set by cabinet."], [["Scheme", "Cost"], ["Roads", "£5m"]])
    (corpus / "notes.xyz").write_text("not a paper")
    (corpus / "legacy.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500))
    (corpus / "~$table.docx").write_bytes(b"\x0bJane Smith" + bytes(150))
    (corpus / "unicode.txt").write_bytes("The precept was set at £12,400.".encode("utf-16"))
    (outside / "secret.txt").write_text("Outside the corpus.")
    os.symlink(outside / "secret.txt", corpus / "link.txt")
    return corpus


def test_bad_input_is_reported_and_the_rest_lands(tmp_path: Path, embedder: MiniLMEmbedder, settings: Settings) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    corpus = _bad_corpus(tmp_path, outside)
    store = make_store(tmp_path / "index", embedder, settings)
    report = ingest([corpus], store, embedder, max_bytes=1024 * 1024)
    failed = {Path(f.path).name: f.error for f in report.failed}
    assert "empty file" in failed["empty.txt"]
    assert "binary content" in failed["binary.txt"]
    assert "corrupt or unreadable PDF" in failed["corrupt.pdf"]
    assert "encrypted PDF" in failed["encrypted.pdf"]
    assert "over the 1.0 MB limit" in failed["huge.txt"]
    assert "unsupported file type '.xyz'" in failed["notes.xyz"]
    assert failed["legacy.doc"].endswith("save it as .docx or PDF")
    assert "symlink points outside the corpus" in failed["link.txt"]
    assert len(failed) == 8, "Office's ~$ owner file is not a paper, so not a failure"
    skipped = {Path(s.path).name: s.error for s in report.skipped}
    first = Path(report.added[0]).parent / "copy of good.txt"
    assert skipped == {"good.txt": f"same content as {first}; skipped"}
    landed = sorted(Path(p).name for p in report.added)
    assert landed == ["Minutes – Café Society 2019.txt", "copy of good.txt", "good.pdf", "page.html", "table.docx",
                      "unicode.txt", "windows.txt"]
    text = " ".join(store.collection.get(include=["documents"])["documents"])
    assert "stealCookies" not in text and "Outside the corpus" not in text
    assert "Scheme: Roads | Cost: £5m" in text and "Council’s grant is £2m" in text
    assert "precept was set at £12,400" in text
    assert_consistent(store)


def test_cli_json_and_exit_codes(tmp_path: Path, embedder: MiniLMEmbedder, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("The cabinet agreed the housing plan.")
    store_dir = tmp_path / "index"
    monkeypatch.setattr("ingest.__main__.make_embedder", lambda _settings, **_kwargs: embedder)
    assert main([str(corpus), "--store", str(store_dir), "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "", "--json and non-terminal runs draw no progress bars"
    summary = json.loads(captured.out)
    for key in ("added", "updated", "unchanged", "removed", "failed", "documents", "paragraphs", "chunks", "seconds"):
        assert key in summary
    assert summary["documents"] == 1 and len(summary["added"]) == 1

    (corpus / "b.txt").write_bytes(b"")
    (corpus / "c.txt").write_text("The council noted the parks report.")
    assert main([str(corpus), "--store", str(store_dir), "--dry-run", "--json"]) == 1
    preview = json.loads(capsys.readouterr().out)
    assert preview["failed"] == [{"path": str(corpus / "b.txt"), "error": "empty file"}]
    assert len(preview["added"]) == 1 and preview["documents"] == 1

    assert main([str(corpus), "--store", str(store_dir), "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["documents"] == 2 and len(result["unchanged"]) == 1

    (corpus / "big.txt").write_text("The council noted the report. " * 100)
    monkeypatch.setenv("COUNCIL_MAX_FILE_MB", "0.001")
    assert main([str(corpus), "--store", str(store_dir), "--json"]) == 1
    limited = json.loads(capsys.readouterr().out)
    errors = {f["path"]: f["error"] for f in limited["failed"]}
    assert "over the 0.0 MB limit (set COUNCIL_MAX_FILE_MB to raise it)" in errors[str(corpus / "big.txt")]
    monkeypatch.setenv("COUNCIL_MAX_FILE_MB", "-1")
    assert main([str(corpus), "--store", str(store_dir)]) == 2
    assert "max_file_mb" in capsys.readouterr().err
    monkeypatch.delenv("COUNCIL_MAX_FILE_MB")

    assert main([str(tmp_path / "missing"), "--store", str(store_dir)]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["--no-such-flag"])
    assert usage.value.code == 2


def test_settings_mismatch_needs_rebuild(tmp_path: Path, embedder: MiniLMEmbedder, settings: Settings,
                                         monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("The cabinet agreed the housing plan.")
    store = make_store(tmp_path / "index", embedder, settings)
    ingest([corpus], store, embedder)
    store.close()
    other = PaperStore(tmp_path / "index", embedder_name="another-model", chunking=store.chunking)
    with pytest.raises(StoreMismatchError, match="--rebuild"):
        other.check_compatible()

    class Renamed(MiniLMEmbedder):
        pass

    renamed = Renamed.__new__(Renamed)
    renamed.__dict__.update(embedder.__dict__)
    renamed.name = "all-MiniLM-L6-v2:other-backend"
    monkeypatch.setattr("ingest.__main__.make_embedder", lambda _settings, **_kwargs: renamed)
    assert main([str(corpus), "--store", str(tmp_path / "index")]) == 3
    assert "--rebuild" in capsys.readouterr().err
    assert main([str(corpus), "--store", str(tmp_path / "index"), "--rebuild", "--json"]) == 0
    rebuilt = json.loads(capsys.readouterr().out)
    assert len(rebuilt["added"]) == 1 and rebuilt["documents"] == 1
