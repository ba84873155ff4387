"""`flask notify`: channels from the command line (masked list, refusals with the reason),
a test send, preview without writing, run --at."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.factories import make_site, make_tree
from tests.notify_servers import WebhookReceiver
from webapp.extensions import db
from webapp.models import Notice, NotifyChannel

WECOM_KEY = "5f1c2a9e-0b7d-4c3e-8a6f-1d2e3f4a5b6c"
HOOK_TOKEN = "hook-4d5e6f7a8b9c"


def test_channel_add_list_test_remove(app, runner):
    make_tree()
    db.session.commit()
    receiver = WebhookReceiver()
    try:
        added = runner.invoke(
            args=["notify", "channel", "add", "U-K1", receiver.url(), "--name", "值班群"]
        )
        assert added.exit_code == 0, added.output
        wecom = runner.invoke(args=["notify", "channel", "add", "CA", f"wecombot://{WECOM_KEY}"])
        assert wecom.exit_code == 0 and WECOM_KEY not in wecom.output
        hook = f"jsons://example.com/robot/{HOOK_TOKEN}?-sign={HOOK_TOKEN}"
        webhook = runner.invoke(args=["notify", "channel", "add", "CA", hook])
        assert webhook.exit_code == 0 and HOOK_TOKEN not in webhook.output
        listed = runner.invoke(args=["notify", "channel", "list"])
        assert "值班群" in listed.output and "wecombot://" in listed.output
        assert WECOM_KEY not in listed.output and "3 channels." in listed.output
        assert "jsons://example.com/****/****?-sign=****" in listed.output
        assert HOOK_TOKEN not in listed.output
        assert "2 channels." in runner.invoke(args=["notify", "channel", "list", "CA"]).output
        first = db.session.scalar(select(NotifyChannel.id).order_by(NotifyChannel.id))
        sent = runner.invoke(args=["notify", "test", str(first)])
        assert sent.exit_code == 0 and receiver.bodies[0]["title"] == "人防日检测试消息"
        removed = runner.invoke(args=["notify", "channel", "remove", str(first)])
        assert removed.exit_code == 0
        assert db.session.scalar(select(func.count(NotifyChannel.id))) == 2
    finally:
        receiver.close()


def test_refusals_exit_non_zero_with_the_reason(app, runner):
    make_tree()
    db.session.commit()
    bad = runner.invoke(args=["notify", "channel", "add", "U-K1", "ftp://x"])
    assert bad.exit_code != 0 and "Use one of these kinds of URL" in bad.output
    unknown = runner.invoke(args=["notify", "channel", "add", "NOPE", "wecombot://abc123"])
    assert unknown.exit_code != 0 and "NOPE" in unknown.output
    assert runner.invoke(args=["notify", "test", "999"]).exit_code != 0
    failed = runner.invoke(args=["notify", "channel", "add", "U-K1", "json://127.0.0.1:9/x"])
    assert failed.exit_code == 0
    test = runner.invoke(args=["notify", "test", "1"])
    assert test.exit_code != 0 and "Not sent" in test.output
    assert "could not be reached" in test.output and "Connection error" in test.output
    at = runner.invoke(args=["notify", "run", "--at", "yesterday"])
    assert at.exit_code != 0 and "YYYY-MM-DDTHH:MM" in at.output


def test_preview_writes_nothing_and_run_writes_once(app, runner):
    tree = make_tree()
    make_site(tree["unit_a"], name="一号工程")
    db.session.commit()
    preview = runner.invoke(args=["notify", "preview", "U-A1", "--at", "2026-12-09T16:05"])
    assert preview.exit_code == 0, preview.output
    assert "cutoff:U-A1:2026-12-09" in preview.output and "一号工程" in preview.output
    assert "http://127.0.0.1:5000/dashboard/?org=U-A1&date=2026-12-09" in preview.output
    assert db.session.scalar(select(func.count(Notice.id))) == 0
    first = runner.invoke(args=["notify", "run", "--at", "2026-12-09T16:05"])
    assert first.exit_code == 0 and db.session.scalar(select(func.count(Notice.id))) > 0
    again = runner.invoke(args=["notify", "run", "--at", "2026-12-09T16:05"])
    assert again.output.startswith("0 new notices")
