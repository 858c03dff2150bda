"""The permission and status rules, without a database."""

from __future__ import annotations

import pytest

from geoservice.errors import (
    AuthenticationError,
    ConflictError,
    InvalidParameterError,
    PermissionDeniedError,
)
from geoservice.store.policy import (
    ANONYMOUS_ACTOR,
    Actor,
    require_owner_or_moderator,
    status_after_decision,
    status_after_edit,
    status_on_create,
)

CONTRIBUTOR = Actor(user_id=1, name="alice", role="contributor")
ORGANISATION = Actor(user_id=2, name="mjc", role="organisation")
MODERATOR = Actor(user_id=3, name="mod", role="moderator")


@pytest.mark.parametrize(
    ("actor", "draft", "expected"),
    [
        (ANONYMOUS_ACTOR, False, "pending"),
        (CONTRIBUTOR, False, "pending"),
        (CONTRIBUTOR, True, "draft"),
        (ORGANISATION, False, "published"),
        (ORGANISATION, True, "draft"),
        (MODERATOR, False, "published"),
    ],
)
def test_status_on_create_follows_the_role(actor: Actor, draft: bool, expected: str) -> None:
    assert status_on_create(actor, draft=draft) == expected


def test_anonymous_cannot_keep_drafts() -> None:
    with pytest.raises(InvalidParameterError) as info:
        status_on_create(ANONYMOUS_ACTOR, draft=True)
    assert info.value.field == "status"


@pytest.mark.parametrize(
    ("actor", "author_id", "error"),
    [
        (ANONYMOUS_ACTOR, None, AuthenticationError),
        (ANONYMOUS_ACTOR, 1, AuthenticationError),
        (CONTRIBUTOR, 2, PermissionDeniedError),
        (ORGANISATION, 1, PermissionDeniedError),
        (CONTRIBUTOR, None, PermissionDeniedError),  # an anonymous post: moderators only
        (CONTRIBUTOR, 1, None),
        (ORGANISATION, 2, None),
        (MODERATOR, 1, None),
        (MODERATOR, None, None),
    ],
)
def test_only_the_author_or_a_moderator_may_touch_an_offer(
    actor: Actor, author_id: int | None, error: type[Exception] | None
) -> None:
    if error is None:
        require_owner_or_moderator(actor, author_id, "edit")
    else:
        with pytest.raises(error):
            require_owner_or_moderator(actor, author_id, "edit")


@pytest.mark.parametrize(
    ("actor", "current", "requested", "expected"),
    [
        (CONTRIBUTOR, "published", None, "pending"),  # content edit → moderated again
        (CONTRIBUTOR, "rejected", None, "pending"),
        (CONTRIBUTOR, "draft", None, "draft"),
        (CONTRIBUTOR, "draft", "pending", "pending"),
        (CONTRIBUTOR, "published", "cancelled", "cancelled"),
        (ORGANISATION, "published", None, "published"),
        (ORGANISATION, "draft", "published", "published"),
        (MODERATOR, "pending", "rejected", "rejected"),
        (MODERATOR, "rejected", "published", "published"),
    ],
)
def test_status_after_edit(
    actor: Actor, current: str, requested: str | None, expected: str
) -> None:
    assert status_after_edit(actor, current, requested) == expected


@pytest.mark.parametrize(
    ("actor", "current", "requested"),
    [
        (CONTRIBUTOR, "pending", "published"),  # contributors never publish themselves
        (CONTRIBUTOR, "pending", "rejected"),
        (ORGANISATION, "published", "rejected"),
        (ORGANISATION, "rejected", "published"),  # a moderator's rejection stands
    ],
)
def test_forbidden_status_changes(actor: Actor, current: str, requested: str) -> None:
    with pytest.raises(PermissionDeniedError):
        status_after_edit(actor, current, requested)


@pytest.mark.parametrize(
    ("current", "decision", "expected"),
    [
        ("pending", "approve", "published"),
        ("rejected", "approve", "published"),
        ("pending", "reject", "rejected"),
        ("published", "reject", "rejected"),
    ],
)
def test_decisions(current: str, decision: str, expected: str) -> None:
    assert status_after_decision(current, decision) == expected


@pytest.mark.parametrize(("current", "decision"), [("draft", "approve"), ("cancelled", "reject")])
def test_decisions_on_the_wrong_status_conflict(current: str, decision: str) -> None:
    with pytest.raises(ConflictError, match=current):
        status_after_decision(current, decision)
