"""Streamlit-only helpers for `streamlit_app.py` and `pages/`: cached resources,
layout pieces and the password gate. No retrieval, prompt or store logic."""
