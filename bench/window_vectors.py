"""Probe: would vectors of paragraph runs (windows), fused beside the paragraph
rankings, find more? Nothing here is shipped; it measures before building.

    python bench/window_vectors.py written --store WA_WORK/index --questions WA_WORK/questions.jsonl
    python bench/window_vectors.py evidence --store RC_STORE --questions REALCORPUS_DIR/questions.jsonl \\
        --split bench/splits/realcorpus.json
    python bench/window_vectors.py evidence --store RC_STORE --questions bench/data/realcorpus_fresh.jsonl
    python bench/window_vectors.py known-items --store SCALE_WORK/size-100000/index \\
        --questions SCALE_WORK/size-100000/questions.jsonl
    python bench/window_vectors.py eval --store QMSUM_WORK --weight 0.5 -- \\
        --format qmsum --questions QMSUM_DIR/val.jsonl --work-dir QMSUM_WORK --baseline

(WA_WORK is a `bench/written_answers.py` work folder, SCALE_WORK a `bench/scale.py` one,
RC_STORE a `python -m ingest` store of the real papers.)

Each window is a paper's title and a run of its consecutive paragraphs up to
`--window-chars`, one starting at every paragraph, as the LangChain-tutorial
baseline embeds 1,000-character chunks. Windows are embedded with the product's
embedder (in memory, cached beside nothing: the store is only read). A question's
window ranking is its adapted vector's nearest windows, each window's paragraphs
in reading order, and it joins the retriever's reciprocal rank fusion at each
`--weight` (0 is the shipped retrieval). The right paper (written answers, known
items) or the evidence paragraph (real papers) in the top 5 is printed per weight
and per half. The `eval` task instead runs `python -m qa_app eval` with the
arguments after `--`, once per weight, over the store its `--work-dir` keeps
(QMSum, SQuAD 2.0).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from scale import _questions as scale_questions  # noqa: E402  (beside this script)
from tune_retrieval import _alnum  # noqa: E402

import qa_app.retrieval as retrieval_module  # noqa: E402
from ingest.config import load_settings  # noqa: E402
from ingest.library import make_embedder, open_store  # noqa: E402
from ingest.types import Paragraph  # noqa: E402
from qa_app.fusion import rrf  # noqa: E402
from qa_app.retrieval import HybridRetriever  # noqa: E402
from qa_app.types import RetrievedParagraph  # noqa: E402

logger = logging.getLogger("bench.window_vectors")


def paper_windows(title: str, paragraphs: Sequence[Paragraph], chars: int) -> list[tuple[str, list[str]]]:
    """A paper's windows: its title and a run of consecutive paragraphs of at most
    `chars` characters (one paragraph however long), one starting at each
    paragraph until a run reaches the paper's end. Each comes with the ids it spans."""
    windows: list[tuple[str, list[str]]] = []
    for start in range(len(paragraphs)):
        text, ids = "", list[str]()
        for p in paragraphs[start:]:
            if ids and len(text) + len(p.text) > chars:
                break
            text, ids = f"{text}\n\n{p.text}".strip(), [*ids, p.id]
        windows.append((f"{title}\n\n{text}", ids))
        if ids[-1] == paragraphs[-1].id:
            break
    return windows


def build_windows(retriever: HybridRetriever, chars: int) -> tuple[list[list[str]], np.ndarray]:
    """Every paper's windows (the paragraph ids each spans) and their vectors."""
    windows = [w for doc in retriever.store.documents()
               for w in paper_windows(doc.meta.title, retriever.store.paragraphs_of(doc.doc_id), chars)]
    started = time.perf_counter()
    vectors = np.asarray(retriever.embedder.embed_documents([text for text, _ in windows]), dtype=np.float32)
    logger.info("%d windows embedded in %.0f s", len(windows), time.perf_counter() - started)
    return [ids for _, ids in windows], vectors


def window_ranking(retriever: HybridRetriever, spans: list[list[str]], vectors: np.ndarray,
                   question: str, n: int) -> list[str]:
    vector = retriever.search_vector(retriever.embedder.embed_query(question))
    ranked: list[str] = []
    for i in np.argsort(-(vectors @ vector))[:n]:
        ranked += [pid for pid in spans[i] if pid not in ranked]
    return ranked[:n]


def run_eval(retriever: HybridRetriever, spans: list[list[str]], vectors: np.ndarray, weight: float,
             eval_args: list[str], candidates: int) -> int:
    """`python -m qa_app eval` with the window ranking of each question fused in."""
    return eval_with(WithWindows(retriever), lambda self, question: window_ranking(
        self, spans, vectors, question, candidates), weight, eval_args)


def eval_with(probe: WithWindows, ranking: Callable[[HybridRetriever, str], list[str]], weight: float,
              eval_args: list[str]) -> int:
    """`python -m qa_app eval` with `ranking(retriever, question)` fused in at `weight`
    for every question the evaluation's own retriever is asked."""
    from qa_app.__main__ import main as cli

    shipped = HybridRetriever.retrieve

    def retrieve(self: HybridRetriever, question: str, k: int = 10, filters: Any = None) -> list[RetrievedParagraph]:
        probe.extra = (ranking(self, question), weight)
        return shipped(self, question, k, filters)

    HybridRetriever.retrieve = retrieve  # type: ignore[method-assign]
    try:
        return cli(["eval", *eval_args])
    finally:
        HybridRetriever.retrieve = shipped  # type: ignore[method-assign]


class WithWindows:
    """Runs the retriever with one more ranking in its fusion (at `weight`)."""

    def __init__(self, retriever: HybridRetriever) -> None:
        self.retriever = retriever
        self.extra: tuple[list[str], float] = ([], 0.0)
        retrieval_module.rrf = self._rrf  # the probe's one seam: the fusion the retriever calls

    def _rrf(self, rankings: list[tuple[list[str], float]], rrf_k: float) -> dict[str, float]:
        return rrf([*rankings, self.extra] if self.extra[1] else rankings, rrf_k)

    def retrieve(self, question: str, ranking: list[str], weight: float) -> list[RetrievedParagraph]:
        self.extra = (ranking, weight)
        return self.retriever.retrieve(question, k=10)


def _halves(task: str, path: Path, split: Path | None) -> dict[str, list[dict[str, Any]]]:
    """The questions asked, by the halves each task reports apart."""
    if task == "known-items":
        return {"sample": list(scale_questions(path, 200, 13))}  # what `bench/scale.py` asks
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    if task == "written":
        return {h: [q for q in rows if q["half"] == h] for h in ("tune", "held")}
    rows = [q for q in rows if q.get("answerable") and q.get("evidence")]
    if split is None:
        return {"all": rows}
    halves = json.loads(split.read_text())
    return {h: [q for q in rows if q["id"] in set(halves[f"{h}_questions"])] for h in ("tune", "held")}


def _hit(task: str) -> Callable[[dict[str, Any], list[RetrievedParagraph]], bool]:
    if task == "evidence":
        return lambda q, got: any(_alnum(str(q["evidence"])) in _alnum(r.paragraph.text) for r in got[:5])
    return lambda q, got: q["gold"] in [Path(r.path).name for r in got[:5]]


def probe_parser(description: str, ranking: str) -> argparse.ArgumentParser:
    """The arguments every ranking probe takes (this one and `paper_vectors.py`)."""
    p = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("task", choices=("written", "evidence", "known-items", "eval"))
    p.add_argument("--store", type=Path, required=True)
    p.add_argument("--questions", type=Path, help="question file (not for eval)")
    p.add_argument("--split", type=Path, help="split file (evidence task): report tune and held apart")
    p.add_argument("--weight", type=float, action="append", help=f"{ranking} ranking weights (default 0, 0.5, 1)")
    p.add_argument("--candidates", type=int, default=50)
    return p


def parse_probe(p: argparse.ArgumentParser, argv: list[str] | None) -> tuple[argparse.Namespace, list[str]]:
    """The probe's own arguments, and those after `--` for `python -m qa_app eval`."""
    argv = sys.argv[1:] if argv is None else argv
    if "--" not in argv:
        return p.parse_args(argv), []
    return p.parse_args(argv[:argv.index("--")]), argv[argv.index("--") + 1:]


def main(argv: list[str] | None = None) -> int:
    p = probe_parser(__doc__ or "", "window")
    p.add_argument("--window-chars", type=int, default=1000)
    args, eval_args = parse_probe(p, argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = load_settings(args.store)
    embedder = make_embedder(settings)
    retriever = HybridRetriever(open_store(settings, embedder), embedder)
    retriever.refresh()
    spans, vectors = build_windows(retriever, args.window_chars)
    if args.task == "eval":
        for weight in args.weight or [0.0, 0.5, 1.0]:
            print(f"== window ranking weight {weight}", flush=True)
            run_eval(retriever, spans, vectors, weight, eval_args, args.candidates)
        return 0
    if args.questions is None:
        p.error("--questions is required for this task")
    halves = _halves(args.task, args.questions, args.split)
    hit = _hit(args.task)
    probe = WithWindows(retriever)
    rankings = {q["question"]: window_ranking(retriever, spans, vectors, q["question"], args.candidates)
                for qs in halves.values() for q in qs}
    for weight in args.weight or [0.0, 0.5, 1.0]:
        found = {h: round(sum(hit(q, probe.retrieve(q["question"], rankings[q["question"]], weight)) for q in qs)
                          / max(1, len(qs)), 3) for h, qs in halves.items()}
        print(json.dumps({"weight": weight, "windows": len(spans), **found}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
