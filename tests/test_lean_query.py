"""The lean query path: the ONNX Runtime embedder agrees with sentence-transformers on
the same model file, makes a missing export itself, and asking never imports torch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

from ingest.config import Settings
from ingest.embed import MiniLMEmbedder
from ingest.errors import ConfigError
from ingest.library import make_embedder
from ingest.model import MODEL_MAX_TOKENS as MAX_TOKENS
from ingest.onnx_embedder import QUERY_CACHE, OnnxEmbedder

HEAVY = ("torch", "transformers", "sentence_transformers")
LONG = " ".join(
    f"Item {i}: the committee noted the report on highways maintenance in ward {i} and agreed the budget."
    for i in range(40)
)
TEXTS = [
    "Council welcomes the allocation of £2m to enable immediate changes in children's services.",
    "Proposed: Councillor Phil Davies",
    "How much money was allocated for immediate changes?",
    LONG,
]


@pytest.fixture(scope="module")
def export_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[OnnxEmbedder, MiniLMEmbedder]:
    """A lean embedder on an empty cache (so it must export), and sentence-transformers on its file.
    One thread, so both embed a short list in the same single batch (the int8 model
    quantises activations per batch, so other batching moves vectors slightly)."""
    cache = tmp_path_factory.mktemp("models")
    lean = OnnxEmbedder("onnx-int8", cache_dir=cache, threads=1)
    lean.warm_up()
    return lean, MiniLMEmbedder("onnx-int8", cache_dir=cache)


def test_missing_export_is_made_once_by_the_query_process(export_pair: tuple[OnnxEmbedder, MiniLMEmbedder]) -> None:
    lean, _ = export_pair
    assert lean.cache_dir is not None
    exports = [p for p in lean.cache_dir.iterdir() if not p.name.startswith(".")]
    assert len(exports) == 1 and list(exports[0].glob("onnx/model_int8_*.onnx"))
    assert OnnxEmbedder("onnx-int8", cache_dir=lean.cache_dir).embed_query("x").shape == (384,)
    assert [p.name for p in lean.cache_dir.iterdir()] == [exports[0].name], "the second load reused the export"


def test_vectors_match_sentence_transformers_on_the_same_file(
    export_pair: tuple[OnnxEmbedder, MiniLMEmbedder],
) -> None:
    lean, st = export_pair
    assert lean.count_tokens(LONG) > MAX_TOKENS, "the long text must exercise truncation"
    a, b = lean.embed_documents(TEXTS), st.embed_documents(TEXTS)
    assert a.shape == b.shape == (len(TEXTS), 384) and a.dtype == np.float32
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    cosines = (a * b).sum(axis=1)
    assert cosines.min() >= 0.9999, cosines
    # A query is embedded alone, as the question path does it.
    assert float(lean.embed_query(TEXTS[2]) @ st.embed_query(TEXTS[2])) >= 0.9999


def test_each_text_alone_is_embedded_as_a_query_is(export_pair: tuple[OnnxEmbedder, MiniLMEmbedder]) -> None:
    """What the answerer compares with the question: each sentence's vector is the
    one it has alone, whatever is embedded beside it (a batch moves int8 vectors)."""
    lean, st = export_pair
    each = lean.embed_each(TEXTS)
    for row, text in zip(each, TEXTS, strict=True):
        assert np.allclose(row, lean.embed_query(text), atol=1e-6)
    assert np.allclose(lean.embed_each(TEXTS[::-1])[::-1], each, atol=1e-6)
    assert ((each * st.embed_each(TEXTS)).sum(axis=1)).min() >= 0.9999
    assert lean.embed_each([]).shape == st.embed_each([]).shape == (0, 384)


def test_same_name_limit_and_token_counts_as_sentence_transformers(
    export_pair: tuple[OnnxEmbedder, MiniLMEmbedder],
) -> None:
    lean, st = export_pair
    assert lean.name == st.name == "all-MiniLM-L6-v2:onnx-int8"
    assert lean.max_tokens == st.max_tokens == MAX_TOKENS
    for text in (*TEXTS, "", "Ward £2.5m — “quoted” naïve café"):
        assert lean.count_tokens(text) == st.count_tokens(text), text
    assert lean.embed_documents([]).shape == (0, 384)


def test_make_embedder_gives_the_lean_one_for_onnx_backends(settings: Settings) -> None:
    assert isinstance(make_embedder(settings, lean=True), OnnxEmbedder)
    assert isinstance(make_embedder(settings), OnnxEmbedder), "ingestion embeds without sentence-transformers too"
    torch_settings = settings.model_copy(update={"embed_backend": "torch"})
    assert isinstance(make_embedder(torch_settings, lean=True), MiniLMEmbedder), "torch has no lean form"
    with pytest.raises(ConfigError, match="backend must be one of onnx, onnx-int8; got 'torch'"):
        OnnxEmbedder("torch")
    with pytest.raises(ConfigError, match="batch_size must be greater than 0; got 0"):
        OnnxEmbedder(batch_size=0)
    with pytest.raises(ConfigError, match="threads must be 0 .one per core. or more; got -1"):
        OnnxEmbedder(threads=-1)


def test_batches_side_by_side_give_the_vectors_of_one_at_a_time(
    export_pair: tuple[OnnxEmbedder, MiniLMEmbedder],
) -> None:
    lean, _ = export_pair
    texts = [f"{text} ({i})" for i in range(12) for text in TEXTS]
    serial = OnnxEmbedder("onnx-int8", cache_dir=lean.cache_dir, batch_size=4, threads=1)
    parallel = OnnxEmbedder("onnx-int8", cache_dir=lean.cache_dir, batch_size=4, threads=3)
    assert np.array_equal(serial.embed_documents(texts), parallel.embed_documents(texts))


def test_ingestion_and_question_embedders_agree(settings: Settings, tmp_path: Path) -> None:
    """The index's vectors come from the ingestion embedder and questions from the
    query one: same name, so the store accepts both, and the same vectors for the
    same call. The int8 model quantises activations per call, so a passage embedded
    among others moves a little from the same text embedded alone (cosine 0.991 on
    average over real chunks), as it did with sentence-transformers."""
    ingesting, asking = make_embedder(settings), make_embedder(settings, lean=True)
    assert ingesting.name == asking.name
    passages = ingesting.embed_documents(TEXTS)
    assert np.array_equal(passages, asking.embed_documents(TEXTS))
    for i, text in enumerate(TEXTS):
        assert float(passages[i] @ asking.embed_query(text)) >= 0.97, text


def _python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_ask_and_batch_never_import_torch(seed_store_dir: Path, tmp_path: Path) -> None:
    batch = tmp_path / "questions.jsonl"
    batch.write_text(json.dumps({"question": "What did Ofsted find?"}) + "\n", encoding="utf-8")
    code = (
        "import sys\n"
        "from qa_app.__main__ import main\n"
        f"a = main(['ask', 'How much money did the council allocate?', '--store', {str(seed_store_dir)!r}, '--json'])\n"
        f"b = main(['ask', '--batch', {str(batch)!r}, '--store', {str(seed_store_dir)!r}, '--json'])\n"
        f"print('HEAVY=' + ','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
        "sys.exit(a or b)\n"
    )
    done = _python(code, ROOT)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    answers = [json.loads(line) for line in lines[:-1]]
    assert len(answers) == 2 and all(a["retrieved"] for a in answers)
    assert lines[-1] == "HEAVY=", f"the query path imported {lines[-1]}"


def test_model_name_module_breaks_the_import_circle() -> None:
    done = _python("import sys, ingest.onnx_export; print('ingest.embed' in sys.modules)", ROOT)
    assert done.stdout.strip() == "False", done.stderr


def test_a_question_is_embedded_once_for_retrieval_and_answer(
    export_pair: tuple[OnnxEmbedder, MiniLMEmbedder], monkeypatch: pytest.MonkeyPatch
) -> None:
    lean, _ = export_pair
    question = "Who seconded the motion on the parking charges?"
    first = lean.embed_query(question)
    assert np.array_equal(first, lean.embed_documents([question])[0]), "the vector of the text alone"
    calls: list[int] = []
    real = lean.embed_documents
    monkeypatch.setattr(lean, "embed_documents", lambda texts: calls.append(len(texts)) or real(texts))
    assert lean.embed_query(question) is first and calls == []
    assert not first.flags.writeable, "a caller cannot change the kept vector"
    for i in range(QUERY_CACHE):
        lean.embed_query(f"question {i}")
    lean.embed_query(question)
    assert calls[-1] == 1, "the oldest question was let go"


def test_field_scores_equal_a_paper_by_paper_reference() -> None:
    """Field scores find the papers a date overlaps with arrays; the scores are the
    same as scoring every dated paper one by one."""
    import math
    import random

    from ingest.dates import date_bounds
    from ingest.index import StoredDocument
    from ingest.types import PaperMeta
    from qa_app.fields import FieldIndex, question_dates

    rng = random.Random(5)
    councils = ["Des Moines City Council", "Tintern Community Council", "Ceredigion County Council", None]
    dates = [None, *(f"{rng.randint(1995, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" for _ in range(40)),
             *(str(rng.randint(1995, 2024)) for _ in range(10)), "2019-05"]
    docs = [StoredDocument(f"p{i}", f"p{i}", "h", PaperMeta(title=f"p{i}", doc_type="minutes", body="Cabinet",
                                                              council=rng.choice(councils), date=rng.choice(dates)),
                           0.0, 3) for i in range(400)]
    index = FieldIndex(docs)
    full = 2 * math.log(1 + len(docs))
    for question, undated in (
        ("Who moved the motion at the Des Moines City Council meeting of 16 November 1998?",
         "Who moved the motion at the Des Moines City Council meeting?"),
        ("What did Tintern Community Council decide in May 2019?", "What did Tintern Community Council decide?"),
        ("What happened in 2005 and 2010?", "What happened?"),
    ):
        spans = question_dates(question)
        assert spans and not question_dates(undated)
        named = {d: w * full for d, w in index.scores(undated).items()}
        reference = {}
        for doc in docs:
            start, end = date_bounds(doc.meta.date) if doc.meta.date else (None, None)
            date = max([1.0 if s.precision in ("day", "month") else 0.25 for s in spans
                        if start is not None and end is not None and start <= s.end and end >= s.start] or [0.0])
            score = (min(1.0, named.get(doc.doc_id, 0.0) / full) + date) / 2
            if score > 0:
                reference[doc.doc_id] = score
        got = index.scores(question)
        assert got.keys() == reference.keys() and all(math.isclose(got[d], reference[d]) for d in got), question
        assert len(got) > 10, "the question's dates match many papers"
