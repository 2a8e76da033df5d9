"""Optional password gate for a page, set by configuration (off when unset)."""

from __future__ import annotations

import hmac

import streamlit as st


def password_ok(given: str, expected: str) -> bool:
    """Constant-time comparison, so timing does not leak the password."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def require_password(expected: str | None, *, page: str) -> None:
    """Stop the page until the right password is given; no-op when `expected` is unset."""
    if not expected:
        return
    key = f"unlocked-{page}"
    if st.session_state.get(key):
        return
    st.subheader("Password required")
    with st.form(f"gate-{page}"):
        given = st.text_input("Password", type="password", key=f"password-{page}")
        submitted = st.form_submit_button("Unlock")
    if submitted:
        if password_ok(given, expected):
            st.session_state[key] = True
            st.rerun()
        st.error("That password is not right.")
    st.stop()
