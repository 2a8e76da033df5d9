"""Sidebar links between the two pages, with readable names (the automatic
navigation would label the chat page after its file name)."""

from __future__ import annotations

import streamlit as st


def page_links() -> None:
    with st.sidebar:
        st.page_link("streamlit_app.py", label="Ask the papers", icon=":material/forum:")
        st.page_link("pages/1_Officer.py", label="Officer: library", icon=":material/admin_panel_settings:")
        st.divider()
