"""Answerer implementations: `ExtractiveAnswerer` (default, offline) and the
optional LLM answerer in `qa_app.answerers.llm`, imported only when configured."""

from __future__ import annotations

from qa_app.answerers.extractive import ExtractiveAnswerer, ExtractiveConfig

__all__ = ["ExtractiveAnswerer", "ExtractiveConfig"]
