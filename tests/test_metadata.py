"""Metadata: sidecar values win; otherwise rules infer type, date and body."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ingest.dates import date_bounds, find_date
from ingest.errors import LoadError
from ingest.load import load_blocks
from ingest.metadata import build_meta, read_sidecar
from ingest.paragraphs import segment

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def inferred(name: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Metadata of a seed paper copied without its sidecar (and renamed so the
    file name gives no hint)."""
    path = tmp_path / "paper.txt"
    shutil.copy(CORPUS / name, path)
    _, paragraphs = segment(path.name, load_blocks(path))
    return build_meta(path, paragraphs, read_sidecar(path))


def test_motion_is_inferred(tmp_path: Path) -> None:
    meta = inferred("wirral-council-2016-10-17-motion-ofsted-inspection-report.txt", tmp_path)
    assert (meta.doc_type, meta.date, meta.body) == ("motion", "2016-10-17", "Council")
    assert meta.origin["date"] == "inferred"


def test_minutes_are_inferred(tmp_path: Path) -> None:
    sub = inferred("wirral-children-sub-committee-2016-minutes-ofsted-report.txt", tmp_path)
    assert (sub.doc_type, sub.body, sub.date) == ("minutes", "Children Sub-Committee", None)
    cabinet = inferred("cabinet-minutes-ofsted-inspection-outcome.txt", tmp_path)
    assert (cabinet.doc_type, cabinet.body) == ("minutes", "Cabinet")
    assert cabinet.title.startswith("Outcome from the Ofsted Inspection")


def test_press_release_is_inferred(tmp_path: Path) -> None:
    meta = inferred("wirral-press-release-2019-childrens-services-improved.txt", tmp_path)
    assert meta.doc_type == "press_release"
    assert meta.title == "Wirral Children's Services 'improved in all areas'"


def test_sidecar_wins(tmp_path: Path) -> None:
    path = tmp_path / "paper.txt"
    shutil.copy(CORPUS / "wirral-council-2016-10-17-motion-ofsted-inspection-report.txt", path)
    (tmp_path / "paper.txt.meta.json").write_text(json.dumps({"doc_type": "report", "date": "2017-01"}))
    _, paragraphs = segment(path.name, load_blocks(path))
    meta = build_meta(path, paragraphs, read_sidecar(path))
    assert (meta.doc_type, meta.date, meta.body) == ("report", "2017-01", "Council")
    assert meta.origin == {"title": "inferred", "doc_type": "sidecar", "body": "inferred", "date": "sidecar"}


@pytest.mark.parametrize(
    ("content", "field"),
    [('{"doc_type": "memo"}', "doc_type"), ('{"date": "17 Oct"}', "date"), ('{"title": 5}', "title"), ("{", "JSON")],
)
def test_bad_sidecar_names_the_field(tmp_path: Path, content: str, field: str) -> None:
    path = tmp_path / "paper.txt"
    path.write_text("text")
    (tmp_path / "paper.txt.meta.json").write_text(content)
    with pytest.raises(LoadError, match=field):
        read_sidecar(path)


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("EXTRAORDINARY COUNCIL MEETING – 17THOCTOBER 2016", "2016-10-17"),
        ("Meeting held on 4 July 2016", "2016-07-04"),
        ("Published March 3rd, 2019", "2019-03-03"),
        ("Date: 2018-11-05", "2018-11-05"),
        ("Minutes of 05/11/2018", "2018-11-05"),
        ("31 February 2019 is no date", None),
        ("no date here", None),
    ],
)
def test_find_date(text: str, iso: str | None) -> None:
    assert find_date(text) == iso


def test_date_bounds_cover_partial_dates() -> None:
    assert date_bounds("2016") == (20160101, 20161231)
    assert date_bounds("2016-02") == (20160201, 20160229)
    assert date_bounds("2016-10-17") == (20161017, 20161017)
    assert date_bounds(None) == (0, 0)
