"""The evaluation harness: every metric on tiny hand-made results that pass and
that fail, the set loaders, and whole runs on tiny fixtures with the real model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.embed import MiniLMEmbedder
from ingest.errors import ConfigError
from qa_app.__main__ import build_parser
from qa_app.eval import breakdown as b
from qa_app.eval import metrics as m
from qa_app.eval.datasets import load_council, load_qmsum, load_squad2, sample, split_half
from qa_app.eval.runner import EvalOptions, run_eval

FIXTURES = Path(__file__).parent / "fixtures"
PARA = "Council also welcomes the allocation of \u00a32m to enable immediate changes."


def _result(**kwargs: object) -> m.QuestionResult:
    base: dict[str, object] = {"id": "q", "question": "How much?", "answerable": True, "answers": ["£2m"],
                               "evidence": ["allocation of £2m"]}
    base.update(kwargs)
    return m.QuestionResult(**base)  # type: ignore[arg-type]


def _good() -> m.QuestionResult:
    quote = "the allocation of \u00a32m"
    start = PARA.index(quote)
    return _result(
        retrieved=[m.Hit("p1", "Unrelated text."), m.Hit("p2", PARA)],
        answer=f"{quote} [1]",
        citations=[m.CitedQuote("p2", PARA, quote, start, start + len(quote))],
        latency_ms=10.0,
    )


def test_recall_and_mrr_pass_and_fail() -> None:
    good = _good()
    assert m.first_hit_rank(good) == 2
    assert m.recall_at([good], 1) == 0.0
    assert m.recall_at([good], 3) == 1.0
    assert m.mrr([good]) == 0.5
    miss = _result(retrieved=[m.Hit("p1", "Nothing relevant.")])
    assert m.recall_at([miss], 10) == 0.0 and m.mrr([miss]) == 0.0
    assert m.recall_at([good, miss], 5) == 0.5


def test_evidence_matching_normalises_whitespace_and_quotes() -> None:
    assert m.contains_evidence("the  report\u2019s\nfindings", "report's findings")
    assert not m.contains_evidence("the report", "report's findings")
    assert not m.contains_evidence("anything", "  ")


def test_evidence_matching_tolerates_extractor_artefacts_but_not_other_text() -> None:
    paragraph = "Vlassis to approve and incorporate the changes into the established Council Rules. Motion Carried 6-1."
    assert m.contains_evidence(paragraph, "Vlassis to approve and incorporate the changes into the established")
    assert m.contains_evidence(paragraph.replace("incorporate", "incor-\nporate"),
                               "approve and incorporate the changes")
    assert m.contains_evidence(paragraph, "Vlassis to approve and incorporate the changes into the established "
                                          "Council Rul Motion Carried 6-1.")
    assert not m.contains_evidence(paragraph, "Coleman to approve the balance of the Consent Agenda.")
    assert not m.contains_evidence("Motion carried 6-1.", "Carried 7-0")


def test_citation_to_the_right_paper_pass_and_fail() -> None:
    good = _good()
    good.source = "budget.pdf"
    good.retrieved = [m.Hit("p2", PARA, paper="papers/budget.pdf")]
    good.citations = [m.CitedQuote("p2", PARA, "x", 0, 1, "papers/budget.pdf")]
    assert m.citation_paper([good]) == 1.0
    wrong = _good()
    wrong.source = "budget.pdf"
    wrong.retrieved = [m.Hit("p3", PARA, paper="papers/other.pdf"), m.Hit("p2", PARA, paper="budget.pdf")]
    wrong.citations = [m.CitedQuote("p3", PARA, "x", 0, 1, "papers/other.pdf")]
    assert m.citation_paper([wrong]) == 0.0
    unknown = _good()
    unknown.source = "not-in-the-library.pdf"
    assert m.citation_paper([unknown]) is None


def test_false_abstention_with_the_evidence_shown_is_counted() -> None:
    shown = _result(abstained=True, closest=[m.Hit("p2", PARA)])
    hidden = _result(abstained=True, closest=[m.Hit("p1", "Unrelated text.")])
    assert m.abstained_with_evidence([shown, hidden, _good()]) == 1
    assert m.summarise([shown, hidden])["abstained_evidence_shown"] == 1


def test_metrics_by_kind() -> None:
    who = _good()
    who.kind = "who"
    missed = _result(kind="when", abstained=True)
    unanswerable = _result(answerable=False, answers=[], evidence=[], kind="when", abstained=True)
    kinds = b.by_kind([who, missed, unanswerable])
    assert list(kinds) == ["who", "when", "unanswerable"]
    assert kinds["who"]["accuracy"] == 1.0 and kinds["who"]["false_abstention"] == 0.0
    assert kinds["when"]["accuracy"] == 0.0 and kinds["when"]["false_abstention"] == 1.0
    assert kinds["unanswerable"]["abstention"] == 1.0 and kinds["unanswerable"]["accuracy"] is None


def test_equal_character_budget_cuts_our_passages() -> None:
    r = _result(evidence=[], gold_ids={"g2"}, retrieved=[m.Hit("g1", "a" * 600), m.Hit("g2", "b" * 600)])
    assert b.gold_recall_equal_chars([r], [1200], 10) == 1.0
    assert b.gold_recall_equal_chars([r], [500], 10) == 0.0
    assert [len(h.text) for h in b.within_budget(r.retrieved, 900)] == [600, 300]
    assert b.chars_returned(r.retrieved) == 1200


def test_split_keeps_only_one_half(tmp_path: Path) -> None:
    questions = load_council(FIXTURES / "council_dev.jsonl").questions
    split = tmp_path / "split.json"
    split.write_text(json.dumps({"tune_questions": ["d01", "d02"], "held_questions": ["d03"]}))
    assert [q.id for q in split_half(questions, split, "tune")] == ["d01", "d02"]
    assert [q.id for q in split_half(questions, split, "held")] == ["d03"]
    with pytest.raises(ConfigError, match="no `other_questions` list"):
        split_half(questions, split, "other")
    args = build_parser().parse_args(["eval", "--questions", "q.jsonl", "--split", str(split), "--half", "held"])
    assert (args.split, args.half) == (split, "held")


def test_real_paper_format_keeps_kind_and_source(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps({"id": "r01", "question": "Who moved it?", "answerable": True, "answers": ["Coleman"],
                                "source": "m.pdf", "evidence": "Moved by Coleman", "kind": "who"}) + "\n")
    (q,) = load_council(path).questions
    assert (q.kind, q.source, q.evidence) == ("who", "m.pdf", ["Moved by Coleman"])


def test_gold_ids_and_multi_paragraph_hits() -> None:
    r = _result(evidence=[], gold_ids={"g1", "g2", "g3"},
                retrieved=[m.Hit("c1", "x", frozenset({"a", "g2"})), m.Hit("n1", "y"), m.Hit("g1", "z")])
    assert m.first_hit_rank(r) == 1
    assert m.gold_recall_at([r], 1) == 1.0
    assert m.gold_recall_at([r], 2) == 0.5
    assert m.gold_recall_at([r], 3) == pytest.approx(2 / 3)
    miss = _result(evidence=[], gold_ids={"g1"}, retrieved=[m.Hit("n1", "all about g1")])
    assert m.recall_at([miss], 10) == 0.0


def test_answer_accuracy_pass_and_fail() -> None:
    assert m.answer_accuracy([_good()]) == 1.0
    wrong = _result(answer="The council allocated \u00a33m [1]")
    assert m.answer_accuracy([wrong]) == 0.0
    partial_word = _result(answers=["19"], answer="It made 190 recommendations.")
    assert m.answer_accuracy([partial_word]) == 0.0
    abstained = _result(answer="£2m", abstained=True)
    assert m.answer_accuracy([abstained]) == 0.0


def test_answers_are_compared_as_numbers_and_words() -> None:
    said = "RESOLVED: That the Precept should be raised by £800.00 to £7,400.00, from 6th April-2nd May (19:30-20:00)."
    for gold in ("£800", "800.00", "£7,400", "7400", "6th April", "19:30"):
        assert m.answer_accuracy([_result(answers=[gold], answer=said)]) == 1.0, gold
    for wrong in ("£80", "800.5", "April-2", "7,40"):
        assert m.answer_accuracy([_result(answers=[wrong], answer=said)]) == 0.0, wrong


def test_citation_support_pass_and_fail() -> None:
    assert m.citation_support([_good()]) == 1.0
    elsewhere = _good()
    elsewhere.citations = [m.CitedQuote("p1", "Unrelated text.", "Unrelated", 0, 9)]
    assert m.citation_support([elsewhere]) == 0.0


def test_quote_fidelity_pass_and_fail() -> None:
    assert m.quote_fidelity([_good()]) == 1.0
    shifted = _good()
    c = shifted.citations[0]
    shifted.citations = [m.CitedQuote(c.paragraph_id, c.paragraph_text, c.quote, c.start + 1, c.end + 1)]
    assert m.quote_fidelity([shifted]) == 0.0
    invented = _good()
    invented.citations = [m.CitedQuote("p2", PARA, "the allocation of \u00a35m", 0, 21)]
    assert m.quote_fidelity([_good(), invented]) == 0.5
    assert m.quote_fidelity([_result()]) is None


def test_abstention_and_false_abstention_pass_and_fail() -> None:
    unanswerable_declined = _result(answerable=False, answers=[], evidence=[], abstained=True)
    unanswerable_answered = _result(answerable=False, answers=[], evidence=[], answer="Something [1]")
    assert m.abstention_rate([unanswerable_declined, unanswerable_answered]) == 0.5
    declined = _result(abstained=True)
    assert m.false_abstention([_good(), declined]) == 0.5
    assert m.false_abstention([_good()]) == 0.0
    assert m.abstention_rate([_good()]) is None


def test_percentiles_and_summary() -> None:
    assert m.percentile([5.0, 1.0, 3.0, 2.0, 4.0], 50) == 3.0
    assert m.percentile([float(i) for i in range(1, 101)], 95) == 95.0
    assert m.percentile([], 50) is None
    summary = m.summarise([_good(), _result(answerable=False, answers=[], evidence=[], abstained=True)])
    assert summary["questions"] == 2 and summary["unanswerable"] == 1
    assert summary["recall@5"] == 1.0 and summary["abstention"] == 1.0 and summary["quote_fidelity"] == 1.0


def test_abstention_curve_moves_with_the_threshold() -> None:
    sure = _good()
    sure.confidence = 0.8
    unsure = _result(answerable=False, answers=[], evidence=[], answer="x [1]", confidence=0.3)
    low, mid, high = m.abstention_curve([sure, unsure], [0.1, 0.5, 0.9])
    assert (low.abstention, low.false_abstention) == (0.0, 0.0)
    assert (mid.abstention, mid.false_abstention, mid.accuracy) == (1.0, 0.0, 1.0)
    assert (high.abstention, high.false_abstention, high.accuracy) == (1.0, 1.0, 0.0)


# ------------------------------------------------------------------ sets
def test_loaders_read_each_format(tmp_path: Path) -> None:
    council = load_council(FIXTURES / "council_dev.jsonl")
    assert len(council.questions) == 19 and council.documents is None
    assert sum(not q.answerable for q in council.questions) == 4
    squad = load_squad2(FIXTURES / "squad2_tiny.json")
    assert squad.documents and len(squad.documents[0].paragraphs) == 3
    assert {q.answerable for q in squad.questions} == {True, False}
    assert all(q.gold for q in squad.questions if q.answerable)
    qmsum = load_qmsum(FIXTURES / "qmsum_tiny.jsonl")
    assert qmsum.documents and len(qmsum.documents[0].paragraphs) == 10
    assert qmsum.questions[1].gold == {(qmsum.documents[0].doc_id, 3), (qmsum.documents[0].doc_id, 4)}
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": ""}\n')
    with pytest.raises(ConfigError, match="bad.jsonl:1: `question` must be a non-empty string"):
        load_council(bad)
    bad.write_text("not json\n")
    with pytest.raises(ConfigError, match="bad.jsonl:1: not JSON"):
        load_council(bad)


def test_council_questions_saved_by_other_tools_read_as_written(tmp_path: Path) -> None:
    """A byte-order mark, Windows line ends and blank lines are how editors save
    files; one answer given as a string is one answer, not its characters."""
    path = tmp_path / "q.jsonl"
    rows = [{"id": "a", "question": "What was the vote?", "answers": "6-1", "evidence": "Carried 6-1."},
            {"id": "b", "question": "Who?", "answerable": False}]
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n\r\n".join(json.dumps(r) for r in rows).encode() + b"\r\n")
    a, b_ = load_council(path).questions
    assert (a.answers, a.evidence, a.answerable) == (["6-1"], ["Carried 6-1."], True)
    assert (b_.answers, b_.answerable) == ([], False)


def test_a_blank_answer_or_evidence_is_none(tmp_path: Path) -> None:
    """An empty accepted answer is inside every reply, and empty evidence inside
    every paragraph: blank texts count as not given."""
    path = tmp_path / "q.jsonl"
    rows = [{"id": "a", "question": "Who?", "answerable": False, "answers": [], "evidence": ""},
            {"id": "b", "question": "How much?", "answers": ["£600", " "], "evidence": ["£600 plus VAT", ""]}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    a, b_ = load_council(path).questions
    assert (a.answers, a.evidence) == ([], [])
    assert (b_.answers, b_.evidence) == (["£600"], ["£600 plus VAT"])


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"question": "Who?", "answerable": "false"}', "q.jsonl:3: `answerable` must be true or false, got 'false'"),
        ('{"question": "Who?", "answers": {"text": "X"}}', "q.jsonl:3: `answers` must be a string or a list of"),
        ('{"question": "Who?", "evidence": [["nested"]]}', "q.jsonl:3: `evidence` must be a string or a list of"),
    ],
)
def test_a_council_field_of_the_wrong_type_names_its_line_and_field(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"question": "Fine?"}\n\n' + line + "\n")
    with pytest.raises(ConfigError, match=message.replace("?", r"\?")):
        load_council(path)


def test_a_question_file_not_in_utf8_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_bytes(b'{"question": "Fine?"}\n{"question": "How much was the \xa3 grant?"}\n')
    with pytest.raises(ConfigError, match="q.jsonl:2: not UTF-8 text"):
        load_council(path)
    with pytest.raises(ConfigError, match="cannot read the question file"):
        load_council(tmp_path / "missing.jsonl")


def test_sample_is_seeded_and_ordered() -> None:
    questions = load_council(FIXTURES / "council_dev.jsonl").questions
    a = sample(questions, 5, 1)
    assert a == sample(questions, 5, 1) and len(a) == 5
    assert [q.id for q in a] == sorted(q.id for q in a)
    assert sample(questions, None, 1) == questions


# ------------------------------------------------------------------ runs
@pytest.fixture()
def shared_model(monkeypatch: pytest.MonkeyPatch, embedder: MiniLMEmbedder) -> None:
    monkeypatch.setattr("qa_app.eval.runner.make_embedder", lambda _settings, **_kw: embedder)


def test_squad2_run_with_baseline(shared_model: None, tmp_path: Path) -> None:
    report = run_eval(EvalOptions(path=FIXTURES / "squad2_tiny.json", fmt="squad2", k=3, baseline=True,
                                  work_dir=tmp_path / "squad", details=tmp_path / "details.jsonl"))
    assert report.system["questions"] == 9 and report.system["unanswerable"] == 3
    assert report.system["quote_fidelity"] == 1.0
    assert report.system["recall@3"] is not None and report.baseline is not None
    assert report.baseline["abstention"] == 0.0 and report.baseline["quote_fidelity"] is None
    assert len((tmp_path / "details.jsonl").read_text().splitlines()) == 9
    text = report.render()
    assert "engine" in text and "baseline" in text and "recall@3" in text
    json.dumps(report.to_json())


def test_qmsum_run_scores_gold_turns(shared_model: None, tmp_path: Path) -> None:
    report = run_eval(EvalOptions(path=FIXTURES / "qmsum_tiny.jsonl", fmt="qmsum", k=3, calibrate=True))
    assert report.system["questions"] == 3
    assert report.system["gold_recall@3"] is not None
    assert report.system["abstention"] is None
    assert report.curve and report.curve[0].threshold == 0.0


@pytest.mark.parametrize(("name", "total", "answerable_count"),
                         [("realcorpus_fresh.jsonl", 25, 19), ("realcorpus_fresh2.jsonl", 30, 20),
                          ("realcorpus_fresh3.jsonl", 40, 24), ("realcorpus_fresh4.jsonl", 40, 24),
                          ("realcorpus_fresh5.jsonl", 40, 24)])
def test_fresh_real_paper_questions_are_well_formed(name: str, total: int, answerable_count: int) -> None:
    """The questions written after the fit load as the real-paper format, and
    every accepted answer lies inside its quoted evidence (else the evaluation
    could never count it right)."""
    path = Path(__file__).resolve().parents[1] / "bench" / "data" / name
    questions = load_council(path).questions
    assert len({q.id for q in questions}) == len(questions) == total
    answerable = [q for q in questions if q.answerable]
    assert len(answerable) == answerable_count
    for q in answerable:
        assert q.answers and len(q.evidence) == 1, q.id
        assert all(m.normalise_answer(a) in m.normalise_answer(q.evidence[0]) for a in q.answers), q.id
    assert all(not q.answers and not q.evidence for q in questions if not q.answerable)
