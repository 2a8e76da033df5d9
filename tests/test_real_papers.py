"""Excerpts of real council papers (tests/fixtures/real/, sources and licences in
its README) read as a clerk reads them: paragraphs, items, metadata."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from docgen import make_pdf

from ingest.load import load_blocks
from ingest.metadata import build_meta
from ingest.paragraphs import segment
from ingest.reflow import ends_sentence
from ingest.types import PaperMeta, Paragraph

REAL = Path(__file__).resolve().parent / "fixtures" / "real"


def read(path: Path) -> tuple[str, list[Paragraph], PaperMeta]:
    text, paragraphs = segment(path.name, load_blocks(path))
    for p in paragraphs:
        assert text[p.start : p.end] == p.text
    return text, paragraphs, build_meta(path, paragraphs, {})


def one(paragraphs: list[Paragraph], start: str) -> Paragraph:
    found = [p for p in paragraphs if p.text.startswith(start)]
    assert len(found) == 1, (start, [p.text[:60] for p in paragraphs])
    return found[0]


def alnum(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", text.lower())


def no_sentence_cut(paragraphs: list[Paragraph]) -> None:
    """No paragraph stops mid-sentence where the next one carries the sentence on."""
    for a, b in zip(paragraphs, paragraphs[1:], strict=False):
        if a.kind != "heading" and b.kind == "text":
            assert ends_sentence(a.text) or not b.text[:1].islower(), (a.text[-60:], b.text[:60])


def test_two_page_minutes_pdf() -> None:
    _, paragraphs, meta = read(REAL / "broomhill-minutes-2025-02-12.pdf")
    texts = [p.text for p in paragraphs]
    assert not [t for t in texts if re.fullmatch(r"\d{1,3}", t)], "page numbers are furniture"
    attendance = one(paragraphs, "1. Committee Members Present were:")
    assert attendance.text.endswith("Patricia Ferguson MP."), "wrapped lines rejoin into one paragraph"
    assert attendance.item == "1. Committee Members Present were"
    office = one(paragraphs, "6. Office Bearers reports")
    assert office.kind == "heading"
    treasurer = one(paragraphs, "(d) Treasurer")
    assert (treasurer.kind, treasurer.item, treasurer.page) == ("list_item", "6. Office Bearers reports", 1)
    friends = one(paragraphs, "(c) Friends of Naseby Park")
    assert (friends.item, friends.page) == ("9. Updates", 2)
    evidence = "£800k will be split between the community councils with the Broomhill share being circa £200k."
    assert any(alnum(evidence) in alnum(t) for t in texts)
    no_sentence_cut(paragraphs)
    assert (meta.council, meta.body, meta.doc_type, meta.date) == (
        "Broomhill Community Council", "Community Council", "minutes", "2025-02-12"
    )
    assert meta.title == "Broomhill Community Council — Community Council minutes, 12 February 2025"


def test_hard_wrapped_ocr_text_with_blank_line_after_every_line() -> None:
    _, paragraphs, meta = read(REAL / "broomhill-minutes-ocr.txt")
    attendance = one(paragraphs, "1. Committee Members Present were:")
    assert "Roy Hamdy (RH) and David Rennie (DR)" in attendance.text, "(RH) is initials, not a sub-item"
    assert attendance.text.endswith("Patricia Ferguson MP.")
    matters = one(paragraphs, "3. Matters Arising:")
    assert matters.text.endswith("paid volunteers come forward through Broomhill Watch.")
    no_sentence_cut(paragraphs)
    assert (meta.council, meta.doc_type, meta.date) == ("Broomhill Community Council", "minutes", "2025-02-12")


def test_two_column_page_reads_left_column_then_right() -> None:
    text, paragraphs, meta = read(REAL / "broomhill-two-columns.pdf")
    attendance = one(paragraphs, "1. Committee Members Present were:")
    assert "Local residents Alan Ramsay (AR)" in attendance.text, "the left column's lines stay together"
    run_on = one(paragraphs, "Concerns were also raised about hedge overgrowth")
    # The left column ends mid-sentence; the right column carries it on.
    assert "pending investigation of ownership" in run_on.text, "end-of-line hyphenation undone"
    assert "A resident-led submission on the A739 highlighted speeding, poor road condition" in run_on.text
    assert text.index("Committee Members Present") < text.index("School Streets review")
    assert not [p for p in paragraphs if p.text == "1"]
    assert meta.date == "2025-05-14"


def test_agenda_items_are_paragraphs_and_their_sub_items_know_them() -> None:
    _, paragraphs, meta = read(REAL / "broomhill-agenda-2025-02-12.pdf")
    forum = one(paragraphs, "9. Public Open Forum")
    assert forum.kind == "list_item", "an agenda line is content a reader cites, not a heading"
    assert forum.item == forum.text
    chair = one(paragraphs, "(a) Chair")
    assert (chair.kind, chair.item, chair.heading) == (
        "list_item", "7. Office Bearers reports", "7. Office Bearers reports"
    )
    headings = [p.text for p in paragraphs if p.kind == "heading"]
    assert "7. Office Bearers reports:" in headings and "11. Updates" in headings
    assert all(p.kind == "list_item" for p in paragraphs if p.text.startswith("("))
    assert (meta.doc_type, meta.date, meta.council) == ("agenda", "2025-02-12", "Broomhill Community Council")
    assert "agenda" in meta.title and "12 February 2025" in meta.title


def test_motion_and_its_vote_read_together_and_know_their_item() -> None:
    _, paragraphs, meta = read(REAL / "des-moines-2005-05-09-item-58.txt")
    motion = one(paragraphs, "05-1189 58. From City Clerk")
    assert "Moved Vlassis to approve" in motion.text and motion.text.endswith("Motion Carried 6-1.")
    assert motion.item == "05-1189 58. From City Clerk regarding amendments to Council Rules No. 5 and No. 42A."
    assert one(paragraphs, "05-1186 56.").text.endswith("Motion Carried 6-1."), "each roll call opens its item"
    assert not [p for p in paragraphs if p.kind == "heading" and re.match(r"(motion )?carried", p.text, re.I)]


def test_date_only_in_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "minutes_20050509.txt"
    shutil.copy(REAL / "des-moines-2005-05-09-item-58.txt", path)
    _, _, meta = read(path)
    assert (meta.date, meta.origin["date"]) == ("2005-05-09", "inferred")
    renamed = tmp_path / "item-58.txt"
    shutil.copy(REAL / "des-moines-2005-05-09-item-58.txt", renamed)
    assert read(renamed)[2].date is None


def test_running_header_and_footer_are_dropped_once_seen(tmp_path: Path) -> None:
    body = [
        "Broomhill Community Council - Minutes",
        "The chair thanked EJ for his help in publicising the work of the friends of Naseby Park.",
    ]
    # 14pt leading from the top: line 0 is in the top band, line 50 in the bottom band.
    pages = [[body[0], *[""] * 5, f"Item {n}. Councillor reports on bins, drains and the post box on Crow Road.",
              body[1], *[""] * 42, f"Page {n} of 3"] for n in (1, 2, 3)]
    path = tmp_path / "minutes.pdf"
    path.write_bytes(make_pdf(pages))
    _, paragraphs, _ = read(path)
    texts = [p.text for p in paragraphs]
    assert texts.count("Broomhill Community Council - Minutes") == 1, "the running title stays once, as the title"
    assert not [t for t in texts if t.startswith("Page ")]
    assert [p.page for p in paragraphs if p.text.startswith("Item")] == [1, 2, 3]


@pytest.mark.parametrize("name", sorted(p.name for p in REAL.iterdir() if p.suffix in (".pdf", ".txt")))
def test_every_fixture_keeps_offsets_and_has_no_furniture(name: str) -> None:
    _, paragraphs, _ = read(REAL / name)
    for p in paragraphs:
        assert not re.fullmatch(r"(page\s*)?\d{1,3}(\s*of\s*\d+)?", p.text, re.I), p.text
        assert p.text == p.text.strip() and p.text
