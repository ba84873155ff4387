"""The outbox: a notice is written once and sent once however often `notify run` runs
(and on PostgreSQL, however many runners claim at once); a failing channel is retried with
back-off and then shows as failed; a channel that never answers costs one timeout per run;
a runner killed mid-send sends nothing twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from tests.factories import make_site, make_tree
from tests.notify_servers import SilentServer, SmtpServer, WebhookReceiver, mailto_url
from webapp.extensions import db
from webapp.models import NoticeDelivery, NotifyChannel
from webapp.services import notify
from webapp.services.notify.manage import add_channel

SHANGHAI = ZoneInfo("Asia/Shanghai")
CUTOFF = datetime(2026, 12, 9, 16, 30, tzinfo=SHANGHAI)
CUTOFF_TITLE = "2026-12-09 16:00 尚有 1 个工程未检查"


@pytest.fixture
def receiver():
    server = WebhookReceiver()
    yield server
    server.close()


@pytest.fixture
def units(app, receiver):
    """Three units, each with one site unchecked on its first day and a channel to the
    receiver: at CUTOFF each unit has exactly one notice due (the cut-off)."""
    tree = make_tree()
    units = [tree["unit_a"], tree["unit_b"], tree["unit_county"]]
    for unit in units:
        make_site(unit, name=f"{unit.name}的工程", due_from=CUTOFF.date())
    db.session.commit()
    with app.test_request_context():
        for unit in units:
            add_channel(unit, receiver.url(unit.code))
    return units


def run_at(moment: datetime):
    with time_machine.travel(moment, tick=False):
        return notify.run()


def deliveries() -> list[NoticeDelivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(NoticeDelivery).order_by(NoticeDelivery.id)))


def test_running_twice_sends_once(app, units, receiver):
    first = run_at(CUTOFF)
    assert first.sending.sent == 3 and first.written >= 3
    again = run_at(CUTOFF + timedelta(minutes=5))
    assert again.written == 0 and again.sending.sent == 0
    assert len(receiver.bodies) == 3
    assert [b["title"] for b in receiver.bodies] == [CUTOFF_TITLE] * 3
    assert "/dashboard/?org=" in receiver.bodies[0]["message"]


def test_a_failing_channel_is_retried_with_backoff_then_shows_as_failed(app, units, receiver):
    app.config.update(SHELTER_NOTIFY_MAX_ATTEMPTS=3, SHELTER_NOTIFY_RETRY_SECONDS=60)
    receiver.status = 500
    assert run_at(CUTOFF).sending.retrying == 3
    assert run_at(CUTOFF + timedelta(seconds=30)).sending == notify.outbox.SendReport()
    assert run_at(CUTOFF + timedelta(seconds=61)).sending.retrying == 3  # after 1 min
    assert run_at(CUTOFF + timedelta(seconds=150)).sending.retrying == 0  # 2 min more
    assert run_at(CUTOFF + timedelta(seconds=182)).sending.failed == 3
    rows = deliveries()
    assert {(d.status, d.attempts) for d in rows} == {("failed", 3)}
    assert all("500" in d.last_error for d in rows)
    assert len(receiver.bodies) == 9
    receiver.status = 200
    notify.retry_by_hand(rows[0])
    assert run_at(CUTOFF + timedelta(hours=1)).sending.sent == 1
    assert deliveries()[0].status == "sent"


def test_an_unreachable_channel_does_not_hold_up_the_others(app, units, receiver):
    with app.test_request_context():
        add_channel(units[0], "json://127.0.0.1:9/nothing-listens")
    app.config.update(SHELTER_NOTIFY_SEND_TIMEOUT=1)
    report = run_at(CUTOFF)
    assert report.sending.sent == 3 and report.sending.retrying == 1


@pytest.mark.parametrize(
    ("url_on", "server_on", "received"),
    [
        (lambda port: f"json://127.0.0.1:{port}/hook", WebhookReceiver, lambda s: s.bodies),
        (mailto_url, SmtpServer, lambda s: s.mails),
    ],
    ids=["webhook", "smtp"],
)
def test_a_channel_that_never_answers_costs_one_timeout_per_run(
    app, receiver, url_on, server_on, received
):
    """A robot or SMTP server that accepts the connection and never answers: in each run
    only its first delivery waits for the send timeout, its others are not tried (pending,
    with the reason, and the usual back-off), and the deliveries to a healthy channel of the
    same unit all go out in the same run. Once the server answers, a later run sends them."""
    timeout = 1
    app.config.update(SHELTER_NOTIFY_SEND_TIMEOUT=timeout)
    unit = make_tree()["unit_a"]
    make_site(unit, name="一直未检查的工程", due_from=CUTOFF.date())
    db.session.commit()
    silent = SilentServer()
    with app.test_request_context():
        add_channel(unit, receiver.url("healthy"))
        hanging = add_channel(unit, url_on(silent.port))
    last = CUTOFF + timedelta(days=3)
    for day in range(4):  # four days' cut-offs and missed digests, not yet sent
        with time_machine.travel(CUTOFF + timedelta(days=day), tick=False):
            notify.run(send=False)
    count = sum(d.channel_id == hanging.id for d in deliveries())
    assert count >= 4
    server = None
    try:
        started = time.perf_counter()
        first = run_at(last)
        elapsed = time.perf_counter() - started
        assert len(receiver.bodies) == first.sending.sent == count
        assert silent.connections == 1
        assert elapsed < 3 * timeout  # one timeout, not one per delivery (≥ count s)
        assert (first.sending.retrying, first.sending.skipped) == (count, count - 1)
        rows = [d for d in deliveries() if d.channel_id == hanging.id]
        assert {(d.status, d.attempts) for d in rows} == {("pending", 1)}
        assert all(d.next_attempt_at > last for d in rows)  # the usual back-off
        tried = rows[0].last_error  # the oldest: the one that waited
        assert notify.channels.unreachable(tried)
        assert all(d.last_error != tried and tried in d.last_error for d in rows[1:])

        second = run_at(last + timedelta(minutes=2))  # still silent: one timeout again
        assert silent.connections == 2
        assert (second.sending.sent, second.sending.skipped) == (0, count - 1)

        silent.close()
        server = server_on(silent.port)  # the same address answers now
        third = run_at(last + timedelta(minutes=5))
        assert third.sending.sent == count and len(received(server)) == count
        rows = [d for d in deliveries() if d.channel_id == hanging.id]
        assert {(d.status, d.attempts) for d in rows} == {("sent", 3)}
        assert len(receiver.bodies) == count  # the healthy channel's, once each
    finally:
        silent.close()
        if server is not None:
            server.close()


def test_a_disabled_channel_gets_nothing_until_enabled(app, units, receiver):
    with time_machine.travel(CUTOFF, tick=False):
        notify.run(send=False)
    row = db.session.scalars(select(NotifyChannel).where(NotifyChannel.org_id == units[0].id)).one()
    row.enabled = False
    db.session.commit()
    assert run_at(CUTOFF).sending.sent == 2
    row.enabled = True
    db.session.commit()
    assert run_at(CUTOFF + timedelta(minutes=5)).sending.sent == 1
    assert len(receiver.bodies) == 3


def test_a_runner_killed_mid_send_sends_nothing_twice_and_drops_nothing(
    app, units, receiver, tmp_path
):
    """The first webhook answers only after 60 s: the runner is killed while it waits.
    That delivery (its message did arrive) is failed, with the reason, after the lease, never
    sent again by itself; the others go out once on the next run."""
    receiver.delay = 60
    env = {
        **os.environ,
        "SHELTER_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SHELTER_SECRET_KEY": "test",
        "SHELTER_NOTIFY_SEND_TIMEOUT": "120",
    }
    runner = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "webapp",
            "notify",
            "run",
            "--at",
            CUTOFF.isoformat(),
        ],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert receiver.received.wait(60), "the runner never reached the webhook"
    finally:
        runner.send_signal(signal.SIGKILL)
        runner.wait()
    receiver.delay = 0
    assert [d.status for d in deliveries()] == ["sending", "pending", "pending"]
    killed_at = datetime.now(UTC)  # the runner claimed on the real clock
    assert run_at(killed_at + timedelta(minutes=1)).sending.sent == 2  # within the lease
    later = run_at(killed_at + timedelta(minutes=20))
    assert later.sending.interrupted == 1 and later.sending.sent == 0
    rows = deliveries()
    assert [d.status for d in rows] == ["failed", "sent", "sent"]
    assert "可能已送达" in rows[0].last_error
    assert [b["title"] for b in receiver.bodies] == [CUTOFF_TITLE] * 3
    assert len({b["message"] for b in receiver.bodies}) == 3  # each unit's once


@pytest.mark.skipif(
    not os.environ.get("SHELTER_TEST_DATABASE_URL"), reason="FOR UPDATE SKIP LOCKED: PostgreSQL"
)
def test_concurrent_runners_claim_each_delivery_once_on_postgresql(app, units, receiver):
    """Two runners, each with its own connection, send at the same time: every delivery
    is claimed by exactly one of them (FOR UPDATE SKIP LOCKED)."""
    with time_machine.travel(CUTOFF, tick=False):
        notify.run(send=False)
    receiver.delay = 0.5  # keep both runners busy at once
    reports = []

    def runner():
        with app.app_context():
            reports.append(notify.outbox.send_pending())
            db.session.remove()

    threads = [threading.Thread(target=runner) for _ in range(2)]
    with time_machine.travel(CUTOFF + timedelta(minutes=1)):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert sum(r.sent for r in reports) == 3 and min(r.sent for r in reports) >= 1
    assert len(receiver.bodies) == 3
    assert len({b["message"] for b in receiver.bodies}) == 3
    assert {d.status for d in deliveries()} == {"sent"}


def test_two_runners_at_once_write_each_notice_once(app, units, receiver, monkeypatch):
    """Two nodes' timers fire together: both find the notices unwritten before either
    commits, so the second's insert collides on the notices' unique key; it then finds them
    written and writes nothing more, and each reminder is sent once."""
    both_have_read, lock, waited = threading.Barrier(2, timeout=10), threading.Lock(), []
    real_channels = notify.outbox._enabled_channels

    def once_both_have_read(org_ids):  # called between reading the keys and inserting
        with lock:
            first_call = len(waited) < 2
            waited.append(org_ids)
        if first_call:
            both_have_read.wait()
        return real_channels(org_ids)

    monkeypatch.setattr(notify.outbox, "_enabled_channels", once_both_have_read)
    reports = []

    def runner():
        with app.app_context():
            reports.append(notify.run())
            db.session.remove()

    threads = [threading.Thread(target=runner) for _ in range(2)]
    with time_machine.travel(CUTOFF, tick=False):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert len(reports) == 2 and len(waited) == 3  # one of them read again after colliding
    assert sorted(r.written for r in reports)[0] == 0
    assert sum(r.sending.sent for r in reports) == 3
    assert len(receiver.bodies) == 3 and len(deliveries()) == 3
