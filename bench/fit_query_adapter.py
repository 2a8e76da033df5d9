"""Fit the query adapter and write `qa_app/models/query_adapter.npz`.

    python bench/fit_query_adapter.py --written EVALDATA/uk-parl-written-qa-mhclg/written_questions_mhclg.jsonl \\
        --squad SQUAD_DIR/dev-v2.0.json --qmsum-train EVALDATA/qmsum-committee/train.jsonl \\
        --papers RC_STORE REALCORPUS_DIR/questions.jsonl bench/splits/realcorpus.json \\
        --papers COUNCIL_STORE tests/fixtures/council_dev.jsonl \\
        [--out qa_app/models/query_adapter.npz] [--seed 13]

(the command that wrote the shipped artefact; RC_STORE and COUNCIL_STORE are
`python -m ingest` stores of the real papers and of `corpus/`; docs/BENCHMARKS.md
has its figures)

Labelled pairs, each a question and the paragraphs that answer it, from three
public sources: written questions of the local-government department and their
answers (only the answers `written_split.for_fitting` gives to fitting; the
benchmarks ask the others), SQuAD 2.0 dev questions outside the seeded
evaluation sample (`python -m qa_app eval --format squad2 --limit 1000`), and
the QMSum committee train split (a query and the turns of its relevant spans).
With `--papers`, council questions over stores the product built join them
(named papers1, papers2, … in the artefact, in the order given). Everything is
embedded with the product's ONNX embedder.

The adapter is a matrix W; a question's vector q becomes normalise(q + q W).
W is fitted with PyTorch to a contrastive loss: for each question, the softmax
over every paragraph of its source must put its weight on the answering
paragraphs, with an L2 penalty pulling W to zero (the plain model). The
penalty and the step's scale are chosen on a held-out fifth of each source
(grouped by answer, article or meeting), as the mean ratio of recall with the
adapter to recall without over the sources with at least 20 held-out
questions (the council sets are too small to judge by, so they only train);
W is then refitted on all the pairs.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from scale_corpus import _paragraphs, _read_jsonl  # noqa: E402
from written_split import for_fitting  # noqa: E402

from ingest.model import MODEL_NAME  # noqa: E402
from ingest.onnx_embedder import OnnxEmbedder  # noqa: E402
from qa_app.eval.datasets import EvalDocument, load_qmsum, load_squad2, sample  # noqa: E402
from qa_app.query_adapter import ADAPTER_PATH, QueryAdapter  # noqa: E402

logger = logging.getLogger("fit_query_adapter")

TEMPERATURE = 0.05
"""The softmax temperature of the shipped fit; `--temperature` measures others
(docs/BENCHMARKS.md, "the query adapter's temperature chosen with its penalty and scale":
0.02 won the held-out fifths and lost the written answers and QMSum val)."""
EPOCHS = 20
BATCH = 128
PENALTIES = (0.01, 0.03, 0.1)
SCALES = (0.5, 1.0, 1.5)
MIN_JUDGING_QUESTIONS = 20


@dataclass
class Source:
    """One source's paragraphs, its questions, each question's answering
    paragraphs (indices) and group (answers of one group stay on one side of
    the validation split); `top` is how deep a hit counts, `paper` maps each
    paragraph to its paper when hits count by paper."""

    name: str
    passages: list[str]
    questions: list[str]
    positives: list[list[int]]
    groups: list[str]
    top: int
    paper: list[int] | None = None
    vectors: dict[str, np.ndarray] = field(default_factory=dict)


def written_source(path: Path) -> Source:
    passages: list[str] = []
    paper: list[int] = []
    where: dict[str, list[int]] = {}
    questions: list[str] = []
    positives: list[list[int]] = []
    groups: list[str] = []
    for row in _read_jsonl(path):
        answer, question = str(row.get("answer_text") or "").strip(), str(row.get("question") or "").strip()
        if not answer or not question or row.get("answer_empty") or not for_fitting(answer):
            continue
        if answer not in where:
            parts = _paragraphs(answer)
            where[answer] = list(range(len(passages), len(passages) + len(parts)))
            paper += [len(where) - 1] * len(parts)
            passages += parts
        questions.append(question)
        positives.append(where[answer])
        groups.append(answer)
    return Source("written", passages, questions, positives, groups, top=5, paper=paper)


def _passages(documents: Iterable[EvalDocument]) -> tuple[list[str], dict[tuple[str, int], int]]:
    """Every paragraph of an evaluation set's documents, and where each (doc, paragraph) landed."""
    index: dict[tuple[str, int], int] = {}
    passages: list[str] = []
    for doc in documents:
        for i, text in enumerate(doc.paragraphs):
            index[(doc.doc_id, i)] = len(passages)
            passages.append(text)
    return passages, index


def squad_source(path: Path, eval_limit: int, seed: int) -> Source:
    squad = load_squad2(path)
    passages, index = _passages(squad.documents or [])
    evaluated = {q.id for q in sample(squad.questions, eval_limit, seed)}
    chosen = [q for q in squad.questions if q.answerable and q.id not in evaluated]
    return Source("squad", passages, [q.question for q in chosen], [[index[g] for g in q.gold] for q in chosen],
                  [next(iter(q.gold))[0] for q in chosen], top=5)


def qmsum_source(path: Path) -> Source:
    qmsum = load_qmsum(path)
    passages, index = _passages(qmsum.documents or [])
    chosen = [q for q in qmsum.questions if q.gold]
    return Source("qmsum", passages, [q.question for q in chosen], [sorted(index[g] for g in q.gold) for q in chosen],
                  [next(iter(q.gold))[0] for q in chosen], top=10)


def papers_source(name: str, store: Path, questions: Path, split: Path | None, repeat: int) -> Source:
    """Council questions over a store the product built: each answerable question
    with evidence, and the paragraphs holding it (`contains_evidence`, as the
    evaluation finds them); only the `tune` half when a split file is given."""
    from ingest.index.catalogue import Catalogue
    from qa_app.eval.datasets import load_council, split_half
    from qa_app.eval.metrics import contains_evidence

    asked = load_council(questions).questions
    if split is not None:
        asked = split_half(asked, split, "tune")
    catalogue = Catalogue(store, read_only=True)
    try:
        _, passages = catalogue.lexical_rows()
    finally:
        catalogue.close()
    chosen, positives = [], []
    for q in asked:
        found = [i for i, text in enumerate(passages)
                 if q.answerable and any(contains_evidence(text, e) for e in q.evidence)]
        if found:
            chosen.append(q.question)
            positives.append(found)
    return Source(name, passages, chosen * repeat, positives * repeat, [str(i) for i in range(len(chosen))] * repeat,
                  top=5)


def embed(sources: list[Source], embedder: OnnxEmbedder) -> None:
    for s in sources:
        logger.info("embedding %s: %d paragraphs, %d questions", s.name, len(s.passages), len(s.questions))
        # Passages in batches, as ingestion stores them; questions each alone, as a question is
        # embedded when asked (int8 vectors move with their batch mates).
        s.vectors = {"passages": embedder.embed_documents(s.passages),
                     "questions": embedder.embed_each(s.questions)}


def split(source: Source, seed: int) -> tuple[list[int], list[int]]:
    """Question indices for fitting and for validation: a fifth of the groups held out."""
    groups = sorted(set(source.groups))
    held = set(random.Random(seed).sample(groups, len(groups) // 5))
    fit = [i for i, g in enumerate(source.groups) if g not in held]
    return fit, [i for i, g in enumerate(source.groups) if g in held]


def fit(sources: list[Source], chosen: list[list[int]], penalty: float, seed: int,
        temperature: float = TEMPERATURE) -> np.ndarray:
    import torch

    torch.manual_seed(seed)
    dim = sources[0].vectors["questions"].shape[1]
    w = torch.zeros(dim, dim, requires_grad=True)
    optimiser = torch.optim.Adam([w], lr=1e-3)
    data = []
    for s, rows in zip(sources, chosen, strict=True):
        passages = torch.tensor(s.vectors["passages"])
        questions = torch.tensor(s.vectors["questions"][rows])
        mask = torch.zeros(len(rows), len(s.passages), dtype=torch.bool)
        for r, i in enumerate(rows):
            mask[r, s.positives[i]] = True
        data.append((passages, questions, mask))
    for _ in range(EPOCHS):
        steps = [(n, order[start : start + BATCH]) for n, (_, questions, _) in enumerate(data)
                 for order in [torch.randperm(len(questions))] for start in range(0, len(questions), BATCH)]
        for n in torch.randperm(len(steps)).tolist():  # the sources' batches interleaved
            source, batch = steps[n]
            passages, questions, mask = data[source]
            q = questions[batch] + questions[batch] @ w
            q = q / q.norm(dim=1, keepdim=True)
            logits = q @ passages.T / temperature
            right = torch.logsumexp(logits.masked_fill(~mask[batch], -1e9), dim=1)
            loss = (torch.logsumexp(logits, dim=1) - right).mean() + penalty * (w**2).sum()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    return w.detach().numpy()


def recall(source: Source, rows: list[int], matrix: np.ndarray | None) -> float:
    """Share of the questions with an answering paragraph (or paper) in the top."""
    q = source.vectors["questions"][rows]
    if matrix is not None:
        q = q + q @ matrix
        q = q / np.linalg.norm(q, axis=1, keepdims=True)
    scores = q @ source.vectors["passages"].T
    hits = 0
    for r, i in enumerate(rows):
        if source.paper is None:
            top = np.argsort(-scores[r])[: source.top]
            hits += bool(set(top.tolist()) & set(source.positives[i]))
        else:
            best: dict[int, float] = {}
            for p in np.argsort(-scores[r])[: 50 * source.top]:
                best.setdefault(source.paper[p], float(scores[r, p]))
            hits += source.paper[source.positives[i][0]] in list(best)[: source.top]
    return hits / max(len(rows), 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--written", type=Path, required=True, help="written_questions_mhclg.jsonl")
    parser.add_argument("--squad", type=Path, required=True, help="SQuAD 2.0 dev JSON")
    parser.add_argument("--qmsum-train", type=Path, required=True, help="QMSum committee train.jsonl")
    parser.add_argument("--squad-eval-limit", type=int, default=1000, help="size of the SQuAD evaluation sample")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--temperature", type=float, default=TEMPERATURE,
                        help=f"softmax temperature of the contrastive loss (default {TEMPERATURE}, the shipped fit)")
    parser.add_argument("--out", type=Path, default=ADAPTER_PATH)
    parser.add_argument("--papers", nargs="+", action="append", default=[], metavar="STORE QUESTIONS [SPLIT]",
                        help="a store the product built and council questions over it (the tune half of SPLIT)")
    parser.add_argument("--papers-repeat", type=int, default=10,
                        help="how many times each council question counts (they are few beside the others)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    sources = [written_source(args.written), squad_source(args.squad, args.squad_eval_limit, args.seed),
               qmsum_source(args.qmsum_train)]
    for n, given in enumerate(args.papers):
        if len(given) not in (2, 3):
            parser.error("--papers takes STORE QUESTIONS [SPLIT]")
        sources.append(papers_source(f"papers{n + 1}", Path(given[0]), Path(given[1]),
                                     Path(given[2]) if len(given) == 3 else None, args.papers_repeat))
    embed(sources, OnnxEmbedder("onnx-int8"))
    splits = [split(s, args.seed) for s in sources]
    plain = [recall(s, held, None) for s, (_, held) in zip(sources, splits, strict=True)]
    # The choice is judged on sources with enough held-out questions to measure; the few council ones only train.
    judges = [len({s.questions[i] for i in held}) >= MIN_JUDGING_QUESTIONS
              for s, (_, held) in zip(sources, splits, strict=True)]
    print("validation recall, plain model:", {s.name: round(r, 3) for s, r in zip(sources, plain, strict=True)})
    table: list[dict[str, object]] = []
    for penalty in PENALTIES:
        w = fit(sources, [rows for rows, _ in splits], penalty, args.seed, args.temperature)
        for scale in SCALES:
            got = [recall(s, held, scale * w) for s, (_, held) in zip(sources, splits, strict=True)]
            gain = float(np.mean([g / max(p, 1e-9) for g, p, judged in zip(got, plain, judges, strict=True) if judged]))
            table.append({"penalty": penalty, "scale": scale, "gain": round(gain, 4),
                          **{s.name: round(g, 3) for s, g in zip(sources, got, strict=True)}})
            print(table[-1], flush=True)
    best = max(table, key=lambda row: float(row["gain"]))  # type: ignore[arg-type]
    print("chosen:", best)
    w = fit(sources, [list(range(len(s.questions))) for s in sources], float(best["penalty"]),  # type: ignore[arg-type]
            args.seed, args.temperature)
    meta: dict[str, object] = {
        "fitted": date.today().isoformat(), "temperature": args.temperature, "epochs": EPOCHS,
        "penalty": best["penalty"], "scale": best["scale"],
        "pairs": {s.name: len(s.questions) for s in sources},
        "validation": {"plain": {s.name: round(r, 3) for s, r in zip(sources, plain, strict=True)}, "grid": table},
    }
    QueryAdapter(matrix=float(best["scale"]) * w, model=MODEL_NAME, meta=meta).save(args.out)  # type: ignore[arg-type]
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
