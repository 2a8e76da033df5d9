"""Loaders: every format, and every kind of bad input, fails with a message that
names the file and the reason."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from docgen import encrypt_pdf, make_docx, make_pdf

from ingest.errors import LoadError
from ingest.load import load_blocks
from ingest.paragraphs import segment


def texts(path: Path) -> list[str]:
    _, paragraphs = segment(path.name, load_blocks(path))
    return [p.text for p in paragraphs]


def page_texts(path: Path, markup: str) -> list[str]:
    """The paragraphs of a web page saved at `path`."""
    path.write_text(markup, encoding="utf-8")
    return texts(path)


def test_utf8_text(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("Council allocated £2m.\n\nIt was agreed.", encoding="utf-8")
    assert texts(path) == ["Council allocated £2m.", "It was agreed."]


def test_cp1252_text_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "windows.txt"
    path.write_bytes("The Council’s budget is £3.5m – agreed.".encode("cp1252"))
    assert texts(path) == ["The Council’s budget is £3.5m – agreed."]


def test_latin1_text_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("Café costs £5, naïve plan agreed.".encode("latin-1"))
    assert texts(path) == ["Café costs £5, naïve plan agreed."]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_text_with_a_byte_order_mark_is_decoded(tmp_path: Path, encoding: str) -> None:
    """Notepad saves "Unicode" text as UTF-16 with a byte-order mark, Word its web pages too."""
    body = "The Council’s budget is £3.5m.\r\n\r\nIt was agreed."
    data = (codecs.BOM_UTF16_BE + body.encode("utf-16-be")) if encoding == "utf-16-be" else body.encode(encoding)
    path = tmp_path / "unicode.txt"
    path.write_bytes(data)
    assert texts(path) == ["The Council’s budget is £3.5m.", "It was agreed."]
    page = tmp_path / "page.htm"
    page.write_bytes("<html><body><p>Resolved: the grant of £450 was approved.</p></body></html>".encode("utf-16"))
    assert texts(page) == ["Resolved: the grant of £450 was approved."]


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b"  \n\n \t\n", "empty file"),
        ("binary.txt", bytes(range(256)) * 8, "binary content"),
        ("half.txt", b"\xff\xfeH\x00i\x00\x00\xd8", "marked as UTF-16 but not valid UTF-16"),
        ("corrupt.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ngarbage without xref", "PDF"),
        ("notes.xyz", b"some text", "unsupported file type '.xyz'"),
        ("broken.docx", b"PK\x03\x04 not really a zip", "corrupt or unreadable DOCX"),
    ],
)
def test_bad_input_names_file_and_reason(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(LoadError) as info:
        load_blocks(path)
    assert str(path) in str(info.value)
    assert reason in info.value.reason


def test_encrypted_pdf_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "secret.pdf"
    path.write_bytes(encrypt_pdf(make_pdf([["Confidential budget lines."]]), "hunter2"))
    with pytest.raises(LoadError, match="encrypted PDF"):
        load_blocks(path)


def test_pdf_paragraphs_keep_page_numbers(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(make_pdf([["CABINET REPORT", "1. The plan was approved."], ["2. The budget was noted."]]))
    _, paragraphs = segment("report.pdf", load_blocks(path))
    by_text = {p.text: p for p in paragraphs}
    assert by_text["CABINET REPORT"].kind == "heading"
    assert by_text["1. The plan was approved."].page == 1
    assert by_text["2. The budget was noted."].page == 2
    assert by_text["2. The budget was noted."].heading == "CABINET REPORT"


def test_docx_tables_become_readable_rows(tmp_path: Path) -> None:
    path = make_docx(
        tmp_path / "budget.docx", "Capital budget", ["The committee set the budget."],
        [["Scheme", "Cost"], ["Roads", "£5m"], ["Schools", "£7m"]],
    )
    _, paragraphs = segment("budget.docx", load_blocks(path))
    assert [p.text for p in paragraphs] == [
        "Capital budget",
        "The committee set the budget.",
        "Scheme: Roads | Cost: £5m",
        "Scheme: Schools | Cost: £7m",
        "Resolved – that the budget report be noted.",
    ]
    assert paragraphs[0].kind == "heading"
    assert paragraphs[2].kind == "table" and paragraphs[2].heading == "Capital budget"


def test_html_scripts_never_reach_the_text(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>t</title><script>var secret = 'leak';</script><style>p{}</style></head>"
        "<body><h1>Cabinet minutes</h1><p>The report was <b>noted</b>.</p>"
        "<script>alert('x')</script><ul><li>First point</li><li>Second point</li></ul>"
        "<table><tr><th>Item</th><th>Cost</th></tr><tr><td>Roads</td><td>£5m</td></tr></table>"
        "<noscript>enable js</noscript></body></html>",
        encoding="utf-8",
    )
    got = texts(path)
    assert got == ["Cabinet minutes", "The report was noted.", "First point", "Second point",
                   "Item | Cost", "Roads | £5m"]
    joined = " ".join(got)
    assert "secret" not in joined and "alert" not in joined and "enable js" not in joined


def test_markdown_headings_and_links(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_text("# Motion on libraries\n\nCouncil notes the [report](http://x).\n\n- keep branches open\n")
    _, paragraphs = segment("notes.md", load_blocks(path))
    assert [(p.kind, p.text) for p in paragraphs] == [
        ("heading", "Motion on libraries"),
        ("text", "Council notes the report."),
        ("list_item", "keep branches open"),
    ]


def test_html_page_furniture_is_dropped_and_the_article_kept(tmp_path: Path) -> None:
    path = tmp_path / "minutes.html"
    path.write_text(
        "<html><body><header><p>Stoke Ferry, Norfolk, UK</p></header><nav><a href='/'>Home</a></nav>"
        "<article><h1>Wretton Parish Council minutes</h1><p>Present: Cllr D Llewellyn - Chairman</p>"
        "<p>1. Apologies for Absence accepted from:<br />Cllr L Peake</p></article>"
        "<aside><p>Recent posts</p></aside><footer><p>Copyright 2009</p></footer></body></html>",
        encoding="utf-8",
    )
    got = texts(path)
    assert got[0] == "Wretton Parish Council minutes"
    assert "Cllr L Peake" in " ".join(got)
    for furniture in ("Home", "Recent posts", "Copyright 2009", "Stoke Ferry, Norfolk, UK"):
        assert furniture not in " ".join(got)


def test_html_saved_as_text_is_read_as_html(tmp_path: Path) -> None:
    path = tmp_path / "minutes_20210329.txt"
    path.write_text(
        "Minutes of a meeting held on Monday 29th March 2021.<br /><br />3049.Apologies for absence:   None."
        "<br /><br />3052.Financial Report:  BMM A/C &pound;5,642.54.<br /><br />3053.Accounts for payment:-"
        "<br />Merlin Waste - &pound;43.33<br />Approved for payment.",
        encoding="utf-8",
    )
    got = texts(path)
    assert "3052.Financial Report: BMM A/C £5,642.54." in got
    assert "Merlin Waste - £43.33" in got and not [t for t in got if "<br" in t or "&pound;" in t]


def test_docx_text_word_shows_is_read_wherever_it_sits(tmp_path: Path) -> None:
    """Content controls, tracked insertions, hyperlinks and fields hold text a
    reader sees; deleted and moved-away text and field codes are not shown."""
    import docx
    from docx.oxml import parse_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    document = docx.Document()
    document.add_paragraph("Minutes")
    body = document.element.body
    for xml in (
        f'<w:sdt {w}><w:sdtPr><w:alias w:val="Decision"/></w:sdtPr><w:sdtContent><w:p><w:r>'
        "<w:t>Inside a content control.</w:t></w:r></w:p></w:sdtContent></w:sdt>",
        f'<w:p {w}><w:r><w:t xml:space="preserve">The precept was set at </w:t></w:r>'
        '<w:ins w:id="1" w:author="Clerk" w:date="2024-01-01T00:00:00Z"><w:r><w:t>£7,400</w:t></w:r></w:ins>'
        '<w:del w:id="2" w:author="Clerk" w:date="2024-01-01T00:00:00Z"><w:r><w:delText>£7,000</w:delText></w:r>'
        "</w:del><w:r><w:t>.</w:t></w:r></w:p>",
        f'<w:p {w}><w:r><w:t xml:space="preserve">See </w:t></w:r><w:hyperlink><w:r><w:t>the budget</w:t></w:r>'
        '</w:hyperlink><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t xml:space="preserve"> on page 4</w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r><w:moveFrom w:id="3" w:author="Clerk"><w:r><w:t>moved</w:t>'
        "</w:r></w:moveFrom><w:r><w:t>.</w:t></w:r></w:p>",
    ):
        body.insert(len(body) - 1, parse_xml(xml))
    path = tmp_path / "draft.docx"
    document.save(str(path))
    assert texts(path) == ["Minutes", "Inside a content control.", "The precept was set at £7,400.",
                           "See the budget on page 4."]


def test_docx_text_boxes_are_read_once(tmp_path: Path) -> None:
    """A text box is stored twice (for new and old Word); it is read once, after
    the paragraph it is anchored in."""
    import docx
    from docx.oxml import parse_xml

    ns = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
          'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"')
    box = "<w:txbxContent><w:p><w:r><w:t>Grant awarded: £1,000.</w:t></w:r></w:p></w:txbxContent>"
    document = docx.Document()
    body = document.element.body
    body.insert(len(body) - 1, parse_xml(
        f"<w:p {ns}><w:r><w:t>The Village Hall applied for a grant.</w:t></w:r><w:r><mc:AlternateContent>"
        f"<mc:Choice Requires=\"wps\"><w:drawing>{box}</w:drawing></mc:Choice>"
        f"<mc:Fallback><w:pict>{box}</w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>"))
    path = tmp_path / "newsletter.docx"
    document.save(str(path))
    assert texts(path) == ["The Village Hall applied for a grant.", "Grant awarded: £1,000."]


def test_a_form_around_the_whole_page_is_read_and_a_search_box_is_not(tmp_path: Path) -> None:
    """ASP.NET sites wrap every page in one form; dropping forms dropped the minutes."""
    assert page_texts(tmp_path / "minutes.aspx.html", (
        '<html><body><form method="post" action="./minutes.aspx" id="aspnetForm">'
        '<input type="hidden" name="__VIEWSTATE" value="dDwtMTA4"/>'
        "<h1>Minutes of the Planning Committee</h1><p>The committee approved application 24/0012.</p>"
        '<form action="/search"><label>Search this site</label><input name="q"/><button>Go</button></form>'
        "</form></body></html>"
    )) == ["Minutes of the Planning Committee", "The committee approved application 24/0012."]


def test_a_page_laid_out_in_a_table_reads_as_paragraphs(tmp_path: Path) -> None:
    """Older sites set the menu and the article side by side in one table row;
    the article's paragraphs stay paragraphs, and a data table inside stays rows."""
    assert page_texts(tmp_path / "layout.html", (
        "<html><body><table><tr><td><a href='/'>Home</a></td><td><h1>Minutes, 5 March 2024</h1>"
        "<p>The precept was set at £7,400.</p><p>The meeting closed at 9pm.</p>"
        "<table><tr><th>Item</th><th>Cost</th></tr><tr><td>Roads</td><td>£5m</td></tr></table>"
        "</td></tr></table></body></html>"
    )) == ["Home", "Minutes, 5 March 2024", "The precept was set at £7,400.", "The meeting closed at 9pm.",
           "Item | Cost", "Roads | £5m"]


def test_landmark_roles_mark_a_div_built_page_s_furniture(tmp_path: Path) -> None:
    assert page_texts(tmp_path / "divs.html", (
        '<html><body><div role="banner">Anytown Council</div><div role="navigation"><a href="/">Home</a>'
        '<a href="/tax">Council Tax</a></div><div id="content"><h1>Cabinet, 5 March 2024</h1>'
        '<p>The budget was agreed.</p></div><div role="complementary">Latest news</div>'
        '<div role="contentinfo">© Anytown Council</div></body></html>'
    )) == ["Cabinet, 5 March 2024", "The budget was agreed."]


def test_docx_table_rows_and_cells_inside_content_controls_are_read(tmp_path: Path) -> None:
    """A repeating-section control around rows, a control around a cell, a cell
    merged down: every row reads with its own cells under the right headers."""
    import docx
    from docx.oxml import parse_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'

    def cell(text: str, merge: str = "") -> str:
        return f"<w:tc><w:tcPr>{merge}</w:tcPr><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>"

    document = docx.Document()
    table = document.add_table(rows=1, cols=3)
    for c, header in enumerate(("Ward", "Scheme", "Cost")):
        table.cell(0, c).text = header
    tbl = table._tbl
    restart = '<w:vMerge w:val="restart"/>'
    tbl.append(parse_xml(f"<w:sdt {w}><w:sdtPr/><w:sdtContent><w:tr>{cell('North', restart)}"
                         f"{cell('Roads')}{cell('£5m')}</w:tr></w:sdtContent></w:sdt>"))
    tbl.append(parse_xml(f"<w:tr {w}>{cell('', '<w:vMerge/>')}<w:sdt><w:sdtPr/><w:sdtContent>{cell('Schools')}"
                         f"</w:sdtContent></w:sdt>{cell('£7m')}</w:tr>"))
    path = tmp_path / "schemes.docx"
    document.save(str(path))
    assert texts(path) == ["Ward: North | Scheme: Roads | Cost: £5m", "Ward: North | Scheme: Schools | Cost: £7m"]


def test_plain_paragraphs_are_not_headings_by_their_wording_bold_ones_may_be(tmp_path: Path) -> None:
    """Word and web pages mark headings; a short plain line is text ("Income 12/13
    £7,104"), one set in bold is a heading made by hand."""
    import docx

    document = docx.Document()
    document.add_paragraph().add_run("Financial Report").bold = True
    document.add_paragraph("Income 2023/24 £7,104")
    document.add_paragraph("Report from Give Dog Fouling the Red Card meeting 23rd March")
    path = tmp_path / "finance.docx"
    document.save(str(path))
    page = tmp_path / "finance.html"
    page.write_text("<html><body><p><strong>Financial Report</strong></p><p>Income 2023/24 £7,104</p>"
                    "<p>Report from Give Dog Fouling the Red Card meeting 23rd March</p></body></html>",
                    encoding="utf-8")
    for paper in (path, page):
        _, paragraphs = segment(paper.name, load_blocks(paper))
        assert [p.kind for p in paragraphs] == ["heading", "text", "text"], paper.name
