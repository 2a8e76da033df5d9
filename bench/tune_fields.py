"""Choose the weight of the search inside the papers a question names
(`FusionConfig.field_weight`), on development sets only.

For each weight: evidence in the top 5 and MRR on the real-paper tune half and
on the development question files given (`--dev`, e.g. the first fresh set),
with council dev (evidence in the top 5 must stay 1.0) and 400 answerable
SQuAD 2.0 dev questions from outside the seeded evaluation sample (must not
fall) as guards. The held half is not read.

    python bench/tune_fields.py --realcorpus-questions REALCORPUS_DIR/questions.jsonl --realcorpus-store STORE \\
        --split bench/splits/realcorpus.json --dev bench/data/realcorpus_fresh.jsonl \\
        --council-questions tests/fixtures/council_dev.jsonl --council-store STORE \\
        --squad SQUAD_DIR/dev-v2.0.json --squad-work DIR [--weights 0,0.5,1,1.5]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tune_retrieval import measure  # noqa: E402  (beside this script)
from tune_windows import squad_recall, squad_set  # noqa: E402

from ingest.config import load_settings  # noqa: E402
from ingest.library import make_embedder, open_store  # noqa: E402
from qa_app.fusion import FusionConfig  # noqa: E402
from qa_app.retrieval import HybridRetriever  # noqa: E402

logger = logging.getLogger("bench.tune_fields")


def _answerable(path: Path, ids: set[str] | None = None) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [q for q in rows if q.get("answerable") and q.get("evidence") and (ids is None or q["id"] in ids)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--realcorpus-questions", type=Path, required=True)
    parser.add_argument("--realcorpus-store", type=Path, required=True)
    parser.add_argument("--split", type=Path, required=True)
    parser.add_argument("--dev", type=Path, action="append", default=[], help="more question files on the same store")
    parser.add_argument("--council-questions", type=Path, required=True)
    parser.add_argument("--council-store", type=Path, required=True)
    parser.add_argument("--squad", type=Path, required=True, help="SQuAD 2.0 dev-v2.0.json")
    parser.add_argument("--squad-work", type=Path, required=True)
    parser.add_argument("--weights", default="0,0.5,1,1.5")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    embedder = make_embedder(load_settings(args.realcorpus_store), lean=True)
    embedder.warm_up()
    realcorpus = open_store(load_settings(args.realcorpus_store), embedder)
    council = open_store(load_settings(args.council_store), embedder)
    squad, squad_q = squad_set(args.squad, args.squad_work, embedder, size=400)
    tune = set(json.loads(args.split.read_text())["tune_questions"])
    sets = {"realcorpus_tune": (realcorpus, _answerable(args.realcorpus_questions, tune)),
            **{path.stem: (realcorpus, _answerable(path)) for path in args.dev},
            "council": (council, _answerable(args.council_questions))}
    rows = []
    for weight in (float(w) for w in args.weights.split(",")):
        config = FusionConfig(field_weight=weight)
        row: dict[str, Any] = {"field_weight": weight}
        for name, (store, questions) in sets.items():
            row[name] = measure(HybridRetriever(store, embedder, fusion=config), questions)
        row["squad400_recall@5"] = round(squad_recall(HybridRetriever(squad, embedder, fusion=config), squad_q), 3)
        logger.info(json.dumps(row))
        rows.append(row)
    base = rows[0]
    keep = [r for r in rows if r["council"]["recall@5"] >= 1.0 and r["squad400_recall@5"] >= base["squad400_recall@5"]
            and r["realcorpus_tune"]["recall@5"] >= base["realcorpus_tune"]["recall@5"]]
    best = max(keep or rows, key=lambda r: sum(r[name]["recall@5"] + r[name]["mrr@5"]
                                               for name in sets if name != "council"))
    print(json.dumps({"chosen": best, "grid": rows}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
