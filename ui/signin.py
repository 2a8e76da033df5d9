"""Who is reading: sign-in through an identity provider (`st.login`, OIDC set up
in `.streamlit/secrets.toml`) when one is configured, else against the local
accounts file. Anonymous visitors read public papers only.

The session keeps only the signed-in name; the account is re-read on every
run, so a removed user or a changed group applies at once.
"""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

from ingest.audit import AuditLog
from ingest.config import Settings
from ingest.errors import CouncilPapersError
from qa_app.access import Viewer, describe, load_access_settings
from qa_app.accounts import Accounts, default_path
from qa_app.identity import groups_for_identity

logger = logging.getLogger(__name__)

SESSION_USER = "signed_in_as"
"""Session key holding the locally signed-in user's name."""
_OIDC_SEEN = "oidc_sign_in_recorded"


@st.cache_resource(show_spinner=False)
def _accounts(path: str, store_dir: str) -> Accounts:
    """One `Accounts` per file and process, so retry slow-downs are shared by every session."""
    return Accounts(Path(path), audit=AuditLog.for_store(Path(store_dir)))


def accounts_for(settings: Settings) -> Accounts:
    path = load_access_settings().accounts_file or default_path(settings.store_dir)
    return _accounts(str(path), str(settings.store_dir))


def audit_log(settings: Settings) -> AuditLog:
    return AuditLog.for_store(settings.store_dir)


def oidc_configured() -> bool:
    """Whether `.streamlit/secrets.toml` sets up an identity provider (`[auth]`)."""
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets file raises a version-specific error
        return False


def current_viewer(settings: Settings) -> Viewer:
    """The reader of this session, re-checked against the accounts file."""
    accounts = accounts_for(settings)
    if oidc_configured():
        return _oidc_viewer(accounts, settings)
    return accounts.viewer(st.session_state.get(SESSION_USER))


def _oidc_viewer(accounts: Accounts, settings: Settings) -> Viewer:
    if not st.user.is_logged_in:
        return Viewer.anonymous()
    email = str(st.user.get("email") or "")
    name = email or str(st.user.get("name") or st.user.get("sub") or "")
    claimed: object = st.user.get("groups") or []
    provider_groups = [str(g) for g in claimed] if isinstance(claimed, list) else [str(claimed)]
    viewer = Viewer(name, groups_for_identity(email, provider_groups, accounts.identity_mapping()))
    if not st.session_state.get(_OIDC_SEEN):
        st.session_state[_OIDC_SEEN] = True
        audit_log(settings).record("sign_in", actor=name, via="identity provider", groups=sorted(viewer.groups))
    return viewer


def render_signin(viewer: Viewer, settings: Settings) -> None:
    """The sidebar's account box: who is signed in and what they can see, and
    the sign-in form or the sign-out button."""
    log = audit_log(settings)
    with st.sidebar:
        st.subheader("Account")
        st.caption(describe(viewer))
        if log.logs_questions:
            st.caption("Questions you ask are recorded in the audit log.")
        if viewer.signed_in:
            st.button("Sign out", key="sign-out", icon=":material/logout:", on_click=_sign_out,
                      args=(viewer, settings))
        elif oidc_configured():
            st.button("Sign in", key="sign-in-oidc", icon=":material/login:", on_click=st.login)
        else:
            _local_form(settings)


def _local_form(settings: Settings) -> None:
    with st.form("sign-in"):
        name = st.text_input("User name", key="signin-name")
        password = st.text_input("Password", type="password", key="signin-password")
        submitted = st.form_submit_button("Sign in")
    if not submitted:
        return
    address = getattr(st.context, "ip_address", None)
    client = address if isinstance(address, str) else None  # None where there is no request (tests)
    try:
        viewer = accounts_for(settings).verify(name, password, client=client)
    except CouncilPapersError as exc:  # a damaged accounts file: say so, never sign in
        st.error(f"Sign-in is not available: {exc}")
        return
    if viewer is None:
        st.error("That user name and password do not match.")
        return
    st.session_state[SESSION_USER] = viewer.name
    st.rerun()


def _sign_out(viewer: Viewer, settings: Settings) -> None:
    """Forget the user and the conversation (its answers may quote papers an
    anonymous visitor may not read)."""
    audit_log(settings).record("sign_out", actor=viewer.name)
    st.session_state.pop(SESSION_USER, None)
    st.session_state.pop(_OIDC_SEEN, None)
    st.session_state["turns"] = []
    if oidc_configured() and st.user.is_logged_in:
        st.logout()


def require_officer(viewer: Viewer) -> None:
    """Stop the page unless an officer (group `officers`) is signed in."""
    if viewer.is_officer:
        return
    st.title("Officers only")
    if viewer.signed_in:
        st.warning(f"{viewer.name} is not in the officers group, so this page is closed to them.",
                   icon=":material/lock:")
    else:
        st.info("Sign in as an officer (a user in group `officers`) in the sidebar to manage the library.",
                icon=":material/lock:")
    st.stop()
