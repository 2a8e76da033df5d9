"""The LangChain-tutorial RAG, as the yardstick the engine is measured against:
RecursiveCharacterTextSplitter(1000, 200) over whole papers, the same embedding
model, an in-memory langchain_chroma `Chroma`, similarity search top-4, and the
top chunk as "the answer". Used only by the evaluation harness."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from ingest.embed import Embedder
from ingest.index import PaperStore

logger = logging.getLogger(__name__)

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
TOP_K = 4


@dataclass(frozen=True)
class BaselineChunk:
    """A retrieved chunk and the paragraphs of its paper it overlaps."""

    doc_id: str
    text: str
    start: int
    end: int
    paragraph_ids: frozenset[str]


def embeddings_adapter(embedder: Embedder) -> Any:
    """Our embedder behind LangChain's `Embeddings` interface, so the baseline
    uses the same packaged model without loading it twice."""
    from langchain_core.embeddings import Embeddings

    class _Adapter(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return [list(map(float, v)) for v in embedder.embed_documents(texts)]

        def embed_query(self, text: str) -> list[float]:
            return list(map(float, embedder.embed_query(text)))

    return _Adapter()


class LangChainBaseline:
    """Split, embed and index every paper of `store` the tutorial way."""

    def __init__(self, store: PaperStore, embedder: Embedder) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma
        from langchain_core.documents import Document
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(
            chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP, add_start_index=True
        )
        docs: list[Any] = []
        self._paragraphs: dict[str, list[tuple[int, int, str]]] = {}
        for stored in store.documents():
            text = store.paper_text(stored.doc_id) or ""
            docs.append(Document(page_content=text, metadata={"source": stored.doc_id}))
            self._paragraphs[stored.doc_id] = [(p.start, p.end, p.id) for p in store.paragraphs_of(stored.doc_id)]
        splits = splitter.split_documents(docs)
        client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
        self.vectorstore = Chroma(
            collection_name=f"baseline-{uuid.uuid4().hex[:8]}", embedding_function=embeddings_adapter(embedder),
            client=client,
        )
        for start in range(0, len(splits), 256):
            self.vectorstore.add_documents(splits[start : start + 256])
        self.chunks = len(splits)
        logger.info("baseline indexed %d chunks", self.chunks)

    def retrieve(self, question: str, k: int = TOP_K) -> list[BaselineChunk]:
        out: list[BaselineChunk] = []
        for doc in self.vectorstore.similarity_search(question, k=k):
            doc_id = str(doc.metadata["source"])
            start = int(doc.metadata.get("start_index", -1))
            end = start + len(doc.page_content)
            spans = self._paragraphs.get(doc_id, [])
            ids = frozenset(pid for s, e, pid in spans if start >= 0 and s < end and e > start)
            out.append(BaselineChunk(doc_id, doc.page_content, start, end, ids))
        return out

    def answer(self, chunks: list[BaselineChunk]) -> str:
        """The tutorial's "answer" without an LLM: the top chunk."""
        return chunks[0].text if chunks else ""
