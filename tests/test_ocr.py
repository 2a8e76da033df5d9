"""Scanned papers: a PDF page that is an image is read by OCR (Tesseract) and
laid out by the same rules as a typed page; without Tesseract the officer is
told which pages were not read and how to read them, and the rest lands."""

from __future__ import annotations

import difflib
import os
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import FakeEmbedder, ingest, make_store
from docgen import make_pdf, outlined_pdf, scan_pdf, scanned_table_pdf

from ingest.__main__ import main
from ingest.config import Settings
from ingest.errors import LoadError, ReadWarning
from ingest.limits import ParseLimits
from ingest.load import load_blocks
from ingest.metadata import build_meta
from ingest.paragraphs import segment
from ingest.readers import ocr
from ingest.readers.pdf import decoded
from ingest.types import Paragraph
from ingest.uploads import Upload, preview

REAL = Path(__file__).resolve().parent / "fixtures" / "real"


@pytest.fixture
def tesseract() -> None:
    """Skipped where Tesseract is missing, except in CI, which must run these."""
    if ocr.tesseract_path() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must read scanned papers: install Tesseract (apt-get install -y tesseract-ocr)")
        pytest.skip("Tesseract is not installed (apt-get install tesseract-ocr)")


MINUTES = [
    ["Minutes of the Allotments Committee, 3 March 2025", "1. Apologies", "There were no apologies."],
    ["5. Precept", "The committee set the precept at 7,400 pounds for the year."],
]


def read(path: Path, limits: ParseLimits | None = None) -> list[Paragraph]:
    return segment(path.name, load_blocks(path, limits=limits or ParseLimits()))[1]


def alnum(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", text.lower())


def starting(paragraphs: list[Paragraph], start: str) -> Paragraph:
    found = [p for p in paragraphs if alnum(p.text).startswith(alnum(start))]
    assert len(found) == 1, (start, [p.text[:60] for p in paragraphs])
    return found[0]


def test_hocr_words_are_placed_in_points_with_bullets_and_without_specks() -> None:
    line = ("<span class='ocr_line' title=\"bbox 300 600 1500 645; baseline 0 -10; x_size 45; x_descenders 10\">"
            "<span class='ocrx_word' title='bbox 315 620 329 634; x_wconf 45'>e</span>"
            "<span class='ocrx_word' title='bbox 389 600 618 640; x_wconf 92'>Succession</span>"
            "<span class='ocrx_word' title='bbox 636 600 805 645; x_wconf 96'>planning;</span>"
            "<span class='ocrx_word' title='bbox 900 610 905 615; x_wconf 12'>'</span></span>")
    heading = ("<span class='ocr_line' title=\"bbox 300 500 900 570; x_size 70\">"
               "<span class='ocrx_word' title='bbox 300 500 420 570; x_wconf 20'>11.</span></span>")
    words = ocr.words_from_hocr(f"<div>{heading}{line}</div>")
    assert [w["text"] for w in words] == ["11.", "•", "Succession", "planning;"], \
        "a doubtful number is kept, a speck dropped, a small mark set apart is a bullet"
    succession = words[2]
    assert succession["x0"] == pytest.approx(389 * 72 / 300) and succession["top"] == pytest.approx(600 * 72 / 300)
    assert words[1]["top"] == succession["top"], "the words of a line share its row"
    assert words[0]["size"] > succession["size"], "a larger line keeps its size"


def test_a_letter_at_the_start_of_a_line_is_not_a_bullet() -> None:
    line = ("<span class='ocr_line' title=\"bbox 300 600 1500 645; x_size 45\">"
            "<span class='ocrx_word' title='bbox 300 604 330 640; x_wconf 95'>A</span>"
            "<span class='ocrx_word' title='bbox 400 600 618 640; x_wconf 92'>vote</span></span>")
    assert [w["text"] for w in ocr.words_from_hocr(line)] == ["A", "vote"]


@pytest.mark.usefixtures("tesseract")
def test_scanned_minutes_read_as_the_typed_ones(tmp_path: Path) -> None:
    typed_path = REAL / "broomhill-minutes-2025-02-12.pdf"
    scanned_path = tmp_path / typed_path.name
    scanned_path.write_bytes(scan_pdf(typed_path.read_bytes()))
    typed, scanned = read(typed_path), read(scanned_path)

    before = " ".join(p.text for p in typed).split()
    after = " ".join(p.text for p in scanned).split()
    matched = sum(b.size for b in difflib.SequenceMatcher(None, before, after, autojunk=False).get_matching_blocks())
    assert matched >= 0.95 * len(before), f"{matched} of {len(before)} words read back in order"
    assert not [p for p in scanned if re.fullmatch(r"\d{1,3}", p.text)], "page numbers are furniture"

    office = starting(scanned, "6. Office Bearers reports")
    assert office.kind == "heading", "a bold line is a heading: boldness is measured on the image"
    treasurer = starting(scanned, "(d) Treasurer")
    assert (treasurer.item, treasurer.page) == ("6. Office Bearers reports", 1)
    friends = starting(scanned, "(c) Friends of Naseby Park")
    assert (friends.item, friends.page) == ("9. Updates", 2)
    evidence = "£800k will be split between the community councils with the Broomhill share being circa £200k."
    assert any(alnum(evidence) in alnum(p.text) for p in scanned)
    assert build_meta(scanned_path, scanned, {}) == build_meta(typed_path, typed, {})


@pytest.mark.usefixtures("tesseract")
@pytest.mark.parametrize("skew", [0.0, -2.5])
def test_a_scanned_page_among_typed_ones_is_read_in_its_place(tmp_path: Path, skew: float) -> None:
    path = tmp_path / "allotments.pdf"
    path.write_bytes(scan_pdf(make_pdf(MINUTES), pages={1}, skew=skew))
    paragraphs = read(path)
    precept = starting(paragraphs, "The committee set the precept at 7,400 pounds")
    assert (precept.page, precept.item) == (2, "5. Precept")
    assert starting(paragraphs, "There were no apologies.").page == 1


def test_without_tesseract_a_scan_is_refused_with_how_to_read_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ocr, "tesseract_path", lambda: None)
    path = tmp_path / "scanned.pdf"
    path.write_bytes(scan_pdf(make_pdf(MINUTES)))
    with pytest.raises(LoadError) as caught:
        load_blocks(path)
    assert "scanned.pdf" in str(caught.value) and "install Tesseract" in caught.value.reason


def test_ocr_pages_are_limited(tmp_path: Path) -> None:
    path = tmp_path / "scanned.pdf"
    path.write_bytes(scan_pdf(make_pdf(MINUTES)))
    with pytest.raises(LoadError, match="2 scanned pages, over the limit of 0 .*COUNCIL_MAX_OCR_PAGES"):
        load_blocks(path, limits=ParseLimits(max_ocr_pages=0))


@pytest.mark.usefixtures("tesseract")
def test_a_long_scan_stops_at_the_reading_time_limit_and_keeps_what_it_read(tmp_path: Path) -> None:
    path = tmp_path / "allotments.pdf"
    path.write_bytes(scan_pdf(make_pdf(MINUTES), pages={1}))
    with pytest.warns(ReadWarning, match=r"scanned page\(s\) 2 not read: the reading time limit .*"
                                         r"COUNCIL_MAX_PARSE_SECONDS"):
        paragraphs = read(path, ParseLimits(max_seconds=1e-6))
    assert starting(paragraphs, "There were no apologies.").page == 1
    assert not any("precept" in p.text.lower() for p in paragraphs)


def test_unread_scanned_pages_are_reported_and_the_rest_lands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_embedder: FakeEmbedder, settings: Settings
) -> None:
    monkeypatch.setattr(ocr, "tesseract_path", lambda: None)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "allotments.pdf").write_bytes(scan_pdf(make_pdf(MINUTES), pages={1}))
    (corpus / "parks.txt").write_text("The council noted the parks report.\n")
    report = ingest([corpus], make_store(tmp_path / "index", fake_embedder, settings), fake_embedder)
    assert sorted(Path(p).name for p in report.added) == ["allotments.pdf", "parks.txt"] and report.ok
    assert [(Path(w.path).name, w.error.split(":")[0]) for w in report.warnings] == [
        ("allotments.pdf", "scanned page(s) 2 not read")
    ]
    assert "install Tesseract" in report.warnings[0].error
    row = next(r for r in report.rows() if r.paper.endswith("allotments.pdf"))
    assert (row.status, "scanned page(s) 2 not read" in row.detail) == ("added", True)
    assert "1 partly read" in report.summary()


def test_the_cli_names_unread_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_embedder: FakeEmbedder, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(ocr, "tesseract_path", lambda: None)
    monkeypatch.setattr("ingest.__main__.make_embedder", lambda _settings, **_kwargs: fake_embedder)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "allotments.pdf").write_bytes(scan_pdf(make_pdf(MINUTES), pages={1}))
    assert main([str(corpus), "--store", str(tmp_path / "index")]) == 0, "the paper landed"
    err = capsys.readouterr().err
    assert f"warning: {corpus / 'allotments.pdf'}: scanned page(s) 2 not read: install Tesseract" in err


def test_the_officer_preview_names_unread_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_embedder: FakeEmbedder, settings: Settings
) -> None:
    monkeypatch.setattr(ocr, "tesseract_path", lambda: None)
    store = make_store(tmp_path / "index", fake_embedder, settings)
    upload = Upload("allotments.pdf", scan_pdf(make_pdf(MINUTES), pages={1}))
    plan = preview([upload], tmp_path / "corpus", store, 25 * 1048576)
    assert [Path(p).name for p in plan.added] == ["allotments.pdf"]
    assert [w.error.split(":")[0] for w in plan.warnings] == ["scanned page(s) 2 not read"]


def test_a_raised_ordinal_read_as_a_quote_mark_is_an_ordinal_again() -> None:
    words = "".join(f"<span class='ocrx_word' title='bbox {300 + 100 * i} 600 {380 + 100 * i} 640; x_wconf 90'>"
                    f"{text}</span>" for i, text in enumerate(['held', 'on', '13"', 'March;', '12"', 'pipes']))
    line = f"<span class='ocr_line' title=\"bbox 300 600 1500 645; x_size 45\">{words}</span>"
    assert [w["text"] for w in ocr.words_from_hocr(line)] == ["held", "on", "13th", "March;", '12"', "pipes"]


def test_ruled_lines_are_found_and_rubbed_out() -> None:
    image = np.full((600, 800), 255, dtype=np.uint8)
    image[100:103, 50:750] = 0  # a rule three pixels thick
    image[100:500, 400] = 0  # a column rule
    image[300, 50:120] = 0  # a dash: too short to be a rule
    image[200:220, 60:75] = 0  # a letter
    lines = ocr.ruled_lines(image, resolution=300)
    across = {round(line["top"], 1) for line in lines if line["top"] == line["bottom"]}
    down = {round(line["x0"], 1) for line in lines if line["top"] != line["bottom"]}
    # each rule is found along its pixel rows and the row either side, which a slight slope steps into
    assert across == {round(y * 72 / 300, 1) for y in range(99, 104)}
    assert down == {round(x * 72 / 300, 1) for x in range(399, 402)}
    assert (image[100:103, 50:750] == 255).all() and (image[100:500, 400] == 255).all(), "rules rubbed out"
    assert (image[300, 50:120] == 0).all() and (image[200:220, 60:75] == 0).all(), "text left to read"


def test_a_page_fed_askew_is_turned_level() -> None:
    import pypdfium2

    page = pypdfium2.PdfDocument(make_pdf(MINUTES))[0].render(scale=300 / 72).to_pil().convert("L")
    for angle in (0.0, 1.5, -3.0):
        askew = np.asarray(page.rotate(angle, fillcolor=255)).copy()
        assert ocr.skew(askew) == pytest.approx(-angle, abs=0.15)
        assert ocr.skew(ocr.straightened(askew)) == pytest.approx(0.0, abs=0.15)
    assert ocr.skew(np.full((300, 200), 255, dtype=np.uint8)) == 0.0, "a blank page stays as it is"


def test_a_grainy_page_is_smoothed_and_a_clean_one_left_as_it_is() -> None:
    clean = np.full((400, 300), 255, dtype=np.uint8)
    for top in range(100, 300, 20):
        clean[top:top + 3, 30:270] = 0  # lines of "text", a stroke's width apart
    assert ocr.despeckled(clean) is clean
    noise = np.random.default_rng(3)
    grainy = np.clip(np.where(clean == 0, 40.0, 225.0) + noise.normal(0, 12, clean.shape), 0, 255).astype(np.uint8)
    smoothed = ocr.despeckled(grainy)
    paper = clean == 255
    assert smoothed[paper].std() < grainy[paper].std() / 2
    assert (smoothed[101:300:20, 31:269] < 100).all(), "the lines are kept"


@pytest.mark.usefixtures("tesseract")
def test_a_copiers_grainy_scan_reads_as_the_typed_one(tmp_path: Path) -> None:
    typed_path = REAL / "broomhill-minutes-2025-02-12.pdf"
    scanned_path = tmp_path / typed_path.name
    scanned_path.write_bytes(scan_pdf(typed_path.read_bytes(), grain=12.0))
    before = " ".join(p.text for p in read(typed_path)).split()
    after = " ".join(p.text for p in read(scanned_path)).split()
    matched = sum(b.size for b in difflib.SequenceMatcher(None, before, after, autojunk=False).get_matching_blocks())
    assert matched >= 0.95 * len(before), f"{matched} of {len(before)} words read back in order"


def test_ink_is_told_from_paper_on_a_grey_copy() -> None:
    image = np.full((100, 100), 200, dtype=np.uint8)  # grey paper
    image[40:60, 10:90] = 90  # faint toner
    assert 90 < ocr.ink_threshold(image) <= 200


@pytest.mark.usefixtures("tesseract")
@pytest.mark.parametrize(("skew", "turn"), [(0.0, 0), (2.0, 0), (0.0, 90), (0.0, 270)])
def test_a_scanned_table_reads_as_a_typed_one(tmp_path: Path, skew: float, turn: int) -> None:
    """Upright, askew, or put in sideways either way."""
    rows = [["Ward", "Budget", "Remaining"], ["Four Oaks", "25,000", "9,506"], ["New Hall", "25,000", "6,013"]]
    path = tmp_path / "grants.pdf"
    path.write_bytes(scanned_table_pdf(rows, "Community Grant Applications", skew=skew, turn=turn))
    paragraphs = read(path)
    assert [p.text for p in paragraphs if p.kind == "table"] == [
        "Ward: Four Oaks | Budget: 25,000 | Remaining: 9,506",
        "Ward: New Hall | Budget: 25,000 | Remaining: 6,013",
    ], "each row with its headers, as a typed PDF's table reads"


def _word(text: str, x0: float, x1: float, font: str = "Calibri") -> dict[str, Any]:
    return {"text": text, "x0": x0, "x1": x1, "top": 100.0, "bottom": 112.0, "size": 11.0, "fontname": font}


def test_words_holding_glyphs_without_characters_are_taken_from_what_ocr_saw() -> None:
    words = [_word("good", 10, 40), _word("(cid:55)(cid:75)(cid:72)", 45, 70), _word("Cou", 120, 140),
             _word("QFLO¶V\x03QHZ", 140, 200, font="Shifted"), _word("rela(cid:415)onship", 210, 270),
             _word("(cid:2)", 280, 290)]
    seen = [{"text": text, "x0": x0, "x1": x1, "top": 102.0, "bottom": 110.0} for text, x0, x1 in
            [("goad", 11, 39), ("The", 46, 69), ("Council's", 121, 168), ("new", 175, 199), ("relatonship", 211, 269)]]
    out = decoded(words, seen)
    assert [w["text"] for w in out] == ["good", "The", "Council's", "new", "rela(cid:415)onship", "(cid:2)"], (
        "a decoded word is kept; a word the font changes within is replaced whole; a ligature glyph is left to "
        "the reader's own rule, and a lone glyph with nothing seen inside to be dropped")
    assert {w["fontname"] for w in out} == {"Calibri"}, "a bold title stays bold"
    assert (out[1]["x0"], out[1]["x1"]) == (46, 69)


UNMAPPED = "The committee set the precept at 7,400 pounds for the year."


@pytest.mark.usefixtures("tesseract")
def test_a_line_whose_font_maps_no_glyph_to_a_character_is_read_from_the_page(tmp_path: Path) -> None:
    path = tmp_path / "minutes.pdf"
    path.write_bytes(make_pdf(MINUTES, unmapped={UNMAPPED}))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ReadWarning)
        paragraphs = read(path)
    assert [(p.text, p.item) for p in paragraphs] == [
        (p.text, p.item) for p in read(_typed(tmp_path))], "read as the typed page, in its item"


def _typed(tmp_path: Path) -> Path:
    path = tmp_path / "typed.pdf"
    path.write_bytes(make_pdf(MINUTES))
    return path


def test_without_tesseract_glyphs_without_characters_are_left_with_a_warning(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ocr, "tesseract_path", lambda: None)
    path = tmp_path / "minutes.pdf"
    path.write_bytes(make_pdf(MINUTES, unmapped={UNMAPPED}))
    with pytest.warns(ReadWarning, match=r"^page\(s\) 2: characters the PDF's fonts do not map .*install Tesseract"):
        paragraphs = read(path)
    assert starting(paragraphs, "There were no apologies").item == "1. Apologies", "the rest of the paper reads"


@pytest.mark.usefixtures("tesseract")
def test_text_drawn_as_outlines_is_read_from_the_page(tmp_path: Path) -> None:
    path = tmp_path / "minutes.pdf"
    path.write_bytes(outlined_pdf(MINUTES))
    assert [(p.text, p.item) for p in read(path)] == [(p.text, p.item) for p in read(_typed(tmp_path))]


@pytest.mark.usefixtures("tesseract")
@pytest.mark.parametrize("turn", [90, 180])
def test_a_page_put_in_sideways_or_upside_down_is_turned_to_read_it(tmp_path: Path, turn: int) -> None:
    path = tmp_path / "minutes.pdf"
    path.write_bytes(scan_pdf(make_pdf(MINUTES), pages={1}, turn=turn))
    assert [(p.text, p.item, p.page) for p in read(path)] == [
        (p.text, p.item, p.page) for p in read(_typed(tmp_path))]
