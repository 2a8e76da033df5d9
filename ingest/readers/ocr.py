"""Scanned pages: the words Tesseract reads from a page image, placed as
pdfplumber places the words of a typed page.

Signed minutes and older papers often reach a council as scans: pages holding
an image and no text. Rather than lose them, each such page is rendered
(pdfplumber, through pypdfium2) and read by Tesseract's command line. The words
come back with their boxes in PDF points, so the PDF reader's own layout rules
(rows, columns, paragraph gaps, running headers) read a scan as they read a
typed page. What Tesseract does not say is measured on the image: which words
are bold (item titles), and where lines are ruled (tables, whose cells
pdfplumber's own table finder then finds).

Tesseract runs as a subprocess rather than through a binding: each call gets
one OpenMP thread and a timeout of its own without touching the environment of
this process (where torch and onnxruntime keep their own thread pools), and
pages are read side by side, one per core.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageFilter

from ingest.dates import MONTH_PATTERN

logger = logging.getLogger(__name__)

RESOLUTION = 300
"""Dots per inch a page is rendered at: Tesseract's own recommendation for body text."""

MIN_CONFIDENCE = 30.0
"""Marks without a letter or digit that Tesseract is less sure of than this
(0-100) are specks and smudges, not text."""

PAGE_SEGMENTATION = "4"
"""Tesseract's page segmentation mode: 4 reads the page as one column of lines of
any size. The PDF reader finds columns itself from the word boxes; Tesseract's
own layout analysis (mode 3) sets hanging labels such as "(b)" apart as a
column of their own and misreads them."""

BOLD_STROKE = 1.25
"""A word is bold when its strokes are this much thicker than the page's usual
stroke: bold faces measure 1.4-1.6 times their regular one on scanned minutes,
regular words 0.85-1.1."""

PAGE_SECONDS = 60.0
"""One page may take this long to read; a page over it leaves the paper's scans unread."""

INSTALL_HINT = "install Tesseract to read scanned pages (Debian/Ubuntu: apt-get install tesseract-ocr)"


class OcrError(Exception):
    """Tesseract is missing or failed on a page."""


def tesseract_path() -> str | None:
    """The Tesseract program on PATH, or None."""
    return shutil.which("tesseract")


@dataclass(frozen=True)
class ScannedPage:
    """What OCR found on a page image: its words, as pdfplumber's
    `extract_words` gives them (text, x0, x1, top, bottom in points, size,
    fontname), and the ruled lines drawn on it, as pdfplumber line objects, so
    that pdfplumber's own table finder can find a scanned table's cells."""

    words: list[dict[str, Any]]
    rules: list[dict[str, Any]] = field(default_factory=list)
    width: float | None = None
    """Points across the frame the words are placed in, when the page was
    turned a quarter to read it (a landscape table scanned sideways); None
    when the words sit on the page as it is."""


def read_pages(pages: Sequence[Any], languages: str = "eng", stop_at: float | None = None) -> list[ScannedPage]:
    """Read each pdfplumber page in `pages` from its image, in order; no new
    page is started after `stop_at` (`time.monotonic()`), so the list may be
    shorter than `pages`. Raises `OcrError` when Tesseract is missing or a page
    fails."""
    program = tesseract_path()
    if program is None:
        raise OcrError(INSTALL_HINT)
    workers = max(1, os.cpu_count() or 1)
    out: list[ScannedPage] = []
    with tempfile.TemporaryDirectory(prefix="ocr-") as tmp, ThreadPoolExecutor(max_workers=workers) as pool:
        for start in range(0, len(pages), workers):  # a few page images in memory at a time
            if stop_at is not None and time.monotonic() >= stop_at:
                logger.info("OCR stopped at the reading time limit after %d of %d pages", start, len(pages))
                break
            images, drawn, rules, files = [], [], [], []
            for number, page in enumerate(pages[start:start + workers], start=start):
                image = np.array(page.to_image(resolution=RESOLUTION).original.convert("L"))
                image = straightened(despeckled(image))
                drawn.append(image.copy())  # rules and all, should the page have to be turned to read it
                rules.append(ruled_lines(image))  # and rubbed out: Tesseract reads a rule as "|" or "i"
                files.append(Path(tmp) / f"page-{number}.png")
                Image.fromarray(image).save(files[-1])
                images.append(image)
            tables = list(pool.map(lambda file: _tesseract(program, file, languages), files))
            for table, image, whole, lines, file in zip(tables, images, drawn, rules, files, strict=True):
                if _doubtful(table) and (turn := _orientation(program, file)):
                    out.append(_read_turned(program, languages, whole, turn, file))
                else:
                    out.append(ScannedPage(words_from_hocr(table, image), lines))
    return out


DOUBTFUL_CONFIDENCE = 60.0
"""Median word confidence (0-100) under which a page may lie sideways or upside
down: upright development scans read at a median of 96, the same pages upside
down at 26-38, and sideways they give no words at all."""


def _doubtful(hocr: str) -> bool:
    """Whether Tesseract's reading of a page is too unsure to be upright text."""
    confidences = [float(c) for c in _CONFIDENCE.findall(hocr)]
    return not confidences or statistics.median(confidences) < DOUBTFUL_CONFIDENCE


def _orientation(program: str, image: Path) -> int:
    """Degrees (0, 90, 180, 270) the page `image` must be turned clockwise to
    stand upright, by Tesseract's orientation detection; 0 when it cannot tell
    (a blank page, a photograph)."""
    try:
        done = _run(program, image, "--psm", "0")
    except OcrError:
        return 0
    turn = _ROTATE.search(done.stdout)
    return int(turn[1]) % 360 if done.returncode == 0 and turn else 0


_ROTATE = re.compile(r"^Rotate: (\d+)", re.MULTILINE)


def _read_turned(program: str, languages: str, image: np.ndarray, turn: int, file: Path) -> ScannedPage:
    """A page read after turning it `turn` degrees clockwise, from its `image`
    before its rules were rubbed out. Turned a half, its words and rules sit on
    the page as they would have; turned a quarter, in a frame as wide as the
    page is tall (`ScannedPage.width`)."""
    logger.info("page turned %d degrees to read it", turn)
    # levelled again: lying sideways, its lines gave the skew measure nothing to level
    upright = straightened(np.asarray(Image.fromarray(image).rotate(-turn, expand=True, fillcolor=255)).copy())
    lines = ruled_lines(upright)  # and rubbed out, as on an upright page
    Image.fromarray(upright).save(file)
    words = words_from_hocr(_tesseract(program, file, languages), upright)
    return ScannedPage(words, lines, None if turn == 180 else upright.shape[1] * 72 / RESOLUTION)


GRAIN = 2.0
"""Grey levels by which a page's paper differs, on average, from its 3x3
median: under 1 on a clean scan (letters' anti-aliased edges), about 6 on a
copier's speckled grey page, where Tesseract's own binarisation leaves ragged
letters (0.87 of the words read back on such pages, 0.95 once smoothed)."""


def despeckled(image: np.ndarray) -> np.ndarray:
    """The greyscale page `image` with its grain and specks smoothed away (a 3x3
    median, which keeps letters' edges where a blur would soften them), when
    its paper is grainy; a clean page as it is, since smoothing costs it a few
    thin marks. The grain is measured on a band across the middle of the page."""
    height = image.shape[0]
    band = image[height * 7 // 16: height * 9 // 16]
    if band.size == 0:
        return image
    smooth = np.asarray(Image.fromarray(band).filter(ImageFilter.MedianFilter(3)))
    paper = band > ink_threshold(band)
    grain = float(np.abs(band.astype(np.int16) - smooth)[paper].mean()) if paper.any() else 0.0
    if grain < GRAIN:
        return image
    logger.debug("grainy page (%.1f grey levels) smoothed before reading", grain)
    return np.asarray(Image.fromarray(image).filter(ImageFilter.MedianFilter(3))).copy()


MAX_SKEW = 5.0
"""Degrees a page may lie askew on the scanner and be straightened."""

SKEW_STEP = 0.1
"""The finest turn tried, in degrees: across a page 7 inches wide at 300 dpi,
0.1 degree moves a line's end by 4 pixels, under a letter's stroke."""


def straightened(image: np.ndarray) -> np.ndarray:
    """The greyscale page `image` turned level, when it lies askew by at least
    `SKEW_STEP` degrees. Tesseract finds a skewed line's words, but then gives
    each line a box as tall as its slope, and a ruled table is no longer
    straight ink to find cells by."""
    angle = skew(image)
    if abs(angle) < SKEW_STEP / 2:
        return image
    logger.debug("page straightened by %.1f degrees", angle)
    turned = Image.fromarray(image).rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    return np.asarray(turned).copy()


def skew(image: np.ndarray) -> float:
    """Degrees to turn `image` (anticlockwise) to level its lines: the angle at
    which its rows of ink are sharpest (the projection profile: text lines and
    the gaps between them line up), searched coarsely then finely, on every
    fourth pixel's ink projected along each angle rather than on turned images."""
    ys, xs = np.nonzero(image[::4, ::4] < ink_threshold(image))
    if len(ys) == 0:
        return 0.0
    xs = xs - xs.mean()

    def sharpness(angle: float) -> float:
        # a point at (x, y) lies on row y - x tan(angle) once the page is turned by `angle`
        rows = np.rint(ys - xs * np.tan(np.radians(angle))).astype(np.int64)
        profile = np.bincount(rows - rows.min())
        return float(np.square(np.diff(profile)).sum())

    coarse = max(np.arange(-MAX_SKEW, MAX_SKEW + 0.01, 0.5), key=sharpness)
    angle = float(max(np.arange(coarse - 0.5, coarse + 0.51, SKEW_STEP), key=sharpness))
    return angle if sharpness(angle) > sharpness(0.0) else 0.0


def ink_threshold(image: np.ndarray) -> int:
    """The grey level under which a pixel is ink: Otsu's threshold over the
    page's histogram, so that faint toner on grey paper is ink as black on
    white is. A blank page gives the middle grey."""
    counts = np.bincount(image.ravel(), minlength=256).astype(np.float64)
    levels = np.arange(256)
    below, weighted = np.cumsum(counts), np.cumsum(counts * levels)
    above = below[-1] - below
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (weighted[-1] * below - weighted * below[-1]) ** 2 / (below * above)
    between = np.nan_to_num(between[:-1], nan=0.0, posinf=0.0)
    return int(np.argmax(between)) + 1 if between.any() else 128


RULE_INCHES = 0.5
"""A straight run of ink at least this long is a ruled line: no letter or word
of text runs unbroken for half an inch."""


def ruled_lines(image: np.ndarray, resolution: int = RESOLUTION) -> list[dict[str, Any]]:
    """The horizontal and vertical ruled lines of a greyscale page image, as
    pdfplumber line objects in points; each is rubbed out of `image` (set to
    white), so that only the text is left to read. A gap of a pixel or two (a
    scan's speckle) does not break a line, nor does a step of a pixel across (a
    page turned level by a fraction of a degree too little or too much); the rows
    of a thick line are one line each, which pdfplumber's table finder snaps
    together."""
    ink = image < ink_threshold(image)
    scale, shortest = 72 / resolution, int(RULE_INCHES * resolution)
    lines: list[dict[str, Any]] = []
    for axis, grid, paper in (("h", ink, image), ("v", ink.T, image.T)):
        across = grid.copy()
        across[1:] |= grid[:-1]
        across[:-1] |= grid[1:]
        closed = across.copy()
        closed[:, 1:] |= across[:, :-1]
        closed[:, :-1] |= across[:, 1:]
        for row, start, end in _runs(closed, shortest):
            paper[max(row - 1, 0):row + 2, start:end] = 255
            a, b, at = start * scale, end * scale, row * scale
            x0, x1, top, bottom = (a, b, at, at) if axis == "h" else (at, at, a, b)
            lines.append({"object_type": "line", "x0": x0, "x1": x1, "top": top, "bottom": bottom,
                          "width": x1 - x0, "height": bottom - top})
    return lines


def _runs(grid: np.ndarray, shortest: int) -> list[tuple[int, int, int]]:
    """(row, start, end) of every run of True at least `shortest` long."""
    padded = np.zeros((grid.shape[0], grid.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = grid
    change = np.diff(padded, axis=1)
    rows, starts = np.nonzero(change == 1)
    _, ends = np.nonzero(change == -1)
    keep = ends - starts >= shortest
    return list(zip(rows[keep].tolist(), starts[keep].tolist(), ends[keep].tolist(), strict=True))


def _run(program: str, image: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """Tesseract with `options` on one page image, on one OpenMP thread; raises
    `OcrError` when it takes longer than `PAGE_SECONDS`."""
    try:
        return subprocess.run([program, str(image), "stdout", *options], capture_output=True, text=True,
                              timeout=PAGE_SECONDS, env={**os.environ, "OMP_THREAD_LIMIT": "1"}, check=False)
    except subprocess.TimeoutExpired as exc:
        raise OcrError(f"Tesseract took more than {PAGE_SECONDS:g} s on a page") from exc


def _tesseract(program: str, image: Path, languages: str) -> str:
    done = _run(program, image, "-l", languages, "--psm", PAGE_SEGMENTATION, "hocr")
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise OcrError(f"Tesseract failed: {reason}")
    return done.stdout


def words_from_hocr(hocr: str, image: np.ndarray | None = None,
                    resolution: int = RESOLUTION) -> list[dict[str, Any]]:
    """Tesseract's hOCR (lines with their estimated font size, words with
    their boxes and confidence) → word dicts in points. A word spans its line's
    box, so the words of a line share one row whatever their letters, and takes
    the line's font size (`x_size`); a line within a tenth of the page's usual
    size gets exactly the usual one, so that estimation noise never reads as a
    change of font. A bullet Tesseract took for a letter is a bullet again.
    With the page `image` (greyscale), a word whose strokes are much thicker
    than the page's usual stroke is bold: Tesseract does not say, and bold is
    how many papers mark an item's title."""
    from bs4 import BeautifulSoup

    scale = 72 / resolution
    threshold = ink_threshold(image) if image is not None else 128
    found: list[tuple[float, dict[str, Any]]] = []
    for line in BeautifulSoup(hocr, "html.parser").find_all("span", class_=_LINE_CLASSES):
        title = str(line.get("title", ""))
        box, estimate = _BBOX.search(title), _SIZE.search(title)
        if box is None:
            continue
        top, bottom = float(box[2]) * scale, float(box[4]) * scale
        line_size = float(estimate[1]) * scale if estimate else bottom - top
        words = []
        for span in line.find_all("span", class_="ocrx_word"):
            text, word_title = span.get_text().strip(), str(span.get("title", ""))
            word_box, confidence = _BBOX.search(word_title), _CONFIDENCE.search(word_title)
            if not text or word_box is None:
                continue
            if confidence and float(confidence[1]) < MIN_CONFIDENCE and not any(c.isalnum() for c in text):
                continue  # a speck or smudge; a doubtful "11." is still the item's number
            x0, y0, x1, y1 = (int(v) for v in word_box.groups())
            words.append({"text": text, "x0": x0 * scale, "x1": x1 * scale, "top": top, "bottom": bottom,
                          "fontname": "", "height": (y1 - y0) * scale,
                          "stroke": _stroke(image[y0:y1 + 1, x0:x1 + 1], threshold) if image is not None else 0.0})
        if len(words) > 1 and _is_bullet(words[0], words[1], line_size):
            words[0]["text"] = "•"
        _restore_ordinals(words)
        found.extend((line_size, word) for word in words)
    if not found:
        return []
    usual = statistics.median(size for size, _ in found)
    strokes = [word["stroke"] for _, word in found if word["stroke"] > 0]
    usual_stroke = statistics.median(strokes) if strokes else 0.0
    for size, word in found:
        word["size"] = usual if abs(size - usual) <= 0.1 * usual else size
        if usual_stroke and word.pop("stroke") >= BOLD_STROKE * usual_stroke:
            word["fontname"] = "Bold"
        word.pop("stroke", None)
        del word["height"]
    return [word for _, word in found]


_SUPERSCRIPT_ORDINAL = re.compile(r"^(\d{1,2})[\"”'’]{1,2}([,.;:)]?)$")
_MONTH = re.compile(rf"^(?:{MONTH_PATTERN})\b", re.IGNORECASE)
_MONTH_ALONE = re.compile(rf"(?:{MONTH_PATTERN})\.?", re.IGNORECASE)


def _restore_ordinals(words: list[dict[str, Any]]) -> None:
    """Tesseract reads the raised "th" of "13th March" as a quote mark ("13\"
    March"); a day beside a month name ("13\" March", "13\" of March", "March
    13\"") or joined to such a day ("23\" & 24\" June") gets its ordinal back,
    so the date reads, and matches a question, as typed."""
    texts = [w["text"] for w in words]
    days = {i: match for i, text in enumerate(texts) if (match := _SUPERSCRIPT_ORDINAL.match(text))}

    def month(i: int) -> bool:
        return 0 <= i < len(texts) and bool(_MONTH.match(texts[i]))

    def joined(i: int, other: int) -> bool:
        return other in dated and texts[(i + other) // 2].lower() in _JOINS

    def runs_on(i: int) -> bool:  # "March 13\"", not "March; 12\""
        return i >= 0 and bool(_MONTH_ALONE.fullmatch(texts[i]))

    dated = {i for i in days if month(i + 1) or runs_on(i - 1) or (month(i + 2) and texts[i + 1].lower() == "of")}
    for i in sorted(days):  # "June 23\" & 24\""
        if joined(i, i - 2):
            dated.add(i)
    for i in sorted(days, reverse=True):  # "23\" & 24\" June"
        if joined(i, i + 2):
            dated.add(i)
    for i in dated:
        day = int(days[i][1])
        words[i]["text"] = f"{day}{_ordinal(day)}{days[i][2]}"


_JOINS = {"&", "and", "to", "-", "–", "—"}


def _ordinal(day: int) -> str:
    if 10 <= day % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def _stroke(box: np.ndarray, threshold: int) -> float:
    """The mean width of the ink strokes in a word's box: dark pixels over the
    runs of them along each row. It does not depend on which letters the word
    has, as the share of ink in the box would."""
    ink = box < threshold
    runs = int(ink[:, :1].sum()) + int((ink[:, 1:] & ~ink[:, :-1]).sum())
    return float(ink.sum()) / runs if runs else 0.0


def _is_bullet(first: dict[str, Any], second: dict[str, Any], size: float) -> bool:
    """A line's first mark is a bullet when it is one or two characters, small
    (a letter such as "e" or "o" stands higher, a capital or digit higher
    still) or no letter at all, and set apart from the text by more than a
    space. Tesseract reads "•" as "e", "¢", "«" or "©"."""
    text = first["text"]
    if len(text) > 2 or second["x0"] - first["x1"] < 0.6 * size:
        return False
    return first["height"] <= 0.4 * size or not any(c.isalnum() for c in text)


_LINE_CLASSES = ["ocr_line", "ocr_header", "ocr_caption", "ocr_textfloat"]
_BBOX = re.compile(r"bbox (\d+) (\d+) (\d+) (\d+)")
_SIZE = re.compile(r"x_size ([\d.]+)")
_CONFIDENCE = re.compile(r"x_wconf (\d+)")
