"""Fitted artefacts shipped with the product, written by `bench/train_answerer.py`.

`answerer.json` holds the sentence scorer, the abstention model and the
abstention threshold fitted to a stated false-abstention target;
`common_words.txt` the words English mostly writes in lower case, counted by
`bench/common_words.py` on public text; `query_adapter.npz` the linear map
dense search applies to a question's vector (`qa_app/query_adapter.py`),
fitted by `bench/fit_query_adapter.py`."""

from __future__ import annotations

import json
from pathlib import Path

MODEL_PATH = Path(__file__).resolve().parent / "answerer.json"
COMMON_WORDS_PATH = Path(__file__).resolve().parent / "common_words.txt"
"""Words English mostly writes in lower case (`bench/common_words.py`)."""
DEFAULT_THRESHOLD = 0.5
"""Used only before the first fit, when no artefact exists yet."""


def fitted_threshold(path: Path = MODEL_PATH) -> float:
    """The artefact's abstention threshold (a probability)."""
    try:
        return float(json.loads(path.read_text(encoding="utf-8"))["threshold"])
    except (OSError, ValueError, KeyError):
        return DEFAULT_THRESHOLD
