"""The QA engine and `python -m qa_app` against the real seed store and model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FakeEmbedder, ingest, make_store

from ingest.config import Settings
from ingest.dates import parse_partial_date as parse_date
from ingest.embed import MiniLMEmbedder
from ingest.errors import ConfigError
from ingest.index import Filters, PaperStore, make_filters
from qa_app import __main__ as cli
from qa_app.abstention import ABSTAIN_MESSAGE
from qa_app.engine import QAEngine, QuestionError
from qa_app.types import Answer, Turn

D01 = "How much money did the council allocate to enable immediate changes in children's services?"
DU4 = "What is the name of the Director of Children's Services?"
CONTRACT = {"n", "paper", "title", "doc_type", "date", "paragraph", "paragraph_id", "quote", "text", "score"}


@pytest.fixture()
def engine(seed_store: PaperStore, seed_store_dir: Path, embedder: MiniLMEmbedder, settings: Settings) -> QAEngine:
    local = settings.model_copy(update={"store_dir": seed_store_dir})
    return QAEngine(local, embedder=embedder, store=seed_store)


@pytest.fixture()
def shared_model(monkeypatch: pytest.MonkeyPatch, embedder: MiniLMEmbedder) -> None:
    """Entry points build their own engine; give them the test run's loaded model."""
    monkeypatch.setattr("qa_app.engine.make_embedder", lambda _settings, **_kw: embedder)
    monkeypatch.setattr("qa_app.eval.runner.make_embedder", lambda _settings, **_kw: embedder)


def test_d01_answers_two_million_citing_the_motion(engine: QAEngine) -> None:
    answer = engine.ask(D01)
    assert engine.mode == "extractive" and answer.mode == "extractive"
    assert not answer.abstained
    assert "£2m" in answer.answer
    assert "[1]" in answer.answer
    first = answer.citations[0]
    assert first.source.doc_type == "motion"
    assert first.source.path.endswith("wirral-council-2016-10-17-motion-ofsted-inspection-report.txt")
    assert "£2m" in first.quote
    for c in answer.citations:
        assert c.source.paragraph.text[c.quote_start : c.quote_end] == c.quote
    assert {"retrieve", "answer", "total"} <= set(answer.timings_ms)


def test_unanswerable_abstains_with_closest_matches(engine: QAEngine) -> None:
    answer = engine.ask(DU4)
    assert answer.abstained
    assert answer.answer == ABSTAIN_MESSAGE
    assert answer.citations == []
    assert answer.retrieved


def test_filters_change_the_answer(engine: QAEngine) -> None:
    question = "What rating did Ofsted give Wirral's children's services?"
    latest = engine.ask(question, filters=Filters(date_from=20190101))
    assert latest.retrieved and all(r.date == "2019" for r in latest.retrieved)
    motion_only = engine.ask(question, filters=Filters(doc_types=("motion",)))
    assert all(r.doc_type == "motion" for r in motion_only.retrieved)
    assert [r.paragraph.id for r in latest.retrieved] != [r.paragraph.id for r in motion_only.retrieved]


def test_follow_up_is_resolved_with_rules(engine: QAEngine) -> None:
    first = "By how much would Council be recommended to increase resources next year?"
    answer = engine.ask("And the year after?", history=[Turn(first, engine.ask(first).answer)])
    assert answer.question == "And the year after?"
    assert answer.resolved_question == (
        "By how much would Council be recommended to increase resources the year after?"
    )
    assert not answer.abstained and "£2.5m" in answer.answer


def test_stream_yields_text_then_the_same_answer(engine: QAEngine) -> None:
    pieces = list(engine.stream(D01))
    final = pieces[-1]
    assert isinstance(final, Answer)
    assert all(isinstance(p, str) for p in pieces[:-1])
    assert "".join(p for p in pieces[:-1] if isinstance(p, str)).strip() == final.answer
    assert final.answer == engine.ask(D01).answer


def test_bad_questions_are_refused(engine: QAEngine) -> None:
    with pytest.raises(QuestionError, match="question must not be empty"):
        engine.ask("   ")
    with pytest.raises(QuestionError, match="k must be greater than 0; got -2"):
        engine.ask(D01, k=-2)


def test_warm_up_loads_everything_and_refresh_sees_new_papers(
    tmp_path: Path, fake_embedder: FakeEmbedder, settings: Settings
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("The Parks Committee approved new benches for the riverside walk.\n")
    store = make_store(tmp_path / "index", fake_embedder, settings)
    ingest([corpus], store, fake_embedder)
    engine = QAEngine(settings, embedder=fake_embedder, store=store)
    engine.warm_up()
    assert store._lexical is not None and store._lexical.generation == store.generation(), "lexical index loaded"
    writer = make_store(tmp_path / "index", fake_embedder, settings)
    (corpus / "b.txt").write_text("The Osprey Fund pays for wetland restoration grants of up to £5,000.\n")
    ingest([corpus], writer, fake_embedder)
    writer.close()
    engine.refresh()
    assert store._lexical.generation == store.generation(), "refresh picked up the other writer's generation"
    hits = engine.retriever.retrieve("Osprey Fund wetland grants", k=3)
    assert hits and "Osprey Fund" in hits[0].paragraph.text
    store.close()


def test_empty_library_says_so(tmp_path: Path, embedder: MiniLMEmbedder, settings: Settings) -> None:
    store = make_store(tmp_path / "empty", embedder, settings)
    try:
        answer = QAEngine(settings, embedder=embedder, store=store).ask(D01)
    finally:
        store.close()
    assert answer.abstained and answer.notice and "no papers" in answer.notice


def test_make_filters_and_dates() -> None:
    assert make_filters() is None
    filters = make_filters(doc_types=["minutes"], date_from="2016", date_to="2016-10")
    assert filters == Filters(doc_types=("minutes",), date_from=20160101, date_to=20161031)
    assert parse_date("2016-02", end=True) == 20160229
    with pytest.raises(ConfigError, match="unknown document type"):
        make_filters(doc_types=["memo"])
    with pytest.raises(ConfigError, match="date must look like YYYY"):
        parse_date("17/10/2016", end=False)
    with pytest.raises(ConfigError, match="the date range starts after it ends"):
        make_filters(date_from="2019", date_to="2016")


# -------------------------------------------------------------------- CLI
def test_cli_ask_json_contract(
    shared_model: None, seed_store_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["ask", D01, "--store", str(seed_store_dir), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"question", "answer", "abstained", "citations", "retrieved", "timings_ms"} <= set(data)
    assert data["question"] == D01 and data["abstained"] is False and "£2m" in data["answer"]
    assert data["citations"] and all(CONTRACT <= set(c) for c in data["citations"])
    assert data["retrieved"] and all(CONTRACT - {"n", "quote"} <= set(r) for r in data["retrieved"])
    assert data["citations"][0]["quote"] in data["citations"][0]["text"]


def test_cli_context_shows_the_cited_paragraph_inside_its_item(
    shared_model: None, seed_store_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["ask", D01, "--store", str(seed_store_dir), "--json", "--context"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["context"]) == len(data["citations"]) >= 1
    for citation, around in zip(data["citations"], data["context"], strict=True):
        cited = [p for p in around if p["cited"]]
        assert [p["paragraph_id"] for p in cited] == [citation["paragraph_id"]]
        assert len(around) > 1, "the quote is shown with the paragraphs around it"
        numbers = [p["paragraph"] for p in around]
        assert numbers == sorted(numbers) and numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    assert cli.main(["ask", D01, "--store", str(seed_store_dir), "--context"]) == 0
    text = capsys.readouterr().out
    assert "      > ¶" in text and "      " + "  ¶" in text
    assert cli.main(["ask", D01, "--store", str(seed_store_dir), "--json"]) == 0
    assert "context" not in json.loads(capsys.readouterr().out), "the contract is unchanged without --context"


def test_cli_type_filter_and_readable_output(
    shared_model: None, seed_store_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["ask", D01, "--store", str(seed_store_dir), "--type", "press_release", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["retrieved"] and {r["doc_type"] for r in data["retrieved"]} == {"press_release"}
    assert cli.main(["ask", DU4, "--store", str(seed_store_dir)]) == 0
    text = capsys.readouterr().out
    assert text.startswith(ABSTAIN_MESSAGE) and "Closest matches:" in text


def test_cli_batch_passes_extra_fields_through(
    shared_model: None, seed_store_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = tmp_path / "questions.jsonl"
    batch.write_text(json.dumps({"id": "x1", "question": D01}) + "\n\n" + json.dumps({"id": "x2", "question": DU4}))
    assert cli.main(["ask", "--batch", str(batch), "--store", str(seed_store_dir), "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["id"] for line in lines] == ["x1", "x2"]
    assert [line["abstained"] for line in lines] == [False, True]


def test_cli_batch_reports_bad_lines_and_answers_the_rest(
    shared_model: None, seed_store_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = tmp_path / "questions.jsonl"
    batch.write_bytes("\n".join([
        "{not json",
        json.dumps({"id": "no-question"}),
        json.dumps({"id": "blank", "question": "   "}),
        json.dumps({"id": "ok", "question": D01}),
    ]).encode() + b'\n{"id": "latin-1", "question": "Who gave \xa32m?"}\n')
    assert cli.main(["ask", "--batch", str(batch), "--store", str(seed_store_dir), "--json"]) == 1
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    errors = {line["line"]: line["error"] for line in lines if "error" in line}
    assert set(errors) == {1, 2, 3, 5}
    assert "not JSON" in errors[1] and "needs a string `question`" in errors[2] and "must not be empty" in errors[3]
    assert "not UTF-8 text (byte 0xa3" in errors[5]
    assert all(error.startswith(f"{batch}:") for error in errors.values())
    answered = [line for line in lines if "answer" in line]
    assert [a["id"] for a in answered] == ["ok"] and "£2m" in answered[0]["answer"]


def test_cli_reports_errors(
    shared_model: None, seed_store_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["ask", D01, "--store", str(seed_store_dir), "--date-from", "yesterday"]) == 1
    assert "date must look like YYYY" in capsys.readouterr().err
    assert cli.main(["ask", "--store", str(seed_store_dir)]) == 1
    assert "either a QUESTION or --batch" in capsys.readouterr().err
    assert cli.main(["ask", D01, "--store", str(tmp_path / "missing")]) == 1
    assert "no index at" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["ask", D01, "--type", "memo"])


def test_cli_eval_on_the_council_dev_set(
    shared_model: None, seed_store_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fixture = Path(__file__).parent / "fixtures" / "council_dev.jsonl"
    assert cli.main(["eval", "--questions", str(fixture), "--store", str(seed_store_dir), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    system = report["system"]
    assert system["questions"] == 19 and system["answerable"] == 15
    assert system["quote_fidelity"] == 1.0
    for key in ("recall@1", "recall@5", "recall@10", "mrr", "answer_accuracy", "citation_support",
                "abstention", "false_abstention", "latency_p50_ms", "latency_p95_ms"):
        assert system[key] is not None, key
    assert 0.0 <= system["recall@1"] <= system["recall@5"] <= system["recall@10"] <= 1.0
