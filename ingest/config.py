"""Settings for the whole product, read from the environment (prefix `COUNCIL_`)
and an optional `.env` file, so a Chroma server or an LLM is configuration, not
a code change."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ingest.access_levels import AccessError
from ingest.batcher import BATCH_CHUNKS
from ingest.embed import BACKENDS
from ingest.limits import ParseLimits


class Settings(BaseSettings):
    """Every knob, with a default that runs offline on a laptop."""

    model_config = SettingsConfigDict(env_prefix="COUNCIL_", env_file=".env", extra="ignore")

    store_dir: Path = Field(Path(".index"), description="Catalogue, BM25 index and (embedded) Chroma data.")
    corpus_dir: Path = Field(Path("corpus"), description="Where papers live by default.")
    chroma_host: str | None = Field(None, description="Use a `chroma run` server at this host instead of the folder.")
    chroma_port: int = Field(8000, description="Port of the Chroma server.")
    embed_backend: str = Field("onnx-int8", description="torch, onnx or onnx-int8.")
    embed_batch_size: int = Field(16, description="Passages per embedding batch.")
    embed_threads: int = Field(0, ge=0, description="Embedding batches run at once (0: one per core).")
    ingest_batch_chunks: int = Field(BATCH_CHUNKS, gt=0, description="Passages ingestion embeds and writes together.")
    model_cache: Path | None = Field(None, description="Where exported ONNX models are cached.")
    read_only: bool = Field(False, description="Serve an index that must not be written (a read-only folder).")
    max_file_mb: float = Field(25.0, description="Papers larger than this are refused.")
    max_unpacked_mb: float = Field(200.0, description="A DOCX whose parts unpack to more than this is refused.")
    max_paragraphs: int = Field(50_000, description="A paper with more paragraphs than this is refused.")
    max_pages: int = Field(2_000, description="A PDF with more pages than this is refused.")
    max_parse_seconds: float = Field(120.0, description="Reading one paper may take at most this long.")
    max_ocr_pages: int = Field(
        200, ge=0, description="Pages of one PDF read by OCR (Tesseract), about a second each: scanned ones, and typed "
                         "ones whose fonts leave glyphs without characters; 0: none.",
    )
    ocr_languages: str = Field(
        "eng", pattern=r"^[A-Za-z_]+(\+[A-Za-z_]+)*$",
        description="Tesseract languages for scanned pages, joined by '+' (eng+cym); each needs its data installed.",
    )
    llm: str | None = Field(None, description="ollama:<model>, openai:<model> or llamacpp:<file.gguf>.")
    llm_base_url: str | None = Field(None, description="Base URL of an OpenAI-compatible server.")
    llm_context_chars: int = Field(
        8000, gt=0,
        description="Characters of the papers the LLM reads: the results with their windows, best first. 8,000 is "
                    "about 2,000 tokens, what the LangChain-tutorial baseline's ten chunks hold; a small local model "
                    "answers sooner with less.",
    )
    query_adapter: bool = Field(
        True, description="Move each question's vector by the fitted query adapter before dense search "
                          "(qa_app/models/query_adapter.npz); false: the plain model's vector.",
    )
    abstain_threshold: float | None = Field(None, description="Override the calibrated abstention threshold.")
    officer_password: str | None = Field(None, description="If set, the officer page asks for it.")
    chat_password: str | None = Field(None, description="If set, the chat page asks for it.")

    @field_validator("embed_backend")
    @classmethod
    def _backend(cls, value: str) -> str:
        if value not in BACKENDS:
            raise ValueError(f"embed_backend must be one of {', '.join(BACKENDS)}; got {value!r}")
        return value

    @field_validator("chroma_port")
    @classmethod
    def _port(cls, value: int) -> int:
        if not 0 < value < 65536:
            raise ValueError(f"chroma_port must be between 1 and 65535; got {value}")
        return value

    @field_validator("max_file_mb", "embed_batch_size", "max_unpacked_mb", "max_paragraphs", "max_pages",
                     "max_parse_seconds")
    @classmethod
    def _positive(cls, value: float) -> float:
        if value <= 0:
            raise ValueError(f"must be greater than 0; got {value}")
        return value

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    @property
    def parse_limits(self) -> ParseLimits:
        return ParseLimits(
            max_unpacked_bytes=int(self.max_unpacked_mb * 1024 * 1024), max_paragraphs=self.max_paragraphs,
            max_pages=self.max_pages, max_seconds=self.max_parse_seconds, max_ocr_pages=self.max_ocr_pages,
            ocr_languages=self.ocr_languages,
        )


def load_settings(store_dir: Path | None = None, **overrides: object) -> Settings:
    """Settings from the environment, with a store folder and other values from
    the command line taking precedence when given."""
    settings = Settings()
    updates = {key: value for key, value in overrides.items() if value is not None}
    if store_dir is not None:
        updates["store_dir"] = Path(store_dir)
    return settings.model_copy(update=updates) if updates else settings


class AccessSettings(BaseSettings):
    """Where accounts live and whether questions are audited (env prefix `COUNCIL_`)."""

    model_config = SettingsConfigDict(env_prefix="COUNCIL_", env_file=".env", extra="ignore")

    accounts_file: Path | None = Field(None, description="Accounts file (default: accounts.json in the store folder).")
    log_questions: bool = Field(False, description="Write each question asked to the audit log.")


def load_access_settings() -> AccessSettings:
    """The access settings, with a bad value reported as the product's error."""
    from pydantic import ValidationError

    try:
        return AccessSettings()
    except ValidationError as exc:
        raise AccessError(f"bad access setting: {exc.errors()[0]['msg']} "
                          f"({', '.join(str(part) for part in exc.errors()[0]['loc'])})") from exc
