"""Which written answers the query adapter may be fitted on.

One rule, read by the fitting script and by every benchmark that asks written
questions: an answer whose text hashes even is for fitting; the benchmarks ask
only the questions of the other answers (their papers stay in the store, as
distractors), so no figure is measured on a question the adapter saw.
"""

from __future__ import annotations

import hashlib


def for_fitting(answer: str) -> bool:
    """Is this written answer (its text) in the adapter's fitting half?"""
    return hashlib.sha1(answer.strip().encode("utf-8")).digest()[0] % 2 == 0
