"""The paper-vector probe ranks papers by the same means ingestion keeps, and
each paper by the same paragraph the retriever would take (bench/paper_vectors.py).
Logic only: fake vectors."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from conftest import FakeEmbedder, ingest, make_store

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from paper_vectors import PaperVectors  # noqa: E402

from ingest.config import Settings  # noqa: E402
from qa_app.fusion import FusionConfig  # noqa: E402
from qa_app.retrieval import HybridRetriever  # noqa: E402


def test_the_probe_ranks_papers_by_the_means_ingestion_keeps(
    tmp_path: Path, fake_embedder: FakeEmbedder, settings: Settings
) -> None:
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "a.txt").write_text("Parks report\n\nRiverside benches were approved.\n\nThe walk budget was set.\n")
    (papers / "b.txt").write_text("Library report\n\nLibrary opening hours were extended.\n")
    store = make_store(tmp_path / "index", fake_embedder, settings)
    ingest([papers], store, fake_embedder)
    retriever = HybridRetriever(store, fake_embedder, fusion=FusionConfig(adapted_weight=0.0, lexical_weight=1.0))
    probe = PaperVectors(retriever)
    assert sorted(probe.papers) == sorted(store.vectors.paper_ids())
    for doc_id, mean in zip(probe.papers, probe.means, strict=True):
        kept = store.vectors.papers.get(ids=[doc_id], include=["embeddings"])["embeddings"][0]
        assert np.allclose(mean, np.asarray(kept), atol=1e-6)
    query = fake_embedder.embed_query("the walk budget")
    nearest_paper = store.query_papers(query, 1)[0][0]
    assert probe.ranking(query, 1) == [store.nearest_paragraphs(query, [nearest_paper])[nearest_paper][0]]
    store.close()
