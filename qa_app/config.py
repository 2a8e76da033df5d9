"""The QA side reads the same settings as ingestion (env prefix `COUNCIL_`)."""

from __future__ import annotations

from pathlib import Path

from ingest.config import Settings

__all__ = ["Settings", "load_settings"]


def load_settings(store_dir: Path | None = None, **overrides: object) -> Settings:
    """Settings from the environment, with a store folder and other values from
    the command line taking precedence when given."""
    settings = Settings()
    updates = {key: value for key, value in overrides.items() if value is not None}
    if store_dir is not None:
        updates["store_dir"] = Path(store_dir)
    return settings.model_copy(update=updates) if updates else settings
