"""Write `qa_app/models/common_words.txt`: words that public English text mostly
writes in lower case, so that a run of them in capitals ("Cheque Payments",
"Development Code") is a title or a heading's words, not a person's name.

    python bench/common_words.py EVALDATA/uk-parl-motions/motions.jsonl \
        EVALDATA/uk-parl-written-qa-mhclg/written_questions_mhclg.jsonl \
        EVALDATA/squad2-cs224n-dev/dev-v2.0.json EVALDATA/qmsum-committee/train.jsonl

Every string in the JSON or JSONL files given is read. A word counts as
common when it occurs at least `--min-count` times and, away from the start
of a sentence, is written in lower case at least `--lower-share` of the time.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest.jsonl import read_jsonl  # noqa: E402
from qa_app.models import COMMON_WORDS_PATH  # noqa: E402

_WORD = re.compile(r"(?<![\w'’-])([A-Za-z][a-z]+)(?![\w'’-])")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\"“(]\s*|\n\s*)$")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _documents(path: Path) -> Iterator[str]:
    if path.suffix == ".jsonl":
        for _, record in read_jsonl(path):
            if isinstance(record, dict):
                yield from _strings(record)
    else:
        yield from _strings(json.loads(path.read_text(encoding="utf-8")))


def count(paths: list[Path]) -> tuple[Counter[str], Counter[str]]:
    """How often each word is written in lower case, and how often capitalised,
    away from the start of a sentence."""
    lower: Counter[str] = Counter()
    upper: Counter[str] = Counter()
    for path in paths:
        for text in _documents(path):
            for match in _WORD.finditer(text):
                word = match.group(1)
                if _SENTENCE_START.search(text[max(0, match.start() - 3):match.start()]):
                    continue
                (lower if word[0].islower() else upper)[word.lower()] += 1
    return lower, upper


def common(lower: Counter[str], upper: Counter[str], min_count: int, lower_share: float) -> list[str]:
    """Words seen at least `min_count` times, in lower case at least `lower_share` of them."""
    return sorted(w for w in lower
                  if lower[w] + upper[w] >= min_count and lower[w] / (lower[w] + upper[w]) >= lower_share)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="+", type=Path, help="JSON or JSONL files of English text")
    p.add_argument("--min-count", type=int, default=5)
    p.add_argument("--lower-share", type=float, default=0.5)
    p.add_argument("--out", type=Path, default=COMMON_WORDS_PATH)
    args = p.parse_args(argv)
    words = common(*count(args.paths), args.min_count, args.lower_share)
    args.out.write_text("\n".join(words) + "\n", encoding="utf-8")
    print(f"wrote {len(words)} words to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
