"""Do papers read the same, and get the same answers, whatever format they come in?

    python bench/format_invariance.py REALCORPUS_DIR --work DIR \\
        [--questions FILE ...] [--formats docx,html,scanned,scanned-rough,scanned-turned] [--skip-ingest]
        [--every N] [--reading-only]

Takes the real papers typed as text or Markdown and writes each again as Word
would save it (DOCX: item numbers drawn by Word's list numbering, headings in
heading styles, table rows in a table) and as a web page would set it (HTML: an
`<ol start=…>` per item number, `<h2>`, `<table>`). `scanned` takes the PDF
papers instead and writes each page as a 200 dpi greyscale image with no text,
as an office scanner would, so its text comes from OCR; `scanned-rough` does
the same as a copier would, each page a little askew, blurred, greyed and
speckled; `scanned-turned` puts pages in sideways and upside down. For each
format it
reports:

- reading: of the original paragraphs outside tables, the share read back word
  for word (spaces aside) and the share read under the same item; the table
  rows read back (a DOCX table reads "Header: value", by design); the share of
  the original words read back in order (what OCR misreads shows here);
- answers: a store of all the papers, these ones in the format (`python -m
  ingest`), and `python -m qa_app eval` over the questions whose `source` is one
  of them, their sources renamed to the format's file.

The originals are the baseline, measured the same way in the same run, over
the same questions (those whose source is a typed paper, or a PDF for `scanned`).
"""

from __future__ import annotations

import argparse
import difflib
import html
import json
import logging
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from written_answers import ingest  # noqa: E402  (beside this script)

from ingest.load import load_blocks  # noqa: E402
from ingest.paragraphs import segment  # noqa: E402
from ingest.structure import item_title  # noqa: E402
from ingest.types import Paragraph  # noqa: E402

TYPED = (".txt", ".md")
SCAN_DPI = 200
_NUMBERED = re.compile(r"^(\d{1,4})[.)]\s*(?=\S)")
"""An item number Word or a browser would draw: "5. Precept", "3048.Police Report"."""
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def read(path: Path) -> list[Paragraph]:
    return segment(path.name, load_blocks(path))[1]


def _drawn_number(p: Paragraph) -> tuple[int, str] | None:
    """(number, text after it) when the paragraph opens an item with a plain number."""
    match = _NUMBERED.match(p.text)
    if not match or item_title(p.text) is None:
        return None
    return int(match.group(1)), p.text[match.end():]


def _runs(paragraphs: list[Paragraph]) -> list[list[Paragraph]]:
    """Consecutive table rows together, every other paragraph alone."""
    out: list[list[Paragraph]] = []
    for p in paragraphs:
        if p.kind == "table" and out and out[-1][-1].kind == "table":
            out[-1].append(p)
        else:
            out.append([p])
    return out


def write_docx(paragraphs: list[Paragraph], path: Path) -> None:
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import qn

    document = docx.Document()
    numbering = document.part.numbering_part.element
    list_number = document.styles["List Number"].element.pPr.numPr.numId.val
    abstract = next(n.find(qn("w:abstractNumId")).get(qn("w:val")) for n in numbering.findall(qn("w:num"))
                    if n.get(qn("w:numId")) == str(list_number))
    next_id = 1000
    for run in _runs(paragraphs):
        first = run[0]
        if first.kind == "table":
            cells = [p.text.split(" | ") for p in run]
            width = max(len(c) for c in cells)
            grid = document.add_table(rows=len(cells), cols=width)
            for r, row in enumerate(cells):
                for c, value in enumerate(row):
                    grid.cell(r, c).text = value
            continue
        numbered = _drawn_number(first)
        if numbered:
            number, text = numbered
            next_id += 1
            numbering.append(parse_xml(
                f'<w:num {W} w:numId="{next_id}"><w:abstractNumId w:val="{abstract}"/>'
                f'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="{number}"/></w:lvlOverride></w:num>'))
            paragraph = document.add_paragraph(text, style="List Number")
            paragraph._p.get_or_add_pPr().append(
                parse_xml(f'<w:numPr {W}><w:ilvl w:val="0"/><w:numId w:val="{next_id}"/></w:numPr>'))
        elif first.kind == "heading":
            document.add_paragraph(first.text, style="Heading 2")
        else:
            document.add_paragraph(first.text)
    document.save(str(path))


def write_html(paragraphs: list[Paragraph], path: Path) -> None:
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'></head><body><main>"]
    for run in _runs(paragraphs):
        first = run[0]
        if first.kind == "table":
            rows = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in p.text.split(" | ")) + "</tr>"
                           for p in run)
            parts.append(f"<table>{rows}</table>")
            continue
        numbered = _drawn_number(first)
        if numbered:
            parts.append(f'<ol start="{numbered[0]}"><li>{html.escape(numbered[1])}</li></ol>')
        elif first.kind == "heading":
            parts.append(f"<h2>{html.escape(first.text)}</h2>")
        else:
            parts.append(f"<p>{html.escape(first.text)}</p>")
    parts.append("</main></body></html>")
    path.write_text("".join(parts), encoding="utf-8")


def write_scanned(source: Path, path: Path, rough: bool = False, turned: bool = False) -> None:
    """Every page of the PDF `source` as a greyscale image, with no text layer;
    `rough` pages as an office copier leaves them (see `roughen`); `turned`
    pages put in upright, sideways, upside down and sideways the other way in
    turn (the first page upright, the second turned 90 degrees anticlockwise, …)."""
    import pypdfium2
    from PIL import Image

    document = pypdfium2.PdfDocument(str(source))
    try:
        pages: list[Image.Image] = [page.render(scale=SCAN_DPI / 72).to_pil().convert("L") for page in document]
    finally:
        document.close()
    if rough:
        pages = [roughen(page, f"{source.name}:{number}") for number, page in enumerate(pages)]
    if turned:
        pages = [page.rotate(90 * (number % 4), expand=True) for number, page in enumerate(pages)]
    pages[0].save(path, format="PDF", save_all=True, append_images=pages[1:], resolution=SCAN_DPI)


MAX_SKEW = 2.0
"""Degrees a rough page is turned by, at most: a sheet fed a little askew."""


def roughen(page: Any, seed: str) -> Any:
    """A page as a copier leaves it, the same every run for the same `seed`:
    turned by up to `MAX_SKEW` degrees either way, a little blurred, greyed
    (toner that does not reach black, paper that is not white) and speckled."""
    import random

    import numpy as np
    from PIL import Image, ImageFilter

    rng = random.Random(seed)
    turned = page.rotate(rng.uniform(-MAX_SKEW, MAX_SKEW), resample=Image.Resampling.BICUBIC,
                         expand=False, fillcolor=255)
    pixels = np.asarray(turned.filter(ImageFilter.GaussianBlur(0.6)), dtype=np.float64)
    pixels = 40 + pixels * (225 - 40) / 255
    noise = np.random.default_rng(rng.randrange(2**32))
    pixels += noise.normal(0, 12, pixels.shape)
    specks = noise.random(pixels.shape)
    pixels[specks < 0.0005] = 30
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


WRITERS: dict[str, Callable[[Path, list[Paragraph], Path], None]] = {
    "docx": lambda _source, paragraphs, path: write_docx(paragraphs, path),
    "html": lambda _source, paragraphs, path: write_html(paragraphs, path),
    "scanned": lambda source, _paragraphs, path: write_scanned(source, path),
    "scanned-rough": lambda source, _paragraphs, path: write_scanned(source, path, rough=True),
    "scanned-turned": lambda source, _paragraphs, path: write_scanned(source, path, turned=True),
}
SOURCES = {"docx": TYPED, "html": TYPED, "scanned": (".pdf",), "scanned-rough": (".pdf",), "scanned-turned": (".pdf",)}
"""The papers each format rewrites."""
SUFFIXES = {"scanned": ".scan.pdf", "scanned-rough": ".rough.pdf", "scanned-turned": ".turned.pdf"}


def _bare(text: str) -> str:
    return "".join(text.split())


def reading(original: list[Paragraph], again: list[Paragraph]) -> dict[str, int]:
    """How many of the original paragraphs outside tables come back word for
    word, and under the same item; how many table rows come back; how many of
    the original words come back in order."""
    kept = [p for p in original if p.kind != "table"]
    read_back: dict[str, list[str | None]] = {}
    for p in again:
        read_back.setdefault(_bare(p.text), []).append(p.item and _bare(p.item))
    same = sum(1 for p in kept if _bare(p.text) in read_back)
    same_item = sum(1 for p in kept if (p.item and _bare(p.item)) in read_back.get(_bare(p.text), []))
    before = " ".join(p.text for p in original).split()
    after = " ".join(p.text for p in again).split()
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    return {"paragraphs": len(kept), "read_back": same, "same_item": same_item,
            "table_rows": len(original) - len(kept), "table_rows_read": sum(1 for p in again if p.kind == "table"),
            "words": len(before), "words_read": sum(b.size for b in matcher.get_matching_blocks())}


def build(corpus: Path, work: Path, fmt: str, every: int = 1) -> tuple[Path, dict[str, str], dict[str, int]]:
    """A folder of every paper, those of the format's sources written in `fmt`
    (every `every`-th of them in name order; the rest as they are); the renames
    and reading counts."""
    folder = work / f"papers-{fmt}"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    renames: dict[str, str] = {}
    totals: dict[str, int] = {}
    sources = 0
    for path in sorted((corpus / "papers").iterdir()):
        if not path.is_file():
            continue
        chosen = fmt != "original" and path.suffix.lower() in SOURCES[fmt]
        sources += chosen
        if not chosen or (sources - 1) % every:
            shutil.copy2(path, folder / path.name)
            continue
        original = read(path)
        target = folder / f"{path.stem}{SUFFIXES.get(fmt, '.' + fmt)}"
        WRITERS[fmt](path, original, target)
        renames[path.name] = target.name
        for key, value in reading(original, read(target)).items():
            totals[key] = totals.get(key, 0) + value
    return folder, renames, totals


def questions_for(files: list[Path], renames: dict[str, str], typed: set[str], out: Path) -> int:
    """The questions whose source is a typed paper, their sources renamed; how many."""
    rows = [json.loads(line) for f in files for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    chosen = [{**r, "source": renames.get(r["source"], r["source"])} for r in rows if r.get("source") in typed]
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in chosen), encoding="utf-8")
    return len(chosen)


def evaluate(questions: Path, store: Path) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-m", "qa_app", "eval", "--questions", str(questions), "--store",
                           str(store), "--json"], cwd=REPO, capture_output=True, text=True, check=True,
                          env={**os.environ, "HF_HUB_OFFLINE": "1"})
    system = json.loads(proc.stdout)["system"]
    return {k: round(system[k], 3) for k in ("recall@5", "answer_accuracy", "citation_paper", "false_abstention")
            if system.get(k) is not None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="REALCORPUS_DIR (papers/, questions.jsonl)")
    parser.add_argument("--work", type=Path, required=True, help="where the papers and stores go")
    parser.add_argument("--questions", type=Path, action="append", default=[],
                        help="question files (default: the corpus's questions.jsonl); repeatable")
    parser.add_argument("--formats", default="docx,html")
    parser.add_argument("--skip-ingest", action="store_true", help="use the stores in --work as they are")
    parser.add_argument("--every", type=int, default=1, metavar="N",
                        help="with --reading-only: rewrite and read every N-th paper of each format's sources")
    parser.add_argument("--reading-only", action="store_true", help="measure the reading; no stores, no answers")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    files = args.questions or [args.corpus / "questions.jsonl"]
    if args.every != 1 and not args.reading_only:
        parser.error("--every samples the reading: use it with --reading-only")
    formats = args.formats.split(",")
    unknown = set(formats) - set(WRITERS)
    if unknown:
        parser.error(f"unknown format(s) {', '.join(sorted(unknown))}; choose from {', '.join(WRITERS)}")
    for fmt in ["original", *formats]:
        if fmt == "original" and args.reading_only:
            continue
        folder, renames, totals = build(args.corpus, args.work, fmt, args.every)
        store = args.work / f"store-{fmt}"
        row: dict[str, Any] = {"format": fmt, "reading": totals or None}
        if args.reading_only:
            print(json.dumps({**row, "papers": len(renames)}), flush=True)
            continue
        if not args.skip_ingest:
            shutil.rmtree(store, ignore_errors=True)  # built afresh: the reading may have changed since
            row["ingest"] = ingest(folder, store)
        # the originals answer each format's questions: typed papers for DOCX and HTML, PDFs for scans
        for sources in dict.fromkeys(SOURCES[f] for f in formats) if fmt == "original" else [SOURCES[fmt]]:
            chosen = {p.name for p in (args.corpus / "papers").iterdir() if p.suffix.lower() in sources}
            qpath = args.work / f"questions-{fmt}-{'-'.join(s.strip('.') for s in sources)}.jsonl"
            count = questions_for(files, renames, chosen, qpath)
            print(json.dumps({**row, "sources": list(sources), "questions": count,
                              "answers": evaluate(qpath, store)}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
