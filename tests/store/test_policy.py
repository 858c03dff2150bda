"""Who may touch an offer, without a database (statuses: test_moderation.py)."""

from __future__ import annotations

import pytest

from geoservice.errors import AuthenticationError, PermissionDeniedError
from geoservice.store.policy import ANONYMOUS_ACTOR, Actor, require_owner_or_moderator

CONTRIBUTOR = Actor(user_id=1, name="alice", role="contributor")
ORGANISATION = Actor(user_id=2, name="mjc", role="organisation")
MODERATOR = Actor(user_id=3, name="mod", role="moderator")


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
