"""The embedding backends: ONNX export from the packaged weights (offline), and
int8 vectors that agree with torch fp32."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ingest.embed import MiniLMEmbedder
from ingest.errors import ConfigError
from ingest.onnx_export import QUANT_CONFIGS, detect_quant_config, ensure_onnx_model

SENTENCES = [
    "Council welcomes the allocation of £2m to enable immediate changes in children's services.",
    "Proposed: Councillor Phil Davies",
    "The parking charges in the town centre rise in April.",
]


def test_export_is_made_once_and_reused(tmp_path: Path) -> None:
    folder, file_name = ensure_onnx_model(tmp_path, quantize=True)
    exported = folder / file_name
    assert exported.is_file() and file_name.startswith("onnx/model_int8_")
    assert not (folder / "model.safetensors").exists(), "torch weights are dropped from the cache"
    assert [p.name for p in tmp_path.iterdir()] == [folder.name], "no temporary folders are left behind"
    stamp = exported.stat().st_mtime_ns
    again = ensure_onnx_model(tmp_path, quantize=True)
    assert again == (folder, file_name) and exported.stat().st_mtime_ns == stamp


def test_quantisation_config_is_chosen_or_refused() -> None:
    assert detect_quant_config() in QUANT_CONFIGS
    with pytest.raises(ConfigError, match="quantize must be"):
        ensure_onnx_model(Path("unused"), quantize="avx9000")


def test_int8_vectors_agree_with_torch(tmp_path: Path, embedder: MiniLMEmbedder) -> None:
    other_backend = "torch" if embedder.backend != "torch" else "onnx-int8"
    other = MiniLMEmbedder(backend=other_backend, cache_dir=tmp_path)
    a, b = embedder.embed_documents(SENTENCES), other.embed_documents(SENTENCES)
    assert a.shape == b.shape == (3, 384)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-3)
    cosines = (a * b).sum(axis=1)
    assert cosines.min() > 0.97
    query = embedder.embed_query("How much money was allocated for immediate changes?")
    assert int(np.argmax(a @ query)) == 0


def test_bad_embedder_arguments_are_named() -> None:
    with pytest.raises(ConfigError, match="backend must be one of"):
        MiniLMEmbedder(backend="gpu")
    with pytest.raises(ConfigError, match="batch_size must be greater than 0; got 0"):
        MiniLMEmbedder(batch_size=0)
