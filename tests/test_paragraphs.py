"""Paragraph segmentation and ids on the seed papers as they really are."""

from __future__ import annotations

from pathlib import Path

from ingest.chunk import chunk_paper, chunking_signature
from ingest.load import load_blocks
from ingest.paragraphs import PARSER_VERSION, segment
from ingest.types import Block, Paper, PaperMeta

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def seed(name: str) -> tuple[str, list]:  # type: ignore[type-arg]
    path = CORPUS / name
    return segment(name, load_blocks(path))


def test_motion_clauses_and_proposer_lines_are_paragraphs() -> None:
    _, paragraphs = seed("wirral-council-2016-10-17-motion-ofsted-inspection-report.txt")
    texts = [p.text for p in paragraphs]
    clauses = [t for t in texts if t[:2] in {f"{i}." for i in range(1, 9)}]
    assert len(clauses) == 8
    assert "Proposed: Councillor Phil Davies" in texts
    assert "Seconded: Councillor Tony Smith" in texts
    assert [p.number for p in paragraphs] == list(range(1, len(paragraphs) + 1))


def test_boilerplate_and_bullet_glyphs_are_removed() -> None:
    for name in (
        "cabinet-minutes-ofsted-inspection-outcome.txt",
        "wirral-children-sub-committee-2016-minutes-ofsted-report.txt",
        "wirral-press-release-2019-childrens-services-improved.txt",
    ):
        text, paragraphs = seed(name)
        for p in paragraphs:
            assert p.text.strip() == p.text and p.text
            assert p.text not in {"Agenda item", "Back to top", "Supporting documents:"}
            assert not p.text.startswith(("·", "•")), p.text
            assert "\u00a0" not in p.text
    _, paragraphs = seed("cabinet-minutes-ofsted-inspection-outcome.txt")
    bullets = [p for p in paragraphs if p.text.startswith("The Cabinet Member for Children and Families")]
    assert len(bullets) == 1 and bullets[0].kind == "list_item"


def test_resolved_items_each_stand_alone() -> None:
    _, paragraphs = seed("cabinet-minutes-ofsted-inspection-outcome.txt")
    starts = [p.text[:3] for p in paragraphs]
    assert "(a)" in starts and "(b)" in starts and "(c)" in starts
    lead_in = next(p for p in paragraphs if p.text == "RESOLVED: that")
    assert lead_in.kind == "heading", "the lead-in heads the resolution's items"
    item = next(p for p in paragraphs if p.text.startswith("(a)"))
    assert item.kind == "list_item" and item.heading == "RESOLVED: that"


def test_offsets_point_into_the_normalised_text() -> None:
    for path in sorted(CORPUS.glob("*.txt")):
        text, paragraphs = segment(path.name, load_blocks(path))
        for p in paragraphs:
            assert text[p.start : p.end] == p.text


def test_paragraphs_know_their_heading() -> None:
    _, paragraphs = seed("wirral-press-release-2019-childrens-services-improved.txt")
    item = next(p for p in paragraphs if p.text.startswith("Transition arrangements"))
    assert item.heading == "Areas which require improvement"


def test_ids_survive_an_edit_elsewhere() -> None:
    blocks = [Block("First paragraph stays."), Block("Second one changes."), Block("Third stays too.")]
    _, before = segment("doc", blocks)
    edited = [blocks[0], Block("Second one changed a lot, with new words."), blocks[2]]
    _, after = segment("doc", edited)
    assert before[0].id == after[0].id
    assert before[2].id == after[2].id
    assert before[1].id != after[1].id
    inserted = [blocks[0], Block("A brand new paragraph."), *blocks[1:]]
    _, shifted = segment("doc", inserted)
    assert {p.id for p in before} <= {p.id for p in shifted}


def test_repeated_text_gets_distinct_ids() -> None:
    _, paragraphs = segment("doc", [Block("Agreed."), Block("Agreed.")])
    assert paragraphs[0].id != paragraphs[1].id


def test_proposer_line_is_embedded_with_its_motion() -> None:
    """The seconder's chunk carries the motion's opening words; the citation is
    still the seconder line itself."""
    name = "wirral-council-2016-10-17-motion-ofsted-inspection-report.txt"
    text, paragraphs = seed(name)
    paper = Paper(doc_id=name, path=name, content_hash="x", meta=PaperMeta(title="Motion"), text=text,
                  paragraphs=paragraphs)
    chunks = {c.paragraph_ids[0]: c for c in chunk_paper(paper, lambda s: len(s.split()), 256)}
    seconder = next(p for p in paragraphs if p.text == "Seconded: Councillor Tony Smith")
    clause = next(p for p in paragraphs if p.text.startswith("1. Council accepts OFSTED"))
    chunk = chunks[seconder.id]
    assert chunk.paragraph_ids == (seconder.id,)
    assert chunk.text.endswith("\nSeconded: Councillor Tony Smith")
    assert "1. Council accepts OFSTED's report" in chunk.text
    assert "Seconded" not in chunks[clause.id].text, "the motion's own chunk is left as it is"


def test_parser_version_is_part_of_the_chunking_signature() -> None:
    assert f"parser={PARSER_VERSION}" in chunking_signature(256)


def test_sentence_cut_by_a_blank_line_runs_on() -> None:
    _, paragraphs = segment("doc", [Block("The Clerk reported that she had received"),
                                    Block("information from North Yorkshire Council.")])
    assert [p.text for p in paragraphs] == [
        "The Clerk reported that she had received information from North Yorkshire Council."
    ]


def test_a_sentence_cut_by_a_page_break_runs_on_even_into_a_capital() -> None:
    """From real minutes: a page ends on "the" or on a date's day, and the next
    page goes on with a name or the year (which is not an item number)."""
    blocks = [
        Block("She suggested the", page=3), Block("City implement a study of boat ramp usage.", page=4),
        Block("Motion: Mayor Kibbey moved that Council leave the record open until Monday, August 20,", page=4),
        Block("2018. Councilor Tuttle seconded. Motion passed 5-0.", page=5),
    ]
    _, paragraphs = segment("doc", blocks)
    assert [p.text for p in paragraphs] == [
        "She suggested the City implement a study of boat ramp usage.",
        "Motion: Mayor Kibbey moved that Council leave the record open until Monday, August 20, 2018. "
        "Councilor Tuttle seconded. Motion passed 5-0.",
    ]
    assert all(p.item is None for p in paragraphs), "the year opened no item"


def test_an_item_title_in_capitals_run_into_its_text_heads_the_item() -> None:
    """Minutes typed one paragraph per item: "8. CORRESPONDENCE The chair had …"."""
    blocks = [Block("7. HIGHWAYS MATTERS"), Block("7.1 Parking on pavements was not discussed."),
              Block("8. CORRESPONDENCE The chair had received a letter from ALCC."),
              Block("9. PARISH NOTICEBOARDS – update on options The chair would put the board up."),
              Block("10. CCTV cameras were installed at the hall."),
              Block("11. PUBLIC FORUM A member of the public asked about the website.")]
    _, paragraphs = segment("doc", blocks)
    item = {p.text.split()[0]: p.item for p in paragraphs}
    assert item["7.1"] == "7. HIGHWAYS MATTERS"
    assert item["8."] == "8. CORRESPONDENCE" and item["9."] == "9. PARISH NOTICEBOARDS"
    assert item["10."] == "9. PARISH NOTICEBOARDS", "a numbered sentence opens no item"
    assert item["11."] == "11. PUBLIC FORUM", "the sentence's first word is not part of the title"


def test_glyphs_the_font_maps_to_no_character_are_read_as_their_letters() -> None:
    """Word's Calibri ligatures come out of pdfminer as "(cid:415)"; a signature's
    glyphs carry no text at all."""
    _, paragraphs = segment("doc", [Block("Our rela(cid:415)onship helped us a(cid:425)ract and "
                                          "ge(cid:427)ng e(cid:431)ective ac(cid:415)on."),
                                    Block("Chairman (cid:2)(cid:1) J.O. Ritchie")])
    assert [p.text for p in paragraphs] == ["Our relationship helped us attract and getting effective action.",
                                            "Chairman J.O. Ritchie"]


def test_a_proposer_line_without_its_full_stop_is_not_a_heading() -> None:
    """Web-page minutes, one <p> per line: the proposer line must stay citable."""
    _, paragraphs = segment("doc", [Block("Minutes:"),
                                    Block("Cllr Mrs Clements proposed acceptance of the minutes seconded by Cllr Hand"),
                                    Block("Election of Vice-Chair"), Block("Nothing reported")])
    assert [p.kind for p in paragraphs] == ["heading", "text", "heading", "text"]


def test_contact_lines_and_lines_broken_off_are_not_headings() -> None:
    lines = ["Communities Team", "0141 287 0060", "communitycouncils@glasgow.gov.uk",
             "Refurbishment Fund - small improvement projects, available to Parish Councils,",
             "Playground Fund - grants for playground improvement projects, and the"]
    _, paragraphs = segment("doc", [Block(line) for line in lines])
    assert [p.kind for p in paragraphs][:3] == ["heading", "text", "text"]
    assert all(p.kind != "heading" for p in paragraphs[3:])


def test_markdown_table_rows_left_in_a_page_read_as_their_cells() -> None:
    """A web page of minutes whose table was pasted as Markdown, one row per paragraph."""
    blocks = [Block("|"), Block("| --- | --- | --- |\n| 1. | Apologies | |"), Block("|"),
              Block("| | Cllr Smith cannot attend due to personal reasons. |")]
    _, paragraphs = segment("doc", blocks)
    assert [(p.text, p.item) for p in paragraphs] == [
        ("1. Apologies", "1. Apologies"), ("Cllr Smith cannot attend due to personal reasons.", "1. Apologies")]
    table = "| Scheme | Cost |\n|---|---|\n| roads and paths | £5m |\n| schools | £7m |"
    _, paragraphs = segment("doc", [Block(table)])
    assert [(p.text, p.kind) for p in paragraphs] == [
        ("Scheme | Cost", "table"), ("roads and paths | £5m", "table"), ("schools | £7m", "table")]


def test_a_full_stop_on_its_own_line_closes_the_sentence_above() -> None:
    """Markdown press releases put the full stop after a link on its own line."""
    for blocks in ([Block("Tune in by visiting council’s website\n.")],
                   [Block("Tune in by visiting council’s website"), Block(".")]):
        _, paragraphs = segment("doc", blocks)
        assert [p.text for p in paragraphs] == ["Tune in by visiting council’s website."]


def test_blocks_that_end_a_clause_a_table_row_or_a_link_stay_apart() -> None:
    blocks = [
        Block("WHEREAS, staff relies on revenue from these fees; and"), Block("WHEREAS, the Council concludes."),
        Block("Reducing legal fees by £5 million; and,"), Block("Savings from the growth programme."),
        Block("See https://example.gov.uk/planning/"), Block("All applications are discussed."),
        Block("ITEM Budget 2016-"), Block("REVENUE"),
        Block("A G E N D A"), Block("BOARD OF HEALTH"),
        Block("The following were agreed, as amended,"), Block("• Grant of £450 to the club."),
    ]
    _, paragraphs = segment("doc", blocks)
    assert len(paragraphs) == len(blocks)


def test_hyphenation_is_undone_with_the_paper_s_own_words() -> None:
    lines = "The organ-\nisation agreed the part-\nexchange. The organisation met again."
    _, paragraphs = segment("doc", [Block(lines, page=1, fills=(1.0, 1.0, 0.5))])
    assert paragraphs[0].text == "The organisation agreed the part-exchange. The organisation met again."


def test_vote_labels_never_become_headings() -> None:
    _, paragraphs = segment("doc", [Block("Abstain (2)"), Block("Carried"), Block("Budget amendment")])
    kinds = {p.text: p.kind for p in paragraphs}
    assert kinds["Abstain (2)"] != "heading" and kinds["Carried"] != "heading"
    assert kinds["Budget amendment"] == "heading"


def test_item_numbers_head_their_items_and_sub_items_stay_beneath() -> None:
    blocks = [
        Block("112. Budget Monitoring (Item 7)"),
        Block("The Director reported a forecast overspend of £1.2m."),
        Block("(a) Children's services\n1.4 Adult social care"),
        Block("Item 5 – Libraries"),
        Block("Members discussed the branch review."),
        Block("Minute 12/24 Planning"),
        Block("1/16 Public Comments / Questions"),
        Block("Residents asked about the bus shelter."),
    ]
    _, paragraphs = segment("doc", blocks)
    by_text = {p.text: p for p in paragraphs}
    assert by_text["112. Budget Monitoring (Item 7)"].kind == "heading"
    sub = by_text["(a) Children's services"]
    assert (sub.kind, sub.item) == ("list_item", "112. Budget Monitoring (Item 7)")
    assert by_text["1.4 Adult social care"].item == "112. Budget Monitoring (Item 7)"
    assert by_text["Members discussed the branch review."].item == "Item 5 – Libraries"
    assert by_text["Minute 12/24 Planning"].kind == "list_item", "an item with nothing under it is content"
    assert by_text["Residents asked about the bus shelter."].item == "1/16 Public Comments / Questions"


def test_a_line_that_says_what_happened_is_text_without_its_full_stop() -> None:
    """Word minutes often leave full stops off; a heading is never retrieved or
    quoted, so "The meeting closed at 9.10 pm" must stay text. Titles stay headings."""
    blocks = [Block("Date of next meeting"), Block("The next meeting will be on Wednesday 14 August 2013 at 7.30pm"),
              Block("Declarations of interest"), Block("There were no declarations of interest"),
              Block("Matters Arising"), Block("Close of Meeting. The Chair thanked everyone for attending"),
              Block("There being no further business the meeting closed at 9.10 pm")]
    _, paragraphs = segment("doc", blocks)
    assert [p.kind for p in paragraphs] == ["heading", "text", "heading", "text", "heading", "text", "text"]
