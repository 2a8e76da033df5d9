"""One base error for the whole product, so entry points catch a single type."""

from __future__ import annotations


class CouncilPapersError(Exception):
    """Base class of every domain failure the library raises."""


class LoadError(CouncilPapersError):
    """A paper could not be read; the message names the file and the reason."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class ReadWarning(UserWarning):
    """Part of a paper could not be read (scanned pages without OCR); the rest
    landed. Readers warn, and ingestion reports it beside the paper."""


class StoreMismatchError(CouncilPapersError):
    """The index was built with other embedding or chunking settings."""


class ConfigError(CouncilPapersError):
    """A setting or argument has a value the product cannot use."""


class IndexUnreadableError(CouncilPapersError):
    """A part of the index cannot be read (a damaged catalogue file, a vector
    folder that is gone); the message says which and how to fix it."""


class ReadOnlyIndexError(CouncilPapersError):
    """A write was asked of an index opened read-only; nothing was written."""
