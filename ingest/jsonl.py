"""Reading JSON Lines files of questions, one shared reader for `ask --batch`
and the evaluation sets."""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line number, record) for each non-blank line, or (line number, reason)
    for a line that is not a JSON object, so each caller decides whether one bad
    line stops the run or is reported and skipped. Lines are decoded one by one:
    a file saved with a byte-order mark reads as without one, and a line that is
    not UTF-8 (a question typed in another encoding) is a reason, not a crash."""
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8):]
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield number, f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})"
                continue
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, f"not JSON ({exc.msg})"
                continue
            yield number, record if isinstance(record, dict) else "expected a JSON object"
