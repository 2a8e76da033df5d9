"""The index as one unit: writes and deletes keep catalogue, vectors and the
lexical index in step without any caller rebuilding anything. Uses the fake
embedder: these are tests of store logic, not of retrieval quality."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import FakeEmbedder, ingest, make_store

from ingest.config import Settings
from ingest.index import Filters, PaperStore
from ingest.index.lexical import LexicalIndex
from ingest.terms import content_terms
from ingest.types import Chunk, Paper, PaperMeta, Paragraph


def paper(doc_id: str, *texts: str, doc_type: str = "minutes", date: str | None = "2024-03-05") -> Paper:
    paragraphs, offset = [], 0
    for number, text in enumerate(texts, start=1):
        paragraphs.append(Paragraph(f"{doc_id}#{number}", doc_id, number, text, offset, offset + len(text)))
        offset += len(text) + 2
    meta = PaperMeta(title=f"Paper {doc_id}", doc_type=doc_type, date=date)
    return Paper(doc_id, doc_id, f"hash-{doc_id}-{len(texts)}", meta, "\n\n".join(texts), paragraphs)


def write(store: PaperStore, embedder: FakeEmbedder, item: Paper) -> None:
    chunks = [Chunk(f"{p.id}:c", item.doc_id, p.text, (p.id,)) for p in item.paragraphs]
    store.write_paper(item, chunks, embedder.embed_documents([c.text for c in chunks]))


@pytest.fixture()
def store(tmp_path: Path, fake_embedder: FakeEmbedder, settings: Settings) -> PaperStore:
    return make_store(tmp_path / "index", fake_embedder, settings)


def saved_ids(store: PaperStore) -> list[str]:
    saved = LexicalIndex.load(store.store_dir, store.generation())
    assert saved is not None, "a lexical index for the current generation is on disk"
    return saved.ids


def test_a_write_is_searchable_by_both_indexes_at_once(store: PaperStore, fake_embedder: FakeEmbedder) -> None:
    write(store, fake_embedder, paper("a", "Benches for the riverside walk were approved.", "Apologies were noted."))
    assert saved_ids(store) == ["a#1", "a#2"]
    assert store.query_lexical("riverside benches", 5)[0][0] == "a#1"
    assert store.query_dense(fake_embedder.embed_query("riverside walk benches"), 5)[0][0] == "a#1"
    assert store.check().ok


def test_delete_and_replace_keep_the_lexical_index_in_step(store: PaperStore, fake_embedder: FakeEmbedder) -> None:
    write(store, fake_embedder, paper("a", "Benches for the riverside walk were approved."))
    write(store, fake_embedder, paper("b", "The library opening hours were extended."))
    store.delete_paper("a")
    assert saved_ids(store) == ["b#1"] and store.query_lexical("riverside benches", 5) == []
    write(store, fake_embedder, paper("b", "The library closes on Sundays.", "A new mobile library was bought."))
    assert saved_ids(store) == ["b#1", "b#2"]
    assert store.query_lexical("mobile library", 5)[0][0] == "b#2"
    assert store.check().ok


def test_a_batch_rebuilds_the_lexical_index_once_on_leaving(
    store: PaperStore, fake_embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds: list[int] = []
    original = LexicalIndex.build.__func__  # type: ignore[attr-defined]

    def counting(cls: type[LexicalIndex], ids: list[str], texts: list[str], generation: int) -> LexicalIndex:
        builds.append(generation)
        return original(cls, ids, texts, generation)  # type: ignore[no-any-return]

    monkeypatch.setattr(LexicalIndex, "build", classmethod(counting))
    with store.batch():
        for name in "abc":
            write(store, fake_embedder, paper(name, f"Paragraph about {name} parks."))
        assert builds == []
    assert builds == [store.generation()] and len(saved_ids(store)) == 3


def test_filters_act_inside_both_indexes(store: PaperStore, fake_embedder: FakeEmbedder) -> None:
    write(store, fake_embedder, paper("m", "Parking charges rise in April.", doc_type="minutes", date="2024-03-05"))
    write(store, fake_embedder, paper("r", "Parking charges report.", doc_type="report", date="2019"))
    only_reports = Filters(doc_types=("report",))
    assert [p for p, _ in store.query_lexical("parking charges", 5, only_reports)] == ["r#1"]
    dense = store.query_dense(fake_embedder.embed_query("parking charges"), 5, only_reports)
    assert [p for p, _ in dense] == ["r#1"]
    since_2020 = Filters(date_from=20200101)
    assert [p for p, _ in store.query_lexical("parking charges", 5, since_2020)] == ["m#1"]


def test_check_names_orphaned_and_missing_vectors(store: PaperStore, fake_embedder: FakeEmbedder) -> None:
    write(store, fake_embedder, paper("a", "Benches were approved.", "Bins were emptied."))
    store.vectors.delete(["a#1:c"])
    store.vectors.upsert(["stray"], np.ones((1, fake_embedder.dimension)), ["stray"], [{"paragraph_ids": "x#1"}])
    integrity = store.check()
    assert integrity.missing_vectors == {"a#1:c"} and integrity.orphan_vectors == {"stray"}
    assert not integrity.ok and len(integrity.problems()) == 2
    assert all("python -m ingest --repair" in line for line in integrity.problems())


def test_each_paper_has_a_mean_vector_kept_in_step_with_its_chunks(
    store: PaperStore, fake_embedder: FakeEmbedder
) -> None:
    a = paper("a", "Benches for the riverside walk were approved.", "The riverside budget was set.")
    write(store, fake_embedder, a)
    write(store, fake_embedder, paper("b", "The library opening hours were extended."))
    assert store.vectors.paper_ids() == {"a", "b"}
    stored = np.asarray(store.vectors.papers.get(ids=["a"], include=["embeddings"])["embeddings"][0])
    mean = fake_embedder.embed_documents([p.text for p in a.paragraphs]).mean(axis=0)
    assert np.allclose(stored, mean / np.linalg.norm(mean), atol=1e-6)
    query = fake_embedder.embed_query("riverside budget")
    assert [doc for doc, _ in store.query_papers(query, 5)] == ["a", "b"]
    assert store.nearest_paragraphs(query, ["a"]) == {"a": ("a#2", pytest.approx(
        float(fake_embedder.embed_query("The riverside budget was set.") @ query), abs=1e-5))}
    store.set_access("a", "members")
    assert [doc for doc, _ in store.query_papers(query, 5, Filters(access=("public",)))] == ["b"]
    assert [doc for doc, _ in store.query_papers(query, 5, Filters(access=("members",)))] == ["a"]
    store.delete_paper("a")
    assert store.vectors.paper_ids() == {"b"} and [d for d, _ in store.query_papers(query, 5)] == ["b"]
    store.reset()
    assert store.vectors.paper_ids() == set() and store.query_papers(query, 5) == []


def test_only_a_short_paper_has_a_paper_vector(
    store: PaperStore, fake_embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingest.index import store as store_module

    monkeypatch.setattr(store_module, "PAPER_MAX_CHUNKS", 1)
    write(store, fake_embedder, paper("a", "Benches were approved.", "Bins were emptied."))
    assert not store.has_short_papers() and store.missing_paper_vectors() == 0
    write(store, fake_embedder, paper("b", "The library opening hours were extended."))
    assert store.has_short_papers()
    assert store.vectors.paper_ids() == {"b"} and store.missing_paper_vectors() == 0
    write(store, fake_embedder, paper("b", "The library opening hours were extended.", "A van was bought."))
    write(store, fake_embedder, paper("a", "Benches were approved."))
    assert store.vectors.paper_ids() == {"a"}, "b grew past the limit, a came under it"
    assert store.fill_paper_vectors() == 0 and store.sweep_orphans() == 0


def test_paper_vectors_missing_from_an_older_store_are_made_from_its_chunk_vectors(
    store: PaperStore, fake_embedder: FakeEmbedder
) -> None:
    write(store, fake_embedder, paper("a", "Benches were approved.", "Bins were emptied."))
    write(store, fake_embedder, paper("b", "The library opening hours were extended."))
    before = store.vectors.papers.get(ids=["a", "b"], include=["embeddings"])
    store.vectors.delete_papers(["a", "b"])
    store.vectors.upsert_papers(["gone"], np.ones((1, fake_embedder.dimension)), [{"doc_id": "gone"}])
    embedded = fake_embedder.embedded
    assert store.query_papers(fake_embedder.embed_query("library"), 5) == [], "a paper no longer listed is never found"
    assert store.sweep_orphans() == 1 and store.fill_paper_vectors() == 2
    assert fake_embedder.embedded == embedded + 1, "nothing was embedded again (one question was)"
    after = store.vectors.papers.get(ids=["a", "b"], include=["embeddings"])
    assert np.allclose(np.asarray(before["embeddings"]), np.asarray(after["embeddings"]), atol=1e-6)
    assert store.vectors.paper_ids() == {"a", "b"} and store.fill_paper_vectors() == 0


def test_emptiness_is_known_without_counting(store: PaperStore, fake_embedder: FakeEmbedder) -> None:
    assert store.is_empty() and store.query_dense(fake_embedder.embed_query("budget"), 5) == []
    write(store, fake_embedder, paper("a", "The budget was set."))
    assert not store.is_empty() and store.catalogue.any_rows("chunks")
    store.delete_paper("a")
    assert store.is_empty()
    with pytest.raises(ValueError, match="no such table"):
        store.catalogue.any_rows("settings")


def test_reset_empties_every_part(store: PaperStore, fake_embedder: FakeEmbedder) -> None:
    write(store, fake_embedder, paper("a", "Benches were approved."))
    before = store.generation()
    store.reset()
    assert store.document_count() == 0 and store.vectors.ids() == set() and saved_ids(store) == []
    assert store.generation() > before, "readers holding the old generation notice the reset"


def test_an_access_filter_gives_the_best_readable_chunks_with_or_without_chroma_where(
    store: PaperStore, fake_embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reader's level is checked on an unfiltered search's metadata when enough
    readable chunks come back, else by Chroma's `where`; both give the same ranking."""
    from ingest.index import vectors

    for i in range(12):
        item = paper(f"p{i}", "riverside " * (i + 1) + f"benches report {i}.", f"Parks budget line {i}" + " x" * i)
        item.meta.access = "public" if i % 3 else "members"
        write(store, fake_embedder, item)
    wheres: list[object] = []
    real = store.vectors._search
    monkeypatch.setattr(store.vectors, "_search", lambda v, n, where: wheres.append(where) or real(v, n, where))
    query = fake_embedder.embed_query("riverside benches parks budget")
    public = Filters(access=("public",))
    fast = store.query_dense(query, 4, public)
    assert wheres == [None], "enough public chunks came back unfiltered"
    monkeypatch.setattr(vectors, "OVERSAMPLE", 1)  # too shallow for 4 public chunks: the filtered search runs
    wheres.clear()
    assert store.query_dense(query, 4, public) == fast and wheres[-1] is not None
    members = [pid for pid, _ in store.query_dense(query, 20, Filters(access=("members",)))]
    assert len(members) == 8 and all(pid.split("#")[0] in {"p0", "p3", "p6", "p9"} for pid in members)


def test_the_chunk_search_asks_chroma_for_distances_alone_and_the_catalogue_for_the_rest(
    store: PaperStore, fake_embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Which paragraphs a chunk covers, and who may read it, come from the
    catalogue: Chroma's metadata doubled a search's time, and a level changed in
    the catalogue counts at once, so a reader still gets `k` readable results."""
    for i in range(8):
        item = paper(f"p{i}", "riverside " * (i + 1) + f"benches report {i}.", f"Parks budget line {i}")
        write(store, fake_embedder, item)
    asked: list[object] = []
    collection = store.vectors.collection
    real = collection.query
    monkeypatch.setattr(collection, "query", lambda **kw: asked.append(kw.get("include")) or real(**kw))
    query = fake_embedder.embed_query("riverside benches parks budget")
    open_ranking = store.query_dense(query, 6)
    assert asked == [["distances"]]
    closed = {"p0", "p1", "p2"}
    with store.catalogue.transaction() as db:  # the catalogue only: Chroma's copy of the level lags
        for doc_id in sorted(closed):
            store.catalogue.set_access(db, doc_id, "members")
    public = store.query_dense(query, 4, Filters(access=("public",)))
    assert len(public) == 4 and all(pid.split("#")[0] not in closed for pid, _ in public)
    assert [pid for pid, _ in public] == [pid for pid, _ in open_ranking if pid.split("#")[0] not in closed][:4]
    assert all(include == ["distances"] for include in asked)


def test_a_lexical_mask_holds_exactly_the_allowed_rows() -> None:
    """Masks are made from each id's row: ids outside the index are ignored,
    and nothing allowed gives an empty search."""
    texts = ["Riverside benches approved.", "Library hours extended.", "Riverside car park resurfaced."]
    index = LexicalIndex.build(["a#1", "b#1", "c#1"], texts, generation=1)
    mask = index.mask_for(("c",), lambda: {"c#1", "gone#1"})
    assert mask.tolist() == [0.0, 0.0, 1.0]
    assert [pid for pid, _ in index.search("riverside", 5, mask=mask)] == ["c#1"]
    assert index.search("riverside", 5, allowed=set()) == []
    assert sorted(pid for pid, _ in index.search("riverside", 5, allowed={"a#1", "c#1"})) == ["a#1", "c#1"]


def test_a_search_inside_named_papers_reads_them_by_id_and_ranks_as_chroma_does(
    store: PaperStore, fake_embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Papers named by id are scored exactly, without Chroma's `where`, with the
    same ranking and the same filters (access and type) as the filtered search."""
    from ingest.index import store as store_module

    for i in range(6):
        item = paper(f"p{i}", f"Riverside benches report {i}.", "Parks budget line" + " x" * i,
                     doc_type="report" if i % 2 else "minutes")
        item.meta.access = "members" if i == 1 else "public"
        write(store, fake_embedder, item)
    wheres: list[object] = []
    real = store.vectors._search
    monkeypatch.setattr(store.vectors, "_search", lambda v, n, where: wheres.append(where) or real(v, n, where))
    query = fake_embedder.embed_query("riverside benches parks budget")
    for filters in (Filters(doc_ids=("p0", "p1", "p3")), Filters(doc_ids=("p0", "p1", "p3"), doc_types=("report",)),
                    Filters(doc_ids=("p0", "p1", "p3"), access=("public",))):
        exact = store.query_dense(query, 10, filters)
        assert wheres == [], "named papers are read by id"
        monkeypatch.setattr(store_module, "EXACT_SEARCH_MAX", 1)  # more chunks than that: Chroma's where
        by_where = store.query_dense(query, 10, filters)
        monkeypatch.setattr(store_module, "EXACT_SEARCH_MAX", 2000)
        assert wheres and [p for p, _ in exact] == [p for p, _ in by_where]
        assert [s for _, s in exact] == pytest.approx([s for _, s in by_where], abs=1e-5)
        wheres.clear()
    assert {p.split("#")[0] for p, _ in store.query_dense(query, 10, Filters(doc_ids=("p0", "p1"), access=("public",)))
            } == {"p0"}


def test_a_filter_mask_is_made_once_per_generation(
    store: PaperStore, fake_embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(store, fake_embedder, paper("a", "Benches for the riverside walk were approved.", doc_type="minutes"))
    write(store, fake_embedder, paper("b", "Riverside benches were discussed.", doc_type="agenda"))
    calls: list[Filters] = []
    real = store.catalogue.filtered_paragraph_ids
    monkeypatch.setattr(store.catalogue, "filtered_paragraph_ids", lambda f: calls.append(f) or real(f))
    minutes = Filters(doc_types=("minutes",))
    assert [p for p, _ in store.query_lexical("riverside benches", 5, minutes)] == ["a#1"]
    assert [p for p, _ in store.query_lexical("benches riverside walk", 5, minutes)] == ["a#1"]
    assert len(calls) == 1, "the second question reused the mask"
    write(store, fake_embedder, paper("c", "More riverside benches.", doc_type="minutes"))
    assert {p for p, _ in store.query_lexical("riverside benches", 5, minutes)} == {"a#1", "c#1"}
    assert len(calls) == 2, "a new generation made a new mask"


def test_pipeline_runs_need_no_rebuild_by_the_caller(
    tmp_path: Path, fake_embedder: FakeEmbedder, settings: Settings
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(3):
        (corpus / f"p{i}.txt").write_text(f"Item {i}. The committee discussed allotment plot {i}.\n")
    store = make_store(tmp_path / "index", fake_embedder, settings)
    report = ingest([corpus], store, fake_embedder)
    assert report.ok and len(report.added) == 3 and store.check().ok
    (corpus / "p1.txt").unlink()
    report = ingest([corpus], store, fake_embedder)
    assert report.removed and store.check().ok
    assert all(not pid.startswith(str(corpus / "p1.txt")) for pid in saved_ids(store))


def test_a_lexical_index_made_by_another_tokeniser_is_rebuilt(
    store: PaperStore, fake_embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(store, fake_embedder, paper("a", "Cllrs Hodivala (Chairman), Hewett and Wood.", "Benches were approved."))
    assert saved_ids(store)
    import ingest.index.lexical as lexical

    monkeypatch.setattr(lexical, "TERMS_VERSION", lexical.TERMS_VERSION + 1)
    assert LexicalIndex.load(store.store_dir, store.generation()) is None
    hits = store.query_lexical("who chaired the meeting", k=3)
    assert [pid for pid, _ in hits] == ["a#1"], "the chair line is found once the index is rebuilt"


def test_vector_search_is_deep_and_older_collections_are_deepened(
    tmp_path: Path, fake_embedder: FakeEmbedder, settings: Settings
) -> None:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    from ingest.index.vectors import COLLECTION, EF_SEARCH

    fresh = make_store(tmp_path / "fresh", fake_embedder, settings)
    hnsw = fresh.vectors.collection.configuration_json["hnsw"]
    assert (hnsw["space"], hnsw["ef_search"]) == ("cosine", EF_SEARCH)

    # A collection made as earlier versions made it: Chroma's default search depth.
    older = tmp_path / "older"
    client = chromadb.PersistentClient(path=str(older / "chroma"), settings=ChromaSettings(anonymized_telemetry=False))
    client.get_or_create_collection(COLLECTION, metadata={"hnsw:space": "cosine"}, embedding_function=None)
    store = make_store(older, fake_embedder, settings)
    assert store.vectors.search_depth() == 100
    write(store, fake_embedder, paper("a", "Benches for the riverside walk were approved."))
    assert store.vectors.search_depth() == EF_SEARCH
    assert store.vectors.collection.configuration_json["hnsw"]["space"] == "cosine"
    assert store.query_dense(fake_embedder.embed_query("riverside walk benches"), 5)[0][0] == "a#1"


def test_lexical_search_ranks_as_bm25s_does_and_breaks_ties_by_row() -> None:
    """Only scoring paragraphs are ranked (bm25s's own `retrieve` partitions every
    row): the same paragraphs and scores, best first, ties in row order."""
    texts = [f"Riverside benches report {i}." + " parks" * (i % 4) for i in range(40)]
    texts += ["Library opening hours."] * 5 + ["Riverside benches report 7." + " parks" * 3] * 3
    ids = [f"p{i}" for i in range(len(texts))]
    index = LexicalIndex.build(ids, texts, generation=1)
    mask = np.array([i % 3 != 0 for i in range(len(ids))], dtype=np.float32)
    for query, weights in (("riverside parks", None), ("riverside parks", mask), ("library hours", None)):
        ours = index.search(query, 10, mask=weights)
        terms = [t for t in content_terms(query) if t in index.df]
        rows, scores = index._bm25.retrieve([terms], k=10, weight_mask=weights, show_progress=False, n_threads=1)
        theirs = [(ids[int(r)], float(s)) for r, s in zip(rows[0], scores[0], strict=True) if s > 0]
        assert [s for _, s in ours] == pytest.approx([s for _, s in theirs])
        assert all(a >= b for (_, a), (_, b) in zip(ours, ours[1:], strict=False))
        tied = [[ids.index(pid) for pid, s in ours if s == score] for score in {s for _, s in ours}]
        assert all(group == sorted(group) for group in tied)
    assert [pid for pid, _ in index.search("library hours", 10)] == ["p40", "p41", "p42", "p43", "p44"]
