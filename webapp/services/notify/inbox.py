"""The in-app inbox: an organisation's notices, read or unread per user."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, exists, func, select

from webapp import days
from webapp.extensions import db
from webapp.models import Notice, NoticeRead, User
from webapp.services.dialect import insert_ignoring_duplicates

# The inbox shows, and counts as unread, the notices of this many days.
INBOX_DAYS = 30


def _recent(user: User):
    return (Notice.org_id == user.org_id) & (
        Notice.created_at >= days.now() - timedelta(days=INBOX_DAYS)
    )


def _read_by(user: User):
    return exists().where(and_(NoticeRead.notice_id == Notice.id, NoticeRead.user_id == user.id))


def inbox(user: User, limit: int = 100) -> list[tuple[Notice, bool]]:
    """The notices of the user's organisation from the last INBOX_DAYS days, newest
    first, each with whether this user has read it."""
    query = (
        select(Notice, _read_by(user))
        .where(_recent(user))
        .order_by(Notice.created_at.desc(), Notice.id.desc())
        .limit(limit)
    )
    return [(notice, bool(read)) for notice, read in db.session.execute(query)]


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count(Notice.id)).where(_recent(user), ~_read_by(user)))


def open_notice(user: User, notice_id: int) -> Notice:
    """The notice, marked read for ``user`` (commits); LookupError when it is not for the
    user's organisation (or does not exist)."""
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.org_id != user.org_id:
        raise LookupError(notice_id)
    _mark(user, [notice.id])
    return notice


def mark_all_read(user: User) -> int:
    """Mark every unread notice of the inbox read (commits); returns how many."""
    ids = list(db.session.scalars(select(Notice.id).where(_recent(user), ~_read_by(user))))
    _mark(user, ids)
    return len(ids)


def _mark(user: User, notice_ids: list[int]) -> None:
    """Mark the notices read for ``user`` and commit. The database skips a notice already
    marked, so two requests marking the same one at once (two tabs, or "mark all read"
    while a notice is being opened) both succeed, leaving one mark."""
    if notice_ids:
        db.session.execute(
            insert_ignoring_duplicates(NoticeRead, ["user_id", "notice_id"]),
            [{"user_id": user.id, "notice_id": notice_id} for notice_id in notice_ids],
        )
    db.session.commit()
