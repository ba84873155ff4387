"""The outbox: notices written once, and each delivery sent at most once.

A delivery moves pending → sending → sent; a failed attempt goes back to pending with a
later ``next_attempt_at`` (back-off doubling from SHELTER_NOTIFY_RETRY_SECONDS) until
SHELTER_NOTIFY_MAX_ATTEMPTS, then to failed. The claim (pending → sending, attempts + 1)
is committed before the message leaves, and the result right after, one delivery at a
time. A runner killed between the two leaves that one delivery in "sending": the message
may or may not have arrived, so after ``SENDING_LEASE`` it becomes failed, with that
reason, for a person to retry, rather than going out twice (at most once; the notice is
in the inbox either way). See docs/design.md, "Notifications".

A channel whose server did not answer within SHELTER_NOTIFY_SEND_TIMEOUT (or could not be
reached) is not tried again in the same run: its other due deliveries are claimed and put
back at once with the reason, as a failed attempt, so a hung robot or SMTP server costs one
timeout per run instead of one per delivery, and the other channels' deliveries queued
behind it go out without waiting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from webapp import days
from webapp.extensions import db
from webapp.models import DeliveryStatus, Notice, NoticeDelivery, NotifyChannel
from webapp.services.notify.channels import deliver, unreachable
from webapp.services.notify.messages import render_for_channels
from webapp.services.notify.rules import Evaluation

D = DeliveryStatus
# A claim older than this whose result never came: the runner died mid-send.
SENDING_LEASE = timedelta(minutes=15)
LONGEST_BACKOFF = timedelta(hours=6)


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0  # failed this time, will be tried again
    failed: int = 0  # gave up this time (attempts used up)
    interrupted: int = 0  # found stuck in "sending" from a runner that died
    # Of those retrying or failed: not tried, their channel had not answered earlier in the run.
    skipped: int = 0


class Claim(NamedTuple):
    """A delivery claimed for sending, with what it takes to send it."""

    delivery_id: int
    channel_id: int
    url: str
    title: str
    body: str


def write_notices(evaluation: Evaluation) -> list[Notice]:
    """Insert the notices whose key is new, each with a pending delivery per enabled
    channel of its organisation, and commit. Returns the new notices. A concurrent runner
    inserting the same key makes this retry, and then find it written."""
    drafts = {draft.key: draft for draft in evaluation.drafts}
    for _attempt in range(3):
        written = set(db.session.scalars(select(Notice.key).where(Notice.key.in_(drafts))))
        new = [draft for key, draft in drafts.items() if key not in written]
        channels = _enabled_channels({draft.org.id for draft in new})
        notices = []
        for draft in new:
            notice = draft.as_notice()
            notice.deliveries = [
                NoticeDelivery(channel_id=c) for c in channels.get(draft.org.id, [])
            ]
            notices.append(notice)
        db.session.add_all(notices)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            continue
        return notices
    raise RuntimeError("notices kept colliding with another runner's")


def _enabled_channels(org_ids: set[int]) -> dict[int, list[int]]:
    result: dict[int, list[int]] = {}
    if not org_ids:
        return result
    for org_id, channel_id in db.session.execute(
        select(NotifyChannel.org_id, NotifyChannel.id)
        .where(NotifyChannel.org_id.in_(org_ids), NotifyChannel.enabled.is_(True))
        .order_by(NotifyChannel.id)
    ):
        result.setdefault(org_id, []).append(channel_id)
    return result


def send_pending() -> SendReport:
    """Send every delivery whose attempt is due, one claim at a time (safe beside other
    runners: a row is claimed by exactly one). Commits after every step. A channel that
    timed out or could not be reached is not tried again in this run: its later claims
    are recorded as failed attempts that name the first one's reason."""
    report = SendReport(interrupted=_fail_interrupted())
    timeout = float(current_app.config["SHELTER_NOTIFY_SEND_TIMEOUT"])
    silent: dict[int, str] = {}  # channel id → why it did not answer in this run
    while (claim := _claim_next()) is not None:
        if claim.channel_id in silent:
            error = _not_tried(silent[claim.channel_id])
            report.skipped += 1
        else:
            error = deliver(claim.url, claim.title, claim.body, timeout)
            if error is not None and unreachable(error):
                silent[claim.channel_id] = error
        outcome = _record_attempt(claim.delivery_id, error)
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def _not_tried(reason: str) -> str:
    """The stored reason of a delivery not tried because its channel did not answer
    earlier in the run. It counts as an attempt, so a channel that never answers ends in
    failed after SHELTER_NOTIFY_MAX_ATTEMPTS runs, as it would if every one had waited;
    the first reason stays in it, so the failure page can say what it means."""
    with force_locale("zh"):
        return _(
            "Not tried: this channel did not answer earlier in the same run (%(reason)s)",
            reason=reason,
        )


def _claim_next() -> Claim | None:
    """Claim the next due delivery (pending → sending, attempts + 1) and commit, so no
    other runner takes it. On PostgreSQL, ``FOR UPDATE SKIP LOCKED`` lets concurrent
    runners pass each other's rows; the conditional UPDATE makes the claim safe anywhere."""
    while True:
        now = days.now()
        query = (
            select(NoticeDelivery.id)
            .join(NotifyChannel, NotifyChannel.id == NoticeDelivery.channel_id)
            .where(
                NoticeDelivery.status == D.PENDING.value,
                NoticeDelivery.next_attempt_at <= now,
                NotifyChannel.enabled.is_(True),
            )
            .order_by(NoticeDelivery.next_attempt_at, NoticeDelivery.id)
            .limit(1)
        )
        if db.engine.dialect.name == "postgresql":
            query = query.with_for_update(of=NoticeDelivery, skip_locked=True)
        delivery_id = db.session.scalar(query)
        if delivery_id is None:
            db.session.commit()
            return None
        claimed = db.session.execute(
            update(NoticeDelivery)
            .where(NoticeDelivery.id == delivery_id, NoticeDelivery.status == D.PENDING.value)
            .values(
                status=D.SENDING.value,
                claimed_at=now,
                attempts=NoticeDelivery.attempts + 1,
            )
        ).rowcount
        if not claimed:  # another runner was quicker (SQLite): take the next one
            db.session.commit()
            continue
        delivery = db.session.get(NoticeDelivery, delivery_id)
        title, body = render_for_channels(delivery.notice)
        claim = Claim(delivery_id, delivery.channel_id, delivery.channel.url, title, body)
        db.session.commit()  # nothing is held open while the message travels
        return claim


def _record_attempt(delivery_id: int, error: str | None) -> str:
    """Store the result of one send and commit; returns the SendReport field it counts in."""
    delivery = db.session.get(NoticeDelivery, delivery_id)
    now = days.now()
    delivery.last_error = error
    if error is None:
        delivery.status, delivery.sent_at = D.SENT.value, now
        outcome = "sent"
    elif delivery.attempts >= int(current_app.config["SHELTER_NOTIFY_MAX_ATTEMPTS"]):
        delivery.status = D.FAILED.value
        outcome = "failed"
    else:
        delivery.status = D.PENDING.value
        delivery.next_attempt_at = now + backoff(delivery.attempts)
        outcome = "retrying"
    db.session.commit()
    return outcome


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: 1, 2, 4, ... × the base, ≤ 6 h."""
    base = timedelta(seconds=int(current_app.config["SHELTER_NOTIFY_RETRY_SECONDS"]))
    return min(base * 2 ** max(0, attempts - 1), LONGEST_BACKOFF)


def _fail_interrupted() -> int:
    """Deliveries claimed longer than SENDING_LEASE ago with no result: failed, with the
    reason (it may have arrived), never sent again by themselves."""
    with force_locale("zh"):
        reason = _(
            "Interrupted while sending (the runner stopped): it may have arrived. "
            "Retry by hand if it did not."
        )
    stuck = db.session.execute(
        update(NoticeDelivery)
        .where(
            NoticeDelivery.status == D.SENDING.value,
            NoticeDelivery.claimed_at < days.now() - SENDING_LEASE,
        )
        .values(status=D.FAILED.value, last_error=reason)
    ).rowcount
    db.session.commit()
    return stuck


def retry_by_hand(delivery: NoticeDelivery) -> None:
    """A failed delivery goes back to pending with fresh attempts; the next
    ``flask notify run`` sends it (no page ever waits on a send). Commits."""
    if delivery.status != D.FAILED.value:
        raise ValueError(delivery.status)
    delivery.status, delivery.attempts = D.PENDING.value, 0
    delivery.next_attempt_at = days.now()
    db.session.commit()
