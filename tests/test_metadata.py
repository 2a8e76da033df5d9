"""Metadata: sidecar values win; otherwise rules infer type, date and body."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from ingest.dates import date_bounds, date_from_filename, find_date, parse_date
from ingest.errors import LoadError
from ingest.listing import rows
from ingest.load import load_blocks
from ingest.metadata import build_meta, read_sidecar
from ingest.paragraphs import segment
from ingest.types import PaperMeta

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
    assert (meta.doc_type, meta.date, meta.body) == ("motion", "2016-10-17", "Council (extraordinary meeting)")
    assert meta.origin["date"] == "inferred"


def test_minutes_are_inferred(tmp_path: Path) -> None:
    sub = inferred("wirral-children-sub-committee-2016-minutes-ofsted-report.txt", tmp_path)
    # The sub-committee is named only deep in the minutes, never in a title block:
    # a passing mention is not evidence of the body, so it stays empty.
    assert (sub.doc_type, sub.body, sub.date) == ("minutes", None, None)
    cabinet = inferred("cabinet-minutes-ofsted-inspection-outcome.txt", tmp_path)
    assert (cabinet.doc_type, cabinet.body) == ("minutes", "Cabinet")
    assert cabinet.title.startswith("Cabinet minutes: Outcome from the Ofsted Inspection")


def test_press_release_is_inferred(tmp_path: Path) -> None:
    meta = inferred("wirral-press-release-2019-childrens-services-improved.txt", tmp_path)
    assert meta.doc_type == "press_release"
    assert meta.title.startswith("Wirral Children's Services 'improved in all areas'")
    assert "press release" in meta.title


def test_sidecar_wins(tmp_path: Path) -> None:
    path = tmp_path / "paper.txt"
    shutil.copy(CORPUS / "wirral-council-2016-10-17-motion-ofsted-inspection-report.txt", path)
    (tmp_path / "paper.txt.meta.json").write_text(json.dumps({"doc_type": "report", "date": "2017-01"}))
    _, paragraphs = segment(path.name, load_blocks(path))
    meta = build_meta(path, paragraphs, read_sidecar(path))
    assert (meta.doc_type, meta.date, meta.body) == ("report", "2017-01", "Council (extraordinary meeting)")
    assert meta.origin == {"title": "inferred", "doc_type": "sidecar", "body": "inferred", "date": "sidecar"}


def test_a_sidecar_saved_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = tmp_path / "paper.txt"
    path.write_text("text")
    (tmp_path / "paper.txt.meta.json").write_bytes(b"\xef\xbb\xbf" + json.dumps({"doc_type": "report"}).encode())
    assert read_sidecar(path)["doc_type"] == "report"


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


@pytest.mark.parametrize(
    "text",
    ["5 November 2024", "5th November 2024", "November 5 2024", "Nov 5th, 2024", "29 February 2023", "1 sept 2019",
     "31 April 2020", "8th day of April 2024", "17 OCTOBER 2016"],
)
def test_a_date_read_without_dateparser_reads_as_dateparser_does(text: str) -> None:
    """The direct reading of the month-as-a-word form is only a shortcut: the
    answer must be the one `dateparser` gives."""
    import dateparser

    from ingest import dates

    expected = dateparser.parse(" ".join(text.replace(",", " ").replace("day of", " ").split()), languages=["en"],
                                settings={"REQUIRE_PARTS": ["day", "month", "year"]})
    assert dates._WRITTEN_OUT.fullmatch(" ".join(text.replace(",", " ").split())) or "day of" in text
    assert parse_date(text) == (expected.date().isoformat() if expected else None)


def test_date_bounds_cover_partial_dates() -> None:
    assert date_bounds("2016") == (20160101, 20161231)
    assert date_bounds("2016-02") == (20160201, 20160229)
    assert date_bounds("2016-10-17") == (20161017, 20161017)
    assert date_bounds(None) == (0, 0)


@pytest.mark.parametrize(
    ("name", "iso"),
    [
        ("9th-Jan-2025-minutes.pdf", "2025-01-09"),
        ("21-05-14.txt", "2014-05-21"),
        ("minutes_20230327.txt", "2023-03-27"),
        ("3rd June 2019 agenda.docx", "2019-06-03"),
        ("2005_05_09_agenda.pdf", "2005-05-09"),
        ("stoke-ferry-meeting-wednesday-8-april-2015-agenda.md", "2015-04-08"),
        ("2018-Res-259-Planning-Development-Fees.pdf", None),
        ("annual-report-2024-25.pdf", None),
        ("minutes_20230231.txt", None),
    ],
)
def test_date_from_file_name(name: str, iso: str | None) -> None:
    assert date_from_filename(name) == iso


def test_header_date_wins_over_file_name(tmp_path: Path) -> None:
    path = tmp_path / "minutes_20240101.txt"
    path.write_text(
        "TINTERN COMMUNITY COUNCIL\n\nMinutes of a meeting of the above Council held on Monday 29th March 2021.\n\n"
        "3048. Police Report: Attached. The minutes of 1 February 2021 were approved.\n"
    )
    _, paragraphs = segment(path.name, load_blocks(path))
    meta = build_meta(path, paragraphs, read_sidecar(path))
    assert (meta.date, meta.council, meta.body, meta.doc_type) == (
        "2021-03-29", "Tintern Community Council", "Community Council", "minutes"
    )
    assert meta.title == "Tintern Community Council — Community Council minutes, 29 March 2021"


def test_council_only_from_the_title_block(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text(
        "Proposed RPZ Meeting Report\n\nMeeting between: Glasgow City Council (GCC) Officers, "
        "Broomhill Community Council (BCC), Thornwood Community Council (TCC)\n\n"
        "1. Parking: the Clerk will write to North Yorkshire Council about the permits.\n"
    )
    _, paragraphs = segment(path.name, load_blocks(path))
    meta = build_meta(path, paragraphs, {})
    assert meta.council is None, "three councils in the title block and none in the title: leave it empty"


def _stored(path: str, meta: PaperMeta, paragraphs: int) -> SimpleNamespace:
    return SimpleNamespace(path=path, meta=meta, paragraphs=paragraphs, ingested_at=1_790_000_000.0)


def test_listing_rows_and_flags() -> None:
    good = PaperMeta(title="Wirral Council — Cabinet minutes, 17 October 2016", doc_type="minutes",
                     council="Wirral Council", body="Cabinet", date="2016-10-17")
    weak = PaperMeta(title="minutes 20230327", doc_type="minutes")
    listed = rows([_stored("a/minutes_20230327.txt", weak, 2), _stored("b/cabinet.txt", good, 12)])
    assert [r.path for r in listed] == ["b/cabinet.txt", "a/minutes_20230327.txt"], "newest first, undated last"
    assert listed[0].flags == []
    assert listed[1].flags == ["no date", "no council", "no body", "weak title", "few paragraphs"]
    assert set(listed[0].to_json()) == {
        "path", "title", "council", "body", "doc_type", "date", "paragraphs", "ingested_at", "flags"
    }
    assert listed[0].ingested_at.startswith("2026-")


def test_cli_lists_the_library_as_one_json_array(seed_store_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from ingest.__main__ import main

    assert main(["--list", "--json", "--store", str(seed_store_dir)]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert len(listed) == 5
    assert all(set(row) == {"path", "title", "council", "body", "doc_type", "date", "paragraphs", "ingested_at",
                            "flags"} for row in listed)
    cabinet = next(row for row in listed if "cabinet-minutes" in row["path"])
    assert cabinet["flags"] == ["no date", "no council", "weak title"]
    assert main(["--list", "--store", str(seed_store_dir)]) == 0
    assert "5 papers" in capsys.readouterr().out
