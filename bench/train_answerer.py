"""Fit the answer models and write `qa_app/models/answerer.json`.

    python bench/train_answerer.py --council-questions tests/fixtures/council_dev.jsonl --council-papers corpus \
        --realcorpus REALCORPUS_DIR --split bench/splits/realcorpus.json \
        --squad SQUAD_DIR/dev-v2.0.json --work-dir WORK_DIR \
        --near-miss-councils EVALDATA/uk-parl-written-qa-mhclg/written_questions_mhclg.jsonl --hidden-evidence

(the command that wrote the shipped artefact; docs/BENCHMARKS.md has its figures)

Builds (or reuses) a store per set through the product's own ingestion and
evaluation-store code, retrieves for every question with the product's
retriever, turns each sentence of the top paragraphs into the answerer's
feature row, and fits with scikit-learn:

- the sentence scorer: a linear model fitted to rank (`--sentence-objective
  pairwise`, the default: a logistic regression on the differences between
  each question's right and wrong sentences, then scaled to probabilities)
  or a logistic regression on each sentence alone (`pointwise`); a sentence
  is right when it contains an accepted answer and lies in a paragraph holding
  the evidence (SQuAD: the gold paragraph);
- the abstention model: a logistic regression on features of the best
  candidates, labelled answerable / unanswerable, fitted on out-of-fold sentence
  scores; its threshold is the highest whose out-of-fold false abstention stays
  within `--target-false-abstention`, the median over 20 shuffled
  cross-validations (one split alone moves it by about 0.015). With `--near-miss-councils`, every
  answerable council training question that names a council or a year also
  yields near-miss unanswerable variants (`answer_augment.py`); with
  `--hidden-evidence`, every answerable training question is also asked
  without its evidence paragraphs, an unanswerable example
  (`qa_app.eval.training.collect_hidden`). A question's variants share one
  cross-validation fold.

The artefact also records each council dev question's P(answerable) under the
new models, and a digest of its deeper results, those the hidden-evidence
examples are drawn from (`info.fingerprint`); tests recompute both from the
bundled papers with today's code and fail when a change to the features, the
reading or the retrieval has left the fit behind.

Training data: the council dev set, the tune half of the real-paper questions
and a seeded sample of SQuAD 2.0 dev drawn from outside the evaluation sample
(`--squad-eval-limit` questions at `--seed`, what `python -m qa_app eval
--format squad2 --limit 1000` evaluates). The held half of the real-paper
questions and part of that SQuAD evaluation sample are scored at the end.
"""

from __future__ import annotations

import argparse
import logging
import os
import pickle
import random
import sys
from datetime import date
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from answer_augment import foreign_places, near_misses  # noqa: E402
from answer_fit import OBJECTIVES, fit_models, held_figures, print_figures  # noqa: E402

from ingest.chunk import chunking_signature  # noqa: E402
from ingest.config import Settings  # noqa: E402
from ingest.embed import Embedder  # noqa: E402
from ingest.index import PaperStore  # noqa: E402
from ingest.library import make_embedder  # noqa: E402
from ingest.pipeline import run as ingest_run  # noqa: E402
from qa_app.answerers.extractive import ExtractiveAnswerer  # noqa: E402
from qa_app.answerers.features import FEATURES  # noqa: E402
from qa_app.engine import QAEngine  # noqa: E402
from qa_app.eval.corpus_store import build_store, paragraph_ids  # noqa: E402
from qa_app.eval.datasets import EvalQuestion, load_council, load_squad2, sample, split_half  # noqa: E402
from qa_app.eval.training import (  # noqa: E402
    Example,
    collect,
    collect_hidden,
    fingerprint,
    label,
    vectors_made_by,
    wide_fingerprint,
)
from qa_app.models import MODEL_PATH  # noqa: E402

logger = logging.getLogger("train_answerer")


def _paper_store(folder: Path, papers: Path, embedder: Embedder, rebuild: bool) -> PaperStore:
    """A store of the papers under `papers`, built (or brought up to date) by the
    ingestion pipeline; `rebuild` re-parses every paper (after a parsing change,
    which leaves the files' hashes, and so the incremental update, unchanged)."""
    settings = Settings()
    store = PaperStore(folder, embedder_name=embedder.name, chunking=chunking_signature(embedder.max_tokens))
    if rebuild:
        store.reset()
    report = ingest_run([papers], store, embedder, max_bytes=settings.max_file_bytes)
    logger.info("%s: %d papers, %d failed", folder, report.documents, len(report.failed))
    return store


def _examples(
    store: PaperStore, embedder: Embedder, sets: dict[str, list[EvalQuestion]], k: int,
    gold_map: dict[tuple[str, int], str] | None = None, hidden: tuple[str, ...] = (),
) -> dict[str, list[Example]]:
    """Featurised examples per set; each set named in `hidden` also yields
    `<set>_hidden`, its answerable questions asked without their evidence."""
    engine = QAEngine(Settings(store_dir=store.store_dir), embedder=embedder, store=store)
    engine.warm_up()
    answerer = ExtractiveAnswerer(embedder, idf=store.idf)
    try:
        out = {name: collect(qs, name, engine.retriever, answerer, k, gold_map) for name, qs in sets.items()}
        for name in hidden:
            out[f"{name}_hidden"] = collect_hidden(sets[name], f"{name}_hidden", engine.retriever, answerer, k,
                                                   gold_map)
        return out
    finally:
        store.close()


def gather(args: argparse.Namespace, embedder: Embedder) -> dict[str, list[Example]]:
    """Every labelled example, per set."""
    work: Path = args.work_dir
    out: dict[str, list[Example]] = {}
    council = _paper_store(args.council_store or work / "council", args.council_papers, embedder, args.rebuild)
    real = _paper_store(args.realcorpus_store or work / "realcorpus", args.realcorpus / "papers", embedder,
                        args.rebuild)
    dev = load_council(args.council_questions).questions
    questions = load_council(args.realcorpus / "questions.jsonl").questions
    halves = {f"realcorpus_{h}": split_half(questions, args.split, h) for h in ("tune", "held")}
    places: list[str] = []
    if args.near_miss_councils:
        known = {d.meta.council for s in (council, real) for d in s.documents() if d.meta.council}
        places = foreign_places(args.near_miss_councils, known)
    def hidden(name: str) -> tuple[str, ...]:
        return (name,) if args.hidden_evidence else ()

    out.update(_examples(council, embedder, {"council_dev": dev,
                                             "council_dev_near": near_misses(dev, places, args.seed)}, args.k,
                         hidden=hidden("council_dev")))
    halves["realcorpus_tune_near"] = near_misses(halves["realcorpus_tune"], places, args.seed)
    real_hidden = hidden("realcorpus_tune")
    if args.extra_questions:
        halves["realcorpus_extra"] = [q for path in args.extra_questions for q in load_council(path).questions]
        halves["realcorpus_extra_near"] = near_misses(halves["realcorpus_extra"], places, args.seed)
        real_hidden += hidden("realcorpus_extra")
    out.update(_examples(real, embedder, halves, args.k, hidden=real_hidden))
    squad = load_squad2(args.squad)
    documents = squad.documents or []
    evaluated = sample(squad.questions, args.squad_eval_limit, args.seed)
    chosen = {q.id for q in evaluated}
    rest = [q for q in squad.questions if q.id not in chosen]
    store = build_store(documents, embedder, work / "squad", chunking_signature(embedder.max_tokens))
    squad_sets = {"squad_train": sample(rest, args.squad_train, args.seed),
                  "squad_held": sample(evaluated, args.squad_held, args.seed)}
    out.update(_examples(store, embedder, squad_sets, args.k, paragraph_ids(documents), hidden=hidden("squad_train")))
    return out


def _council_wide(args: argparse.Namespace, embedder: Embedder) -> dict[str, str]:
    """The council dev questions' deeper results on the council store, as the
    hidden-evidence examples draw them (`wide_fingerprint`)."""
    store = _paper_store(args.council_store or args.work_dir / "council", args.council_papers, embedder, False)
    try:
        engine = QAEngine(Settings(store_dir=store.store_dir), embedder=embedder, store=store)
        return wide_fingerprint(load_council(args.council_questions).questions, engine.retriever, args.k)
    finally:
        store.close()


def _cached(path: Path) -> dict[str, list[Example]] | None:
    if not path.is_file():
        return None
    features, examples = pickle.loads(path.read_bytes())
    if features != FEATURES:
        return None
    for sets in examples.values():  # labels follow today's answer-judging rule
        for e in sets:
            e.positive = label(e.question, e.candidates, e.gold_ids)
    return examples


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--council-questions", type=Path, required=True, help="council dev JSONL")
    p.add_argument("--council-papers", type=Path, required=True, help="folder of the council dev papers")
    p.add_argument("--realcorpus", type=Path, required=True, help="REALCORPUS_DIR (papers/, questions.jsonl)")
    p.add_argument("--council-store", type=Path, help="reuse (and update) this store of the council dev papers")
    p.add_argument("--realcorpus-store", type=Path, help="reuse (and update) this store of the real papers")
    p.add_argument("--split", type=Path, required=True, help="split file with tune_questions / held_questions")
    p.add_argument("--squad", type=Path, required=True, help="SQuAD 2.0 dev JSON")
    p.add_argument("--squad-train", type=int, default=1500, help="SQuAD questions to train on (default 1500)")
    p.add_argument("--squad-eval-limit", type=int, default=1000, help="size of the SQuAD evaluation sample")
    p.add_argument("--squad-held", type=int, default=200, help="SQuAD evaluation questions scored here")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--k", type=int, default=10, help="paragraphs retrieved per question")
    p.add_argument("--target-false-abstention", type=float, default=0.10)
    p.add_argument("--squad-share", type=float, default=0.75,
                   help="weight of SQuAD against the council questions in both fits (default 0.75, chosen by "
                        "5-fold cross-validation over the council training questions)")
    p.add_argument("--sentence-objective", choices=OBJECTIVES, default="pairwise",
                   help="fit the sentence scorer to rank each question's right sentences above its wrong ones "
                        "(pairwise, the default) or to classify each sentence alone (pointwise)")
    p.add_argument("--sentence-c", type=float, default=0.001,
                   help="inverse regularisation of the sentence scorer (default 0.001, chosen by 5-fold "
                        "cross-validation over the training questions)")
    p.add_argument("--work-dir", type=Path, required=True, help="a scratch folder; stores are built here")
    p.add_argument("--out", type=Path, default=MODEL_PATH, help="artefact to write")
    p.add_argument("--near-miss-councils", type=Path,
                   help="JSONL data set whose council names make near-miss unanswerable training questions")
    p.add_argument("--hidden-evidence", action="store_true",
                   help="also train on each answerable training question asked without its evidence "
                        "paragraphs, labelled unanswerable")
    p.add_argument("--extra-questions", type=Path, action="append", default=[],
                   help="more labelled questions over the real papers (the real-paper question format), trained "
                        "on as the tune half is; repeatable")
    p.add_argument("--rebuild", action="store_true",
                   help="re-ingest the council and real-paper stores from scratch (after a parsing change)")
    p.add_argument("--reuse-examples", action="store_true",
                   help="reuse the featurised questions of the last run in --work-dir when the features are unchanged")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    embedder = make_embedder(Settings())
    embedder.warm_up()
    train_sets: tuple[str, ...] = (
        "council_dev", "council_dev_near", "realcorpus_tune", "realcorpus_tune_near", "squad_train")
    if args.hidden_evidence:
        train_sets += ("council_dev_hidden", "realcorpus_tune_hidden", "squad_train_hidden")
    if args.extra_questions:
        train_sets += ("realcorpus_extra", "realcorpus_extra_near") + (
            ("realcorpus_extra_hidden",) if args.hidden_evidence else ())
    cache = args.work_dir / "examples.pkl"
    examples = _cached(cache) if args.reuse_examples else None
    if examples is None or any(name not in examples for name in train_sets):
        examples = gather(args, embedder)
        cache.write_bytes(pickle.dumps((FEATURES, examples)))
    train = [e for name in train_sets if name in examples for e in examples[name]]
    models = fit_models(train, args.target_false_abstention, seed=args.seed, squad_share=args.squad_share,
                        objective=args.sentence_objective, sentence_c=args.sentence_c)
    figures = {name: held_figures(models, examples[name]) for name in ("realcorpus_held", "squad_held")}
    figures["train (in-sample)"] = held_figures(models, train)
    models.info.update(
        fitted=date.today().isoformat(),
        training={name: len(examples[name]) for name in train_sets if name in examples},
        held=figures,
        fingerprint={"set": "council_dev", "k": args.k,
                     "answerable": fingerprint(examples["council_dev"], ExtractiveAnswerer(models=models)),
                     "wide": _council_wide(args, embedder), "vectors": vectors_made_by(embedder)},
    )
    models.save(args.out)
    print_figures(models, figures)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    random.seed(0)
    np.random.seed(0)
    sys.exit(main())
