"""The index as one unit: catalogue (SQLite, the source of truth), vectors
(Chroma), lexical index (BM25) and the filters all three understand.

Callers use `PaperStore`; its writes keep the three parts in step.
"""

from ingest.index.catalogue import StoredDocument
from ingest.index.filters import Filters, make_filters, validate_doc_types
from ingest.index.store import Integrity, PaperStore
from ingest.index.vectors import COLLECTION

__all__ = ["COLLECTION", "Filters", "Integrity", "PaperStore", "StoredDocument", "make_filters", "validate_doc_types"]
