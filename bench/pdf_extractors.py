"""Which PDF text extractor to read council papers with: seconds over the
development set's PDFs, and words glued together (runs of 25+ letters with no
space, i.e. lost word gaps). pdfplumber also gives each word's position and
font, which paragraph reconstruction needs; pypdf's layout mode gives only
spaced-out text.

    python bench/pdf_extractors.py REALCORPUS_DIR
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Literal

_GLUED = re.compile(r"[A-Za-z]{25,}")


def compare_extractors(papers: Path) -> None:
    """pypdf's plain and layout modes against pdfplumber's positioned words."""
    import io
    import logging
    import time

    import pdfplumber
    from pypdf import PdfReader

    logging.disable(logging.WARNING)
    pdfs = sorted(papers.glob("*.pdf"))

    def pypdf_text(raw: bytes, mode: Literal["plain", "layout"]) -> str:
        return "\n".join(p.extract_text(extraction_mode=mode) or "" for p in PdfReader(io.BytesIO(raw)).pages)

    def plumber_text(raw: bytes, tolerance: float) -> str:
        with pdfplumber.open(io.BytesIO(raw)) as pdf:
            return "\n".join(" ".join(w["text"] for w in p.extract_words(x_tolerance=tolerance)) for p in pdf.pages)

    extractors = {
        "pypdf plain": lambda raw: pypdf_text(raw, "plain"),
        "pypdf layout": lambda raw: pypdf_text(raw, "layout"),
        "pdfplumber words, x_tolerance 3": lambda raw: plumber_text(raw, 3.0),
        "pdfplumber words, x_tolerance 1.5": lambda raw: plumber_text(raw, 1.5),
    }
    print(f"{len(pdfs)} PDFs, {sum(len(PdfReader(p).pages) for p in pdfs)} pages")
    print(f"{'extractor':36} | seconds | glued words")
    for name, extract in extractors.items():
        start, glued = time.perf_counter(), 0
        for path in pdfs:
            glued += len(_GLUED.findall(extract(path.read_bytes())))
        print(f"{name:36} | {time.perf_counter() - start:7.1f} | {glued}")



def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("realcorpus", type=Path, help="REALCORPUS_DIR (with papers/)")
    compare_extractors(parser.parse_args(argv).realcorpus / "papers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
