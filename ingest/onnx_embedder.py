"""The lean embedder: the exported ONNX model run with `onnxruntime` and `tokenizers` alone.

Answering a question needs one query vector. Loading sentence-transformers for it
pulls in torch and transformers (seconds of imports, hundreds of MB of memory), so
the query path uses this instead, following chromadb's `ONNXMiniLM_L6_V2`:
tokenise (truncate at the model's max_seq_length, pad to the longest), run,
mean-pool over the attention mask, L2-normalise. Its vectors equal
sentence-transformers' on the same ONNX file, and it reports the same `name`, so an
index built by either is read by both.

A cache without the export gets one on first load (`ensure_onnx_model`); that one
time needs sentence-transformers, which then says how to install it if missing.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ingest.errors import ConfigError
from ingest.model import (
    MODEL_DIMENSION,
    MODEL_MAX_TOKENS,
    MODEL_NAME,
    Lazy,
    default_model_cache,
    embedder_name,
    validate_embedder_args,
)

if TYPE_CHECKING:
    import onnxruntime
    from tokenizers import Tokenizer

logger = logging.getLogger(__name__)

ONNX_BACKENDS = ("onnx", "onnx-int8")
DEFAULT_MAX_SEQ_LENGTH = 256
QUERY_CACHE = 256
"""Query vectors kept, most recent first."""


@dataclass(frozen=True)
class _Loaded:
    session: onnxruntime.InferenceSession
    tokenizer: Tokenizer
    """Truncates at `max_seq_length` and pads to the longest text of a batch."""
    counter: Tokenizer
    """Neither truncates nor pads: counts a text's full length."""
    input_names: frozenset[str]
    max_seq_length: int


class OnnxEmbedder:
    """all-MiniLM-L6-v2 from its ONNX export, without torch.

    `backend` is "onnx" (fp32) or "onnx-int8"; `cache_dir` is the export cache
    (default: the per-user one). Loads lazily and thread-safely on first use, or at
    once in a background thread with `preload=True`: a one-shot `ask` then loads the
    model while the store opens, instead of after.

    `threads` is how many batches run at once (0: one per core), each on one
    ONNX Runtime thread that never spin-waits. On the shared 2-core machine, ONNX
    Runtime's own two spinning threads per call cost twice the CPU per passage of
    one quiet thread (`docs/BENCHMARKS.md`, "Lean query path and scale"); whole
    batches side by side use both cores without that cost.
    """

    dimension = MODEL_DIMENSION

    def __init__(
        self, backend: str = "onnx-int8", cache_dir: Path | None = None, batch_size: int = 16, *,
        preload: bool = False, threads: int = 0,
    ) -> None:
        validate_embedder_args(backend, ONNX_BACKENDS, batch_size)
        if threads < 0:
            raise ConfigError(f"threads must be 0 (one per core) or more; got {threads}")
        self.threads = threads or os.cpu_count() or 1
        self._pool: Lazy[ThreadPoolExecutor] = Lazy(
            lambda: ThreadPoolExecutor(self.threads, thread_name_prefix="embed")
        )
        self.backend = backend
        self.batch_size = batch_size
        self.cache_dir = cache_dir
        self.name = embedder_name(backend)
        self._loaded: Lazy[_Loaded] = Lazy(self._load)
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        if preload:
            threading.Thread(target=self._preload, name="load-query-embedder", daemon=True).start()

    @property
    def _parts(self) -> _Loaded:
        return self._loaded.get()

    def warm_up(self) -> None:
        """Load the model now rather than on the first question."""
        _ = self._parts

    def _preload(self) -> None:
        try:
            self.warm_up()
        except Exception as exc:  # noqa: BLE001 - the first real use raises it again, to the caller
            logger.warning("background loading of the embedding model failed: %s", exc)

    @property
    def max_tokens(self) -> int:
        """Known without loading the model, so opening a store stays cheap."""
        return MODEL_MAX_TOKENS

    def _load(self) -> _Loaded:
        from ingest.onnx_export import ensure_onnx_model

        try:
            import onnxruntime
            from tokenizers import Tokenizer
        except ImportError as exc:  # pragma: no cover - both come with chromadb
            raise ConfigError("the ONNX embedder needs onnxruntime and tokenizers: pip install chromadb") from exc

        cache = self.cache_dir or default_model_cache()
        folder, file_name = ensure_onnx_model(cache, quantize=self.backend == "onnx-int8")
        logger.info("loading %s (%s, %s) with onnxruntime", MODEL_NAME, self.backend, file_name)
        max_len = _max_seq_length(folder)
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        counter = Tokenizer.from_file(str(folder / "tokenizer.json"))
        counter.no_truncation()
        counter.no_padding()
        tokenizer.enable_truncation(max_length=max_len)
        pad_id = tokenizer.token_to_id("[PAD]")
        tokenizer.enable_padding(pad_id=0 if pad_id is None else pad_id, pad_token="[PAD]")
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        session = onnxruntime.InferenceSession(
            str(folder / file_name), sess_options=options, providers=["CPUExecutionProvider"]
        )
        names = frozenset(i.name for i in session.get_inputs())
        return _Loaded(session, tokenizer, counter, names, max_len)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        # At least one batch per thread, so a call of a few texts uses every core too.
        return self._embed_in_batches(texts, max(1, min(self.batch_size, -(-len(texts) // self.threads))))

    def embed_each(self, texts: Sequence[str]) -> np.ndarray:
        """Each text alone (see `Embedder.embed_each`), the threads taking them in turn,
        longest first. For a question's few candidate sentences this is also the
        fastest cut: no short sentence is padded to a long one's length."""
        return self._embed_in_batches(texts, 1)

    def _embed_in_batches(self, texts: Sequence[str], size: int) -> np.ndarray:
        """`texts` cut into batches of `size`, longest first (batches of similar length
        waste less work on padding), run side by side on the threads; the order is
        restored after."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        batches = [order[start : start + size] for start in range(0, len(order), size)]
        run = partial(_embed_batch, self._parts)
        pieces = [[texts[i] for i in batch] for batch in batches]
        vectors = self._pool.get().map(run, pieces) if len(batches) > 1 and self.threads > 1 else map(run, pieces)
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for batch, part in zip(batches, vectors, strict=True):
            out[batch] = part
        return out

    def embed_query(self, text: str) -> np.ndarray:
        """The text embedded alone. The last few are kept: retrieval and the answerer
        both embed the question, and a follow-up or a repeated question comes back."""
        with self._lock:
            cached = self._queries.get(text)
            if cached is not None:
                self._queries.move_to_end(text)
                return cached
        vector = self.embed_documents([text])[0]
        vector.flags.writeable = False
        with self._lock:
            self._queries[text] = vector
            while len(self._queries) > QUERY_CACHE:
                self._queries.popitem(last=False)
        return vector

    def count_tokens(self, text: str) -> int:
        return len(self._parts.counter.encode(text, add_special_tokens=True).ids)


def _embed_batch(parts: _Loaded, texts: list[str]) -> np.ndarray:
    """Tokenise, run, mean-pool over real tokens and normalise one batch."""
    encoded = parts.tokenizer.encode_batch(texts)
    mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
    feeds: dict[str, Any] = {"input_ids": np.array([e.ids for e in encoded], dtype=np.int64), "attention_mask": mask}
    if "token_type_ids" in parts.input_names:
        feeds["token_type_ids"] = np.array([e.type_ids for e in encoded], dtype=np.int64)
    hidden = parts.session.run(None, feeds)[0]
    weights = mask[:, :, None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


def _max_seq_length(folder: Path) -> int:
    """The model's max_seq_length as sentence-transformers records it beside the export."""
    config = folder / "sentence_bert_config.json"
    try:
        value = json.loads(config.read_text(encoding="utf-8")).get("max_seq_length")
    except (OSError, ValueError):
        value = None
    return int(value) if isinstance(value, int) and value > 0 else DEFAULT_MAX_SEQ_LENGTH
