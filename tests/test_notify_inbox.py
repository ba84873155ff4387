"""The inbox's read marks: one row per user and notice, also when two requests mark the
same notice at once (two tabs, or "mark all read" while a notice is being opened)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, insert, select

from tests.factories import make_tree
from tests.login_helpers import account
from webapp.extensions import db
from webapp.models import Notice, NoticeRead, Role
from webapp.services.notify.inbox import inbox, mark_all_read, open_notice, unread_count


@pytest.fixture
def reader(app):
    tree = make_tree()
    user = account(tree["unit_county"], Role.UNIT_MANAGER, "umgr")
    notice = Notice(
        key="cutoff:U-K1:2026-12-09",
        rule="cutoff",
        org=tree["unit_county"],
        period="2026-12-09",
        params={"count": 1, "names": ["一号工程"], "org": "o", "day": "2026-12-09"},
        link="/dashboard/?org=U-K1",
    )
    db.session.add(notice)
    db.session.commit()
    return user, notice


@contextmanager
def marked_meanwhile(user_id: int, notice_id: int) -> Iterator[list[bool]]:
    """Another request commits the same read mark just before this session writes its own
    (after it looked, if it looks): the list says whether that happened."""
    happened: list[bool] = []

    def other_request(_conn, _cursor, statement, *_args):
        if happened or not statement.lstrip().upper().startswith("INSERT INTO NOTICE_READS"):
            return
        happened.append(True)
        with db.engine.begin() as other:
            other.execute(insert(NoticeRead), {"user_id": user_id, "notice_id": notice_id})

    event.listen(db.engine, "before_cursor_execute", other_request)
    try:
        yield happened
    finally:
        event.remove(db.engine, "before_cursor_execute", other_request)


def read_marks() -> int:
    return db.session.scalar(select(func.count(NoticeRead.id)))


def test_opening_a_notice_another_request_has_just_marked_read(reader):
    user, notice = reader
    with marked_meanwhile(user.id, notice.id) as happened:
        assert open_notice(user, notice.id).id == notice.id
    assert happened and read_marks() == 1 and unread_count(user) == 0


def test_mark_all_read_while_a_notice_is_being_opened(reader):
    user, notice = reader
    with marked_meanwhile(user.id, notice.id) as happened:
        mark_all_read(user)
    assert happened and read_marks() == 1
    assert inbox(user) == [(notice, True)]


def test_opening_a_notice_again_keeps_one_mark(reader):
    user, notice = reader
    open_notice(user, notice.id)
    open_notice(user, notice.id)
    assert read_marks() == 1 and mark_all_read(user) == 0
