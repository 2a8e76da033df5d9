"""Reading JSON Lines files of questions, one shared reader for `ask --batch`
and the evaluation sets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line number, record) for each non-blank line, or (line number, reason)
    for a line that is not a JSON object, so each caller decides whether one bad
    line stops the run or is reported and skipped."""
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, f"not JSON ({exc.msg})"
                continue
            yield number, record if isinstance(record, dict) else "expected a JSON object"
