"""Hybrid retrieval over the real seed store."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from conftest import FakeEmbedder, ingest, make_store

from ingest.config import Settings
from ingest.embed import MiniLMEmbedder
from ingest.errors import ConfigError
from ingest.index import Filters, PaperStore
from ingest.types import Paragraph
from qa_app.fusion import FusionConfig, asks_for_latest, recency_weights, rrf
from qa_app.retrieval import HybridRetriever
from qa_app.text import normalise
from qa_app.types import Retriever

MOTION = "wirral-council-2016-10-17-motion-ofsted-inspection-report.txt"


def test_rrf_rewards_agreement_and_weights() -> None:
    fused = rrf([(["a", "b", "c"], 1.0), (["b", "c", "a"], 1.0)], 60)
    assert max(fused, key=lambda p: fused[p]) == "b"
    only_lexical = rrf([(["a", "b"], 0.0), (["b", "a"], 1.0)], 60)
    assert max(only_lexical, key=lambda p: only_lexical[p]) == "b"


def test_fusion_config_is_validated() -> None:
    with pytest.raises(ConfigError, match="rrf_k must be greater than 0; got 0"):
        FusionConfig(rrf_k=0)
    with pytest.raises(ConfigError, match="not all 0"):
        FusionConfig(dense_weight=0, adapted_weight=0, lexical_weight=0)
    with pytest.raises(ConfigError, match="non-negative"):
        FusionConfig(adapted_weight=-1)
    with pytest.raises(ConfigError, match="candidates must be greater than 0; got -1"):
        FusionConfig(candidates=-1)


def test_retrieves_distinct_text_paragraphs_with_metadata(seed_store: PaperStore, embedder: MiniLMEmbedder) -> None:
    retriever: Retriever = HybridRetriever(seed_store, embedder)
    results = retriever.retrieve("How much money did the council allocate to enable immediate changes?", k=6)
    assert 0 < len(results) <= 6
    ids = [r.paragraph.id for r in results]
    assert len(set(ids)) == len(ids)
    assert all(r.paragraph.kind != "heading" for r in results)
    scores = [r.score for r in results]
    assert scores == sorted(scores, reverse=True)
    top = results[0]
    assert "£2m" in top.paragraph.text
    assert top.path.endswith(MOTION)
    assert top.doc_type == "motion" and top.date == "2016-10-17"
    assert top.title.startswith("Extraordinary Council Meeting")
    assert top.dense_score is not None and top.lexical_score is not None


def test_every_answerable_dev_question_finds_its_evidence_in_the_top_ten(
    seed_store: PaperStore, embedder: MiniLMEmbedder, council_questions: list[dict[str, object]]
) -> None:
    retriever = HybridRetriever(seed_store, embedder)
    for q in council_questions:
        if not q["answerable"]:
            continue
        texts = [normalise(r.paragraph.text) for r in retriever.retrieve(str(q["question"]), k=10)]
        assert any(normalise(str(q["evidence"])) in t for t in texts), q["id"]


def test_filters_are_applied_inside_the_stores(seed_store: PaperStore, embedder: MiniLMEmbedder) -> None:
    retriever = HybridRetriever(seed_store, embedder)
    question = "What did Ofsted find about children's services?"
    unfiltered = retriever.retrieve(question, k=5)
    press = retriever.retrieve(question, k=5, filters=Filters(doc_types=("press_release",)))
    assert press and all(r.doc_type == "press_release" for r in press)
    assert [r.paragraph.id for r in press] != [r.paragraph.id for r in unfiltered]
    latest = retriever.retrieve(question, k=20, filters=Filters(date_from=20190101, date_to=20191231))
    assert latest and {r.date for r in latest} == {"2019"}
    # Filtering before top-k fills the list from the 2019 paper alone; pruning a
    # shared top-20 afterwards would leave only the few 2019 paragraphs in it.
    assert len(latest) >= 15
    cabinet = retriever.retrieve(question, k=5, filters=Filters(bodies=("Cabinet",)))
    assert cabinet and all(r.body == "Cabinet" for r in cabinet)
    nothing = retriever.retrieve(question, k=5, filters=Filters(doc_types=("agenda",)))
    assert nothing == []


def test_asking_for_more_results_never_reorders_the_first_ones(
    seed_store: PaperStore, embedder: MiniLMEmbedder, council_questions: list[dict[str, object]]
) -> None:
    """The first results, and so the answer, do not depend on how many are asked
    for: the lists are fused at the configured depth, and a deeper fusion only adds
    results after them. (Shallow lists here, so that k=10 needs the deeper one.)"""
    retriever = HybridRetriever(seed_store, embedder, fusion=FusionConfig(candidates=6))
    for q in council_questions:
        few = retriever.retrieve(str(q["question"]), k=2)
        many = retriever.retrieve(str(q["question"]), k=10)
        assert len(many) == 10, q["id"]
        assert [r.paragraph.id for r in many[:2]] == [r.paragraph.id for r in few], q["id"]
        assert [r.score for r in many[:2]] == [r.score for r in few], q["id"]


def test_k_is_validated(seed_store: PaperStore, embedder: MiniLMEmbedder) -> None:
    with pytest.raises(ConfigError, match="k must be greater than 0; got 0"):
        HybridRetriever(seed_store, embedder).retrieve("anything", k=0)


def test_term_stats_weight_rare_terms_higher(seed_store: PaperStore) -> None:
    assert seed_store.idf("parking") > seed_store.idf("ofst") > 0


def test_recency_cues_and_weights() -> None:
    assert asks_for_latest("What did the latest inspection find?")
    assert asks_for_latest("Who is currently the cabinet member?")
    assert not asks_for_latest("What did Ofsted find in 2016?")
    assert recency_weights({"old": 20160701, "new": 20190701, "undated": 0}) == {"old": 0.0, "new": 1.0, "undated": 0.0}
    assert recency_weights({"a": 20160701, "b": 20160701}) == {"a": 0.0, "b": 0.0}


def test_latest_questions_prefer_the_newest_paper(seed_store: PaperStore, embedder: MiniLMEmbedder) -> None:
    question = "What overall rating did Wirral's children's services receive in the latest Ofsted inspection?"
    # The plain paragraph rankings, so the recency boost is what moves the 2019 paragraph up.
    paragraphs = FusionConfig(paper_weight=0.0).without_adapter()
    undated = replace(paragraphs, recency_boost=0.0)
    plain = HybridRetriever(seed_store, embedder, fusion=undated).retrieve(question, k=30)
    timely = HybridRetriever(seed_store, embedder, fusion=paragraphs).retrieve(question, k=30)

    def rank_of_2019(results: list) -> int:  # type: ignore[type-arg]
        return next(i for i, r in enumerate(results) if "requires improvement to be good" in r.paragraph.text)

    assert timely[rank_of_2019(timely)].date == "2019"
    assert rank_of_2019(timely) < rank_of_2019(plain)
    assert rank_of_2019(timely) < 5
    assert rank_of_2019(HybridRetriever(seed_store, embedder).retrieve(question, k=30)) < 5


def test_field_scores_name_papers_by_council_body_and_date() -> None:
    from ingest.index import StoredDocument
    from ingest.types import PaperMeta
    from qa_app.fields import FieldIndex

    def doc(doc_id: str, council: str, body: str, date: str) -> StoredDocument:
        return StoredDocument(doc_id, doc_id, "h", PaperMeta(title=doc_id, doc_type="minutes", council=council,
                                                             body=body, date=date), 0.0, 3)

    index = FieldIndex([
        doc("dm-1998", "Des Moines City Council", "City Council", "1998-11-16"),
        doc("dm-2005", "Des Moines City Council", "City Council", "2005-05-09"),
        doc("tintern", "Tintern Community Council", "Council", "2019-05-20"),
    ])
    scores = index.scores("Who moved the motion at the Des Moines City Council meeting of 16 November 1998?")
    assert max(scores, key=lambda d: scores[d]) == "dm-1998" and scores["dm-1998"] > scores.get("dm-2005", 0)
    assert "tintern" not in scores
    assert index.scores("What parking charges apply in the town centre?") == {}, "no field named, no paper favoured"


def test_a_body_is_named_with_its_kind_and_the_topic_is_what_is_left() -> None:
    from ingest.index import StoredDocument
    from ingest.types import PaperMeta
    from qa_app.fields import FieldIndex

    def doc(doc_id: str, council: str, body: str) -> StoredDocument:
        return StoredDocument(doc_id, doc_id, "h", PaperMeta(title=doc_id, doc_type="minutes", council=council,
                                                             body=body, date="2023-03-27"), 0.0, 3)

    index = FieldIndex([doc("children", "Wirral Council", "Children Sub-Committee"),
                        doc("wye", "Wye Valley Community Council", "Council"),
                        doc("cabinet", "Wirral Council", "Cabinet")])
    topical = index.scores("What rating did Wirral's children's services receive?")
    assert topical["children"] == topical["cabinet"], "children's services is a topic, not the sub-committee"
    named = index.scores("Who chaired the Children Sub-Committee in Wirral?")
    assert named["children"] > named["cabinet"]
    assert index.topic("How long was the public session on the Wye Valley Community Council agenda for "
                       "27 March 2023?") == "How long was the public session on the for"
    assert index.topic("Who chaired the Children Sub-Committee in Wirral?") == "Who chaired the in"
    assert index.topic("What did the children's services get?") == "What did the children's services get"
    assert index.topic("Wirral Council 2023") == "Wirral Council 2023", "nothing left: the question itself"


def test_a_question_naming_its_meeting_finds_the_answer_inside_that_paper(
    tmp_path: Path, embedder: MiniLMEmbedder, settings: Settings
) -> None:
    """The meeting's headers name the council and the date; the answer line
    names neither. Six agendas share the council, the date or the line: the
    answer is the line of the one paper the question names."""
    papers = tmp_path / "papers"
    papers.mkdir()
    meetings = [("Wye Valley", f"{day} {month} 2023", minutes) for day, month, minutes in
                ((27, "March", 25), (27, "February", 30), (23, "January", 20), (12, "March", 10))]
    meetings += [("Tintern", "27 March 2023", 35), ("Llandogo", "9 October 2020", 40)]
    for n, (council, date, minutes) in enumerate(meetings):
        (papers / f"agenda_{n}.txt").write_text(
            f"{council} Community Council\n\nAgenda for the meeting of {date}\n\n"
            f"Members of the {council} Community Council are summoned to the meeting on {date}.\n\n"
            f"{council} Community Council, {date}: apologies for absence.\n\n"
            f"Public Session ({minutes} mins) to receive matters raised by members of the public.\n\n"
            "Planning applications received since the last meeting.\n"
        )
    store = make_store(tmp_path / "index", embedder, settings)
    ingest([papers], store, embedder)
    question = "How long was the public session on the Wye Valley Community Council agenda for 27 March 2023?"
    top = HybridRetriever(store, embedder).retrieve(question, k=3)
    assert "(25 mins)" in top[0].paragraph.text
    store.close()


def test_structural_paragraphs_never_outrank_content() -> None:
    from qa_app.fusion import StructuralPenalty, is_structural

    assert is_structural("PRESENT") and is_structural("Apologies for absence: Cllr Smith")
    assert is_structural("2") and not is_structural("The precept was set at £12,000 for 2020-21.")
    paras = {pid: Paragraph(pid, "d", i, text, 0, len(text)) for i, (pid, text) in enumerate(
        [("a", "PRESENT"), ("b", "The council set a precept of £12,000 for 2020-21.")])}
    out = StructuralPenalty(0.3).rescore("What precept did the council set?", {"a": 1.0, "b": 0.5}, paras)
    assert out["b"] > out["a"]
    kept = StructuralPenalty(0.3).rescore("Who was present at the meeting?", {"a": 1.0, "b": 0.5}, paras)
    assert kept == {"a": 1.0, "b": 0.5}, "a question about attendance keeps the attendance list"


def test_papers_tied_at_the_cut_are_not_singled_out(seed_store: PaperStore, embedder: MiniLMEmbedder) -> None:
    """When more papers than are searched on their own name the question
    equally (every paper of one council), none is singled out; a paper the
    question names better than the rest still is."""
    retriever = HybridRetriever(seed_store, embedder)
    retriever.refresh()
    docs = sorted(d.doc_id for d in seed_store.documents())
    assert len(docs) > 3
    question = "What did the council decide?"
    retriever._named = (question, dict.fromkeys(docs, 0.8))  # the field scores, as _field_scores keeps them
    assert retriever._inside_named_papers(question, None) is None
    retriever._named = (question, {**dict.fromkeys(docs, 0.8), docs[0]: 0.9})
    inside = retriever._inside_named_papers(question, None)
    assert inside is not None and inside.doc_ids == (docs[0],)
    retriever._named = (question, {docs[0]: 0.9, docs[1]: 0.8, docs[2]: 0.7})
    inside = retriever._inside_named_papers(question, None)
    assert inside is not None and set(inside.doc_ids) == set(docs[:3])


def test_a_ranking_of_whole_papers_lifts_a_paper_and_keeps_its_best_paragraph(
    tmp_path: Path, fake_embedder: FakeEmbedder, settings: Settings
) -> None:
    """Logic only (fake vectors): a paper the paragraph rankings miss joins
    through its paragraph nearest the question; a paper they found speaks
    through the paragraph they put first, so no paper's order is changed."""
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "a.txt").write_text("Riverside report\n\nRiverside benches were approved by the committee.\n\n"
                                  "The riverside walk budget was noted.\n")
    (papers / "b.txt").write_text("Library report\n\nLibrary opening hours were extended.\n")
    (papers / "c.txt").write_text("Another report\n\nWhat was it that they did when the bell rang?\n\n"
                                  "Nothing else happened.\n")
    store = make_store(tmp_path / "index", fake_embedder, settings)
    ingest([papers], store, fake_embedder)
    question = "What riverside benches were approved when the walk was noted?"
    lexical = FusionConfig(adapted_weight=0.0, lexical_weight=1.0, field_weight=0.0, paper_weight=0.0, window_chars=0)
    alone = HybridRetriever(store, fake_embedder, fusion=lexical, rescorers=[]).retrieve(question, k=5)
    lifted = HybridRetriever(store, fake_embedder, fusion=replace(lexical, paper_weight=1.0),
                             rescorers=[]).retrieve(question, k=5)
    assert "c.txt" not in {Path(r.path).name for r in alone}
    assert [r.paragraph.text for r in lifted if Path(r.path).name == "c.txt"] == [
        "What was it that they did when the bell rang?"]
    first_of_a = [[r.paragraph.id for r in got if Path(r.path).name == "a.txt"][0] for got in (alone, lifted)]
    assert first_of_a[0] == first_of_a[1]
    store.close()
