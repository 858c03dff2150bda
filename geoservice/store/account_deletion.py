"""Deleting an account and the personal data attached to it.

What goes: the user row, its credentials (e-mail, password hash), sessions, reset tokens and
API tokens; its offers that were never public (drafts, pending, rejected, and offers it had
deleted), with their timings, themes and moderation history. What stays: its offers that were
published (still ``published``, or ``cancelled`` after publication), now without author, since
others may rely on them (they are open data under the platform's licence); in moderation
histories, its name is replaced by :data:`DELETED_ACTOR_NAME`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from geoservice.errors import NotFoundError
from geoservice.store.account_models import AccountCredentials, AccountSession, PasswordReset
from geoservice.store.collab_deletion import delete_collab_data
from geoservice.store.models import ApiToken, ModerationEvent, Offer, User

#: Shown instead of a deleted account's name in moderation histories.
DELETED_ACTOR_NAME = "compte supprimé"
#: Statuses of offers kept (anonymised) when their author deletes their account, provided
#: they were published once and are not deleted.
KEPT_STATUSES: tuple[str, ...] = ("published", "cancelled")


@dataclass(frozen=True)
class DeletionSummary:
    """What :func:`delete_account` removed or anonymised."""

    offers_deleted: int
    offers_anonymised: int


def delete_account(session: Session, user_id: int) -> DeletionSummary:
    """Delete user `user_id` and its personal data (see the module docstring)."""
    if session.get(User, user_id) is None:
        raise NotFoundError(f"aucun compte n° {user_id}")
    kept = session.execute(
        update(Offer)
        .where(
            Offer.author_id == user_id,
            Offer.published_at.is_not(None),
            Offer.deleted_at.is_(None),
            Offer.status.in_(KEPT_STATUSES),
        )
        .values(author_id=None)
    )
    doomed = list(session.scalars(select(Offer.id).where(Offer.author_id == user_id)))
    if doomed:
        session.execute(delete(ModerationEvent).where(ModerationEvent.offer_id.in_(doomed)))
        session.execute(delete(Offer).where(Offer.id.in_(doomed)))
    session.execute(
        update(ModerationEvent)
        .where(ModerationEvent.actor_id == user_id)
        .values(actor_id=None, actor_name=DELETED_ACTOR_NAME)
    )
    # Projects and rides (their personal points too): geoservice.store.collab_deletion.
    delete_collab_data(session, user_id, DELETED_ACTOR_NAME)
    for table in (AccountSession, PasswordReset, ApiToken):
        session.execute(delete(table).where(table.user_id == user_id))
    session.execute(delete(AccountCredentials).where(AccountCredentials.user_id == user_id))
    session.execute(delete(User).where(User.id == user_id))
    session.expunge_all()
    return DeletionSummary(
        offers_deleted=len(doomed), offers_anonymised=int(getattr(kept, "rowcount", 0))
    )
