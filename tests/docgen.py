"""Build real PDF and DOCX files for tests, so loaders are exercised on the
formats as officers will drop them, not on mocks."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path


def make_pdf(pages: list[list[str]], unmapped: set[str] | None = None) -> bytes:
    """A minimal valid PDF with one Helvetica text line per list entry; lines in
    `unmapped` are set in `unmapped_font` instead, which draws them but gives
    no character for any glyph."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    fonts = b"/F1 %d 0 R" % font
    if unmapped:
        fonts += b" /F2 %d 0 R" % unmapped_font(add)
    page_ids: list[int] = []
    pages_id_placeholder = len(objects) + 1 + 2 * len(pages)
    for lines in pages:
        ops = ["BT", "/F1 11 Tf", "14 TL", "72 760 Td"]
        for line in lines:
            if unmapped and line in unmapped:
                glyphs = "".join(f"{ord(ch) - 29:04x}" for ch in line)  # DejaVu's glyph order for ASCII
                ops.append(f"/F2 11 Tf <{glyphs}> Tj T* /F1 11 Tf")
                continue
            escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"({escaped}) Tj T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        page_ids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                b"/Resources << /Font << %s >> >> >>" % (pages_id_placeholder, content, fonts)
            )
        )
    kids = b" ".join(b"%d 0 R" % p for p in page_ids)
    pages_id = add(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(page_ids)))
    assert pages_id == pages_id_placeholder
    return _written(objects, add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id))


def unmapped_font(add: Callable[[bytes], int]) -> int:
    """A font drawn right but read as glyph numbers, as in PDFs whose fonts carry
    no map from glyphs to characters: DejaVu Sans Mono (Debian's
    fonts-dejavu-core; every glyph 602 units wide, so no width table) embedded
    by glyph number, with no ToUnicode map and its own character map
    table renamed, so that pdfminer gives "(cid:55)(cid:75)(cid:72)" for "The".
    `add` writes a PDF object and returns its number."""
    data = bytearray(Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf").read_bytes())
    tables = 12 + 16 * int.from_bytes(data[4:6], "big")
    at = data.index(b"cmap", 12, tables)
    data[at:at + 4] = b"xmap"
    program = add(b"<< /Length %d /Length1 %d >>\nstream\n" % (len(data), len(data)) + bytes(data) + b"\nendstream")
    descriptor = add(b"<< /Type /FontDescriptor /FontName /DejaVuSansMono /Flags 5 /FontBBox [-558 -375 718 1042] "
                     b"/ItalicAngle 0 /Ascent 760 /Descent -240 /CapHeight 729 /StemV 87 "
                     b"/FontFile2 %d 0 R >>" % program)
    glyphs = add(b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /DejaVuSansMono /CIDSystemInfo "
                 b"<< /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R "
                 b"/DW 602 /CIDToGIDMap /Identity >>" % descriptor)
    return add(b"<< /Type /Font /Subtype /Type0 /BaseFont /DejaVuSansMono /Encoding /Identity-H "
               b"/DescendantFonts [%d 0 R] >>" % glyphs)


def outlined_pdf(pages: list[list[str]], dpi: int = 150) -> bytes:
    """A PDF whose text is drawn as shapes and holds no characters, as a design
    program leaves it when fonts are converted to outlines: each page's lines
    set in DejaVu Sans at `dpi`, every run of ink along a pixel row filled as a
    rectangle."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    width, height, scale = int(8.5 * dpi), int(11 * dpi), 72 / dpi
    font = ImageFont.truetype("DejaVuSans.ttf", int(11 / 72 * dpi))
    parent = 2 * len(pages) + 1
    kids = []
    for lines in pages:
        image = Image.new("1", (width, height), 1)
        draw = ImageDraw.Draw(image)
        for number, line in enumerate(lines):
            draw.text((dpi, dpi + number * int(16 / 72 * dpi)), line, font=font, fill=0)
        ops = ["0 g"]
        for y, row in enumerate(~np.asarray(image)):
            edges = np.flatnonzero(np.diff(np.concatenate([[0], row.astype(np.int8), [0]])))
            ops += [f"{x0 * scale:.2f} {(height - y - 1) * scale:.2f} {(x1 - x0) * scale:.2f} {scale:.2f} re"
                    for x0, x1 in zip(edges[::2], edges[1::2], strict=True)]
        stream = "\n".join([*ops, "f"]).encode()
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R >>"
                        % (parent, content)))
    kids_list = b" ".join(b"%d 0 R" % k for k in kids)
    assert add(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids_list, len(kids))) == parent
    return _written(objects, add(b"<< /Type /Catalog /Pages %d 0 R >>" % parent))


def _written(objects: list[bytes], catalog: int) -> bytes:
    """A PDF file of `objects` (numbered from 1) whose catalog is object `catalog`."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, catalog, xref))
    return out.getvalue()


def encrypt_pdf(data: bytes, password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_docx(path: Path, heading: str, paragraphs: list[str], table: list[list[str]] | None = None) -> Path:
    import docx

    document = docx.Document()
    document.add_heading(heading, level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    document.add_paragraph("Resolved – that the budget report be noted.")
    document.save(str(path))
    return path


def scan_pdf(data: bytes, dpi: int = 200, pages: set[int] | None = None, skew: float = 0.0,
             grain: float = 0.0, turn: int = 0) -> bytes:
    """The PDF `data` as an office scanner returns it: each page (or those of
    the 0-based `pages`) a greyscale image with no text layer behind it, fed
    `skew` degrees askew (anticlockwise), or put in sideways or upside down:
    turned `turn` degrees anticlockwise (90, 180, 270). With `grain`, as a copier returns it:
    grey toner on grey paper, noise of that standard deviation in grey levels,
    and specks (seeded, the same every run)."""
    import numpy as np
    import pypdfium2
    from PIL import Image
    from pypdf import PdfReader, PdfWriter

    document = pypdfium2.PdfDocument(data)
    try:
        images = [page.render(scale=dpi / 72).to_pil().convert("L").rotate(skew, fillcolor=255)
                  .rotate(turn, expand=True) for page in document]
    finally:
        document.close()
    if grain:
        noise = np.random.default_rng(7)
        for number, image in enumerate(images):
            pixels = 40 + np.asarray(image, dtype=np.float64) * (225 - 40) / 255
            pixels += noise.normal(0, grain, pixels.shape)
            pixels[noise.random(pixels.shape) < 0.0005] = 30
            images[number] = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    original = PdfReader(io.BytesIO(data))
    writer = PdfWriter()
    for number, image in enumerate(images):
        if pages is not None and number not in pages:
            writer.add_page(original.pages[number])
            continue
        scanned = io.BytesIO()
        image.save(scanned, format="PDF", resolution=dpi)
        writer.add_page(PdfReader(scanned).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def scanned_table_pdf(rows: list[list[str]], title: str, dpi: int = 200, skew: float = 0.0, turn: int = 0) -> bytes:
    """A scanned page holding `title` and a ruled table of `rows` (the first is
    the header), drawn with DejaVu Sans (Debian's fonts-dejavu-core), fed
    `skew` degrees askew and `turn` degrees (90, 180, 270) sideways or upside down."""
    from PIL import Image, ImageDraw, ImageFont

    width, height = int(8.27 * dpi), int(11.69 * dpi)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype("DejaVuSans.ttf", int(11 / 72 * dpi))
    left, top, cell_w, cell_h = dpi, dpi, int(2 * dpi), int(0.4 * dpi)
    draw.text((left, top - cell_h), title, font=font, fill=0)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            x, y = left + c * cell_w, top + r * cell_h
            draw.rectangle((x, y, x + cell_w, y + cell_h), outline=0, width=max(1, dpi // 100))
            draw.text((x + dpi // 12, y + dpi // 10), text, font=font, fill=0)
    out = io.BytesIO()
    page = page.rotate(skew, resample=Image.Resampling.BICUBIC, fillcolor=255).rotate(turn, expand=True)
    page.save(out, format="PDF", resolution=dpi)
    return out.getvalue()
