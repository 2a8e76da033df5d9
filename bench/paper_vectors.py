"""Probe: does a ranking of whole papers, each by the mean of its stored chunk
vectors, find more when fused beside the paragraph rankings? It measured the
ranking before it was built (`FusionConfig.paper_weight`) and compares the ways
a paper may speak in the fusion. It embeds nothing: the vectors are the store's own.

    python bench/paper_vectors.py known-items --store SCALE_WORK/size-100000/index \\
        --questions SCALE_WORK/size-100000/questions.jsonl
    python bench/paper_vectors.py written --store WA_WORK/index --questions WA_WORK/questions.jsonl
    python bench/paper_vectors.py evidence --store RC_STORE --questions REALCORPUS_DIR/questions.jsonl \\
        --split bench/splits/realcorpus.json
    python bench/paper_vectors.py eval --store SQUAD_WORK --max-chunks 0 --weight 0.5 -- \\
        --format squad2 --questions SQUAD_DIR/dev-v2.0.json --limit 1000 --work-dir SQUAD_WORK

A paper's vector is the normalised mean of its chunks' vectors. A question's paper
ranking is its adapted vector's nearest papers; each paper speaks through one
paragraph (`--speak`: the one whose chunk is nearest the question; its best
candidate of the other rankings' fusion, as shipped and by default; or every
candidate of the paper shares its place), and that list joins the
retriever's reciprocal rank fusion at each `--weight`, in place of the shipped
paper ranking (`FusionConfig.paper_weight`; weight 0 is retrieval without one).
The right paper (written answers, known items) or the evidence paragraph (real
papers) in the top 5 is printed per weight and per half. The `eval` task instead
runs `python -m qa_app eval` with the arguments after `--`, once per weight, over
the store its `--work-dir` keeps (QMSum, SQuAD 2.0).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tune_fusion import _known_tune  # noqa: E402  (beside this script)
from window_vectors import WithWindows, _halves, _hit, eval_with, parse_probe, probe_parser  # noqa: E402

from ingest.config import load_settings  # noqa: E402
from ingest.index.vectors import PAPER_MAX_CHUNKS, mean_vector  # noqa: E402
from ingest.library import make_embedder, open_store  # noqa: E402
from qa_app.fusion import FusionConfig, rrf  # noqa: E402
from qa_app.retrieval import HybridRetriever  # noqa: E402

logger = logging.getLogger("bench.paper_vectors")
PAGE = 5000


class PaperVectors:
    """Every chunk's vector, read once from the store, and each paper's mean."""

    def __init__(self, retriever: HybridRetriever, max_chunks: int = 0) -> None:
        collection = retriever.store.vectors.collection
        ids: list[str] = []
        metas: list[dict[str, object]] = []
        pages: list[np.ndarray] = []
        offset = 0
        while True:
            got = collection.get(include=["embeddings", "metadatas"], limit=PAGE, offset=offset)
            if not got["ids"]:
                break
            ids += got["ids"]
            metas += got["metadatas"]
            pages.append(np.asarray(got["embeddings"], dtype=np.float32))
            offset += len(got["ids"])
        chunks = np.vstack(pages)
        self.chunks = chunks / np.linalg.norm(chunks, axis=1, keepdims=True)
        self.first_paragraph = [str(m["paragraph_ids"]).split(",")[0] for m in metas]
        self.paper_of = {pid: str(m["doc_id"]) for m in metas for pid in str(m["paragraph_ids"]).split(",")}
        by_paper: dict[str, list[int]] = defaultdict(list)
        for row, meta in enumerate(metas):
            by_paper[str(meta["doc_id"])].append(row)
        self.papers = [d for d, rows in by_paper.items() if not max_chunks or len(rows) <= max_chunks]
        self.rows = [np.asarray(by_paper[d]) for d in self.papers]
        self.means = np.vstack([mean_vector(self.chunks[r]) for r in self.rows])  # as ingestion keeps them
        logger.info("%d chunks, %d papers", len(ids), len(self.papers))

    def ranking(self, vector: np.ndarray, n: int) -> list[str]:
        """The `n` nearest papers, each as its paragraph nearest `vector`."""
        query = vector / (np.linalg.norm(vector) or 1.0)
        chunk_scores = self.chunks @ query
        out: list[str] = []
        for i in np.argsort(-(self.means @ query))[:n]:
            rows = self.rows[i]
            out.append(self.first_paragraph[int(rows[np.argmax(chunk_scores[rows])])])
        return out


class SpeakFused(WithWindows):
    """A paper speaks through its best candidate of the other rankings' fusion, if
    it has one, else through its paragraph nearest the question."""

    def __init__(self, retriever: HybridRetriever, papers: PaperVectors, every: bool = False) -> None:
        super().__init__(retriever)
        self.papers = papers
        self.every = every

    def _rrf(self, rankings: list[tuple[list[str], float]], rrf_k: float) -> dict[str, float]:
        base = rrf(rankings, rrf_k)
        if not self.extra[1]:
            return base
        best: dict[str, str] = {}
        for pid in sorted(base, key=lambda p: -base[p]):
            best.setdefault(self.papers.paper_of.get(pid, ""), pid)
        if not self.every:
            speakers = [best.get(self.papers.paper_of.get(pid, ""), pid) for pid in self.extra[0]]
            return rrf([*rankings, (list(dict.fromkeys(speakers)), self.extra[1])], rrf_k)
        # Every candidate of a ranked paper shares its paper's place; a paper with none speaks by its nearest.
        rank_of = {self.papers.paper_of.get(pid, ""): r for r, pid in enumerate(self.extra[0], start=1)}
        out = dict(base)
        for pid in base:
            r = rank_of.get(self.papers.paper_of.get(pid, ""))
            if r is not None:
                out[pid] += self.extra[1] / (rrf_k + r)
        present = {self.papers.paper_of.get(p, "") for p in base}
        for r, pid in enumerate(self.extra[0], start=1):
            if self.papers.paper_of.get(pid, "") not in present:
                out[pid] = out.get(pid, 0.0) + self.extra[1] / (rrf_k + r)
        return out


def run_eval(probe: WithWindows, ranking: Callable[[str], list[str]], weight: float, eval_args: list[str]) -> int:
    """`python -m qa_app eval` with each question's paper ranking fused in, in place
    of the shipped one."""

    def ranked(retriever: HybridRetriever, question: str) -> list[str]:
        retriever.fusion = replace(retriever.fusion, paper_weight=0.0)
        return ranking(question)

    return eval_with(probe, ranked, weight, eval_args)


def main(argv: list[str] | None = None) -> int:
    p = probe_parser(__doc__ or "", "paper")
    p.add_argument("--speak", choices=("nearest", "fused", "all"), default="fused",
                   help="how a paper joins the fusion: its paragraph nearest the question, its best fused "
                        "candidate (shipped) or all its candidates")
    p.add_argument("--max-chunks", type=int, default=PAPER_MAX_CHUNKS,
                   help=f"rank only papers of at most this many chunks (0: every paper; default {PAPER_MAX_CHUNKS})")
    p.add_argument("--known-tune", type=int, default=0,
                   help="known-items: also this many questions from outside the reported sample")
    p.add_argument("--adapted", action=argparse.BooleanOptionalAction, default=True,
                   help="rank papers with the adapted question vector (default) or the question's own")
    args, eval_args = parse_probe(p, argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = load_settings(args.store)
    embedder = make_embedder(settings)
    retriever = HybridRetriever(open_store(settings, embedder), embedder, fusion=FusionConfig(paper_weight=0.0))
    retriever.refresh()
    papers = PaperVectors(retriever, args.max_chunks)
    probe = (SpeakFused(retriever, papers, every=args.speak == "all") if args.speak in ("fused", "all")
             else WithWindows(retriever))

    def vector(question: str) -> np.ndarray:
        own = embedder.embed_query(question)
        return retriever.search_vector(own) if args.adapted else own

    if args.task == "eval":
        for weight in args.weight or [0.0, 0.5, 1.0]:
            print(f"== paper ranking weight {weight}", flush=True)
            run_eval(probe, lambda q: papers.ranking(vector(q), args.candidates), weight, eval_args)
        return 0
    if args.questions is None:
        p.error("--questions is required for this task")
    halves = _halves(args.task, args.questions, args.split)
    if args.task == "known-items" and args.known_tune:
        halves["tune"] = _known_tune(args.questions, args.known_tune)  # none of the reported sample
    hit = _hit(args.task)
    rankings = {q["question"]: papers.ranking(vector(q["question"]), args.candidates)
                for qs in halves.values() for q in qs}
    for weight in args.weight or [0.0, 0.5, 1.0]:
        found = {h: round(sum(hit(q, probe.retrieve(q["question"], rankings[q["question"]], weight)) for q in qs)
                          / max(1, len(qs)), 3) for h, qs in halves.items()}
        print(json.dumps({"weight": weight, "papers": len(papers.papers), **found}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
