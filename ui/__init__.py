"""Streamlit-only helpers for `streamlit_app.py` and `pages/`: cached resources,
layout pieces and sign-in. No retrieval, prompt or store logic."""
