"""Sign-in through an identity provider: the provider's email and groups map
to product groups via the accounts file, and the sign-in is audited once."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from ingest.audit import AuditLog
from ingest.config import Settings
from qa_app.accounts import Accounts


class ProviderUser(dict[str, Any]):
    """What `st.user` holds after `st.login`."""

    @property
    def is_logged_in(self) -> bool:
        return bool(self)


def test_provider_identity_maps_to_product_groups(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ui.signin as signin

    path = tmp_path / "accounts.json"
    path.write_text(json.dumps({"users": {}, "identity": {
        "emails": {"clerk@council.example": ["officers"]}, "domains": {"council.example": ["staff"]},
        "groups": {"Cabinet Members": ["cabinet"]}}}))
    settings = Settings(_env_file=None, store_dir=tmp_path)  # type: ignore[call-arg]
    fake = SimpleNamespace(user=ProviderUser(email="Ann@Council.example", groups=["Cabinet Members", "Other"]),
                           session_state={})
    monkeypatch.setattr(signin, "st", fake)
    viewer = signin._oidc_viewer(Accounts(path), settings)
    assert viewer.name == "Ann@Council.example" and viewer.groups == frozenset({"staff", "cabinet"})
    assert not viewer.is_officer
    signin._oidc_viewer(Accounts(path), settings)  # the next page run: no second record
    assert [(e.event, e.actor) for e in AuditLog.for_store(tmp_path).read()] == [("sign_in", "Ann@Council.example")]

    fake.user = ProviderUser(email="clerk@council.example")
    assert signin._oidc_viewer(Accounts(path), settings).is_officer
    fake.user = ProviderUser()
    assert not signin._oidc_viewer(Accounts(path), settings).signed_in
