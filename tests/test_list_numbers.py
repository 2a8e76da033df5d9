"""Numbers drawn by Word and by browsers are read as part of the text, so an
automatically numbered item heading opens its item."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.load import load_blocks
from ingest.paragraphs import segment
from ingest.readers.list_numbers import format_number

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _read(path: Path) -> list[tuple[str, str | None]]:
    _, paragraphs = segment(path.name, load_blocks(path))
    return [(p.text, p.item) for p in paragraphs]


def _numbering(
    document: object, abstract_id: int, levels: list[tuple[str, str]], num_ids: dict[int, int | None]
) -> None:
    """Add a list definition (`levels`: numFmt and lvlText per level) and list
    instances pointing at it (numId → startOverride of level 0, or None)."""
    from docx.oxml import parse_xml

    root = document.part.numbering_part.element  # type: ignore[attr-defined]
    lvls = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/></w:lvl>'
        for i, (fmt, text) in enumerate(levels)
    )
    root.insert(0, parse_xml(f'<w:abstractNum {W} w:abstractNumId="{abstract_id}">{lvls}</w:abstractNum>'))
    for num_id, start in num_ids.items():
        override = (f'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="{start}"/></w:lvlOverride>'
                    if start is not None else "")
        root.append(parse_xml(f'<w:num {W} w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/>{override}'
                              "</w:num>"))


def _numbered(document: object, text: str, num_id: int, level: int = 0) -> None:
    from docx.oxml import parse_xml

    paragraph = document.add_paragraph(text)  # type: ignore[attr-defined]
    paragraph._p.get_or_add_pPr().append(
        parse_xml(f'<w:numPr {W}><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>'))


def test_word_list_numbers_open_their_items(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Northwold Parish Council", style="Title")
    document.add_paragraph("Apologies for absence", style="List Number")
    document.add_paragraph("Cllr Smith sent apologies.")
    document.add_paragraph("Precept 2024/25", style="List Number")
    document.add_paragraph("The precept was set at £7,400.")
    document.add_paragraph("Proposed by Cllr Jones, seconded by Cllr Brown.")
    document.add_paragraph("A point in passing", style="List Bullet")
    path = tmp_path / "minutes.docx"
    document.save(str(path))
    assert _read(path) == [
        ("Northwold Parish Council", None),
        ("1. Apologies for absence", "1. Apologies for absence"),
        ("Cllr Smith sent apologies.", "1. Apologies for absence"),
        ("2. Precept 2024/25", "2. Precept 2024/25"),
        ("The precept was set at £7,400.", "2. Precept 2024/25"),
        ("Proposed by Cllr Jones, seconded by Cllr Brown.", "2. Precept 2024/25"),
        ("A point in passing", "2. Precept 2024/25"),  # a bullet has no number
    ]


def test_word_levels_formats_and_restarts(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    _numbering(document, 90, [("decimal", "%1."), ("decimal", "%1.%2"), ("lowerLetter", "(%3)")],
               {901: None, 902: None, 903: 10})
    _numbered(document, "Finance", 901)
    _numbered(document, "Payments", 901, level=1)
    _numbered(document, "Cheques were signed.", 901, level=2)
    _numbered(document, "The bank mandate was updated.", 901, level=2)
    _numbered(document, "Audit", 902, level=1)  # another instance of the same list carries on counting
    _numbered(document, "Planning", 901)
    _numbered(document, "Applications", 901, level=1)  # a deeper level restarts under a new item
    _numbered(document, "Highways", 903)  # "restart numbering at 10"
    _numbered(document, "Not defined", 999)  # a list the document never defines: no number, no failure
    path = tmp_path / "levels.docx"
    document.save(str(path))
    assert [text for text, _ in _read(path)] == [
        "1. Finance", "1.1 Payments", "(a) Cheques were signed.", "(b) The bank mandate was updated.", "1.2 Audit",
        "2. Planning", "2.1 Applications", "10. Highways", "Not defined",
    ]


def test_html_ordered_lists_read_with_their_numbers(tmp_path: Path) -> None:
    path = tmp_path / "minutes.html"
    path.write_text(
        "<html><body><h1>Minutes</h1><ol><li>Apologies</li><li><p>Precept</p><p>The precept was set at £7,400.</p>"
        "</li></ol><ol start='7' type='a'><li>seven</li><li value='10'>ten</li><li>eleven</li></ol>"
        "<ul><li>a bullet</li></ul><ol type='I'><li>first</li><li>second</li></ol></body></html>",
        encoding="utf-8",
    )
    assert [text for text, _ in _read(path)] == [
        "Minutes", "1. Apologies", "2. Precept", "The precept was set at £7,400.", "g. seven", "j. ten", "k. eleven",
        "a bullet", "I. first", "II. second",
    ]
    assert dict(_read(path))["The precept was set at £7,400."] == "2. Precept"


@pytest.mark.parametrize(("n", "fmt", "drawn"), [
    (3, "decimal", "3"), (3, "decimalZero", "03"), (2, "lowerLetter", "b"), (28, "lowerLetter", "bb"),
    (1994, "upperRoman", "MCMXCIV"), (4, "lowerRoman", "iv"), (7, "bullet", "7"),
])
def test_number_formats(n: int, fmt: str, drawn: str) -> None:
    assert format_number(n, fmt) == drawn


def test_minutes_laid_out_as_a_table_open_their_items(tmp_path: Path) -> None:
    """Number, item and action in columns: the number and title head the item."""
    import docx

    document = docx.Document()
    document.add_paragraph("Boughton Parish Council minutes")
    rows = [["No", "Item", "Action by"], ["1.", "Apologies", ""], ["", "Cllr Agate sent apologies.", ""],
            ["2.", "Election of Officers", "Clerk"], ["", "Cllr Proctor nominated Cllr Reid.", ""]]
    grid = document.add_table(rows=len(rows), cols=3)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            grid.cell(r, c).text = value
    path = tmp_path / "table-minutes.docx"
    document.save(str(path))
    assert _read(path)[1:] == [
        ("1. Apologies", "1. Apologies"),
        ("Item: Cllr Agate sent apologies.", "1. Apologies"),
        ("2. Election of Officers | Action by: Clerk", "2. Election of Officers"),
        ("Item: Cllr Proctor nominated Cllr Reid.", "2. Election of Officers"),
    ]
    html = tmp_path / "table-minutes.html"
    html.write_text("<html><body><table>" + "".join(
        "<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows) + "</table></body></html>",
        encoding="utf-8")
    assert [item for _, item in _read(html)] == [None, "1. Apologies", "1. Apologies", "2. Election of Officers",
                                                  "2. Election of Officers"]


def test_numbers_in_a_table_of_figures_stay_cells() -> None:
    from ingest.readers.tables import row_text

    assert row_text(["2023", "5,000", "6,600"]) == "2023 | 5,000 | 6,600"
    assert row_text(["12", "roads and paths", "£5m"]) == "12 | roads and paths | £5m"
    assert row_text(["Item 7", "Precept", ""]) == "Item 7 Precept"


def test_word_numbers_in_table_cells_count_once_per_cell(tmp_path: Path) -> None:
    """Minutes in a table whose first column Word numbers; a cell merged across
    two columns is read, and numbered, once."""
    import docx

    document = docx.Document()
    grid = document.add_table(rows=3, cols=3)
    for r, (title, text) in enumerate([("Apologies", "None were received."), ("Precept", "Set at £7,400."),
                                       ("Highways", "")]):
        grid.cell(r, 0).paragraphs[0].style = document.styles["List Number"]
        grid.cell(r, 0).paragraphs[0].text = title
        grid.cell(r, 1).text = text
    grid.cell(2, 1).merge(grid.cell(2, 2)).text = "A pothole was reported."
    path = tmp_path / "numbered-table.docx"
    document.save(str(path))
    assert _read(path) == [
        ("1. Apologies | None were received.", "1. Apologies"),
        ("2. Precept | Set at £7,400.", "2. Precept"),
        ("3. Highways | A pothole was reported.", "3. Highways"),
    ]
