"""Access levels, viewers and the one filter rule built from them."""

from __future__ import annotations

import pytest

from qa_app.access import (
    AccessError,
    AccessLevel,
    Viewer,
    can_read,
    describe,
    load_access_settings,
    parse_level,
    validate_group,
    visible_levels,
)

ALICE = Viewer("alice")
CABINET = Viewer("carol", frozenset({"cabinet"}))
TWO_GROUPS = Viewer("dan", frozenset({"planning", "cabinet"}))
OFFICER = Viewer("olive", frozenset({"officers"}))


@pytest.mark.parametrize(("value", "stored"), [
    ("public", "public"), ("members", "members"), ("group:cabinet", "group:cabinet"),
    ("  Members ", "members"), ("GROUP:Cabinet", "group:cabinet"), ("group:ward_7-north", "group:ward_7-north"),
    (None, "public"), ("", "public"), ("   ", "public"),
])
def test_levels_parse_to_their_stored_form(value: str | None, stored: str) -> None:
    assert parse_level(value) == stored
    assert str(AccessLevel.parse(value)) == stored


@pytest.mark.parametrize("value", [
    "secret", "member", "group:", "group:-cabinet", "group:cab inet", "group:" + "a" * 65, "group:cabinet!",
    "groups:cabinet", "public,members",
])
def test_bad_levels_are_refused_naming_the_value_and_the_file(value: str) -> None:
    with pytest.raises(AccessError) as caught:
        parse_level(value, source="papers/budget.pdf.meta.json")
    message = str(caught.value)
    assert message.startswith("papers/budget.pdf.meta.json: ")
    assert repr(value) in message or repr(value.removeprefix("group:")) in message


def test_a_level_that_is_not_text_is_refused() -> None:
    with pytest.raises(AccessError, match="got 3"):
        parse_level(3)  # type: ignore[arg-type]


def test_group_names_have_one_rule() -> None:
    assert validate_group("a") == "a"
    assert validate_group("a" * 64) == "a" * 64
    with pytest.raises(AccessError, match="1-64 characters"):
        validate_group("a" * 65)
    with pytest.raises(AccessError, match="'_x'"):
        validate_group("_x")


def test_visible_levels_for_each_kind_of_viewer() -> None:
    assert visible_levels(Viewer.anonymous()) == ("public",)
    assert visible_levels(ALICE) == ("public", "members")
    assert visible_levels(CABINET) == ("public", "members", "group:cabinet")
    assert visible_levels(TWO_GROUPS) == ("public", "members", "group:cabinet", "group:planning")
    assert visible_levels(OFFICER) is None
    assert visible_levels(Viewer.everyone()) is None


@pytest.mark.parametrize(("viewer", "level", "allowed"), [
    (Viewer.anonymous(), "public", True),
    (Viewer.anonymous(), None, True),
    (Viewer.anonymous(), "members", False),
    (Viewer.anonymous(), "group:cabinet", False),
    (ALICE, "members", True),
    (ALICE, "group:cabinet", False),
    (CABINET, "group:cabinet", True),
    (CABINET, "group:planning", False),
    (OFFICER, "group:planning", True),
    (Viewer.everyone(), "group:anything", True),
])
def test_can_read_follows_visible_levels(viewer: Viewer, level: str | None, allowed: bool) -> None:
    assert can_read(viewer, level) is allowed


def test_viewers_are_validated() -> None:
    assert OFFICER.is_officer and not CABINET.is_officer and Viewer.everyone().is_officer
    assert not Viewer.anonymous().signed_in and ALICE.signed_in
    assert Viewer("x", frozenset({"Cabinet"})).groups == {"cabinet"}
    with pytest.raises(AccessError, match="anonymous viewer cannot be in groups"):
        Viewer(None, frozenset({"cabinet"}))
    with pytest.raises(AccessError, match="'bad group'"):
        Viewer("x", frozenset({"bad group"}))
    with pytest.raises(AccessError, match="needs a name"):
        Viewer(" ")


def test_describe_says_which_papers_answers_come_from() -> None:
    assert describe(Viewer.anonymous()) == "Showing public papers; sign in for members' papers"
    assert describe(ALICE) == "Signed in as alice: public and members' papers"
    assert describe(CABINET) == "Signed in as carol: public and members' papers, and group cabinet"
    assert describe(TWO_GROUPS) == "Signed in as dan: public and members' papers, and groups cabinet and planning"
    assert describe(Viewer("e", frozenset({"a", "b", "c"}))).endswith("and groups a, b and c")
    assert describe(OFFICER) == "Signed in as olive (officer): all papers"
    assert describe(Viewer.everyone()) == "Showing all papers"


def test_access_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COUNCIL_LOG_QUESTIONS", raising=False)
    assert load_access_settings().log_questions is False
    monkeypatch.setenv("COUNCIL_LOG_QUESTIONS", "true")
    monkeypatch.setenv("COUNCIL_ACCOUNTS_FILE", "/srv/council/accounts.json")
    settings = load_access_settings()
    assert settings.log_questions is True
    assert str(settings.accounts_file) == "/srv/council/accounts.json"
    monkeypatch.setenv("COUNCIL_LOG_QUESTIONS", "perhaps")
    with pytest.raises(AccessError, match="log_questions"):
        load_access_settings()
