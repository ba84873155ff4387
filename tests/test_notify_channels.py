"""Channels: what apprise sends, checked at real loopback servers (SMTP, JSON webhook) and,
for the vendor robots whose servers are not reachable here, at the HTTP boundary; invalid
URLs refused with the reason; secrets masked on every path (pages, errors, logs)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from email import message_from_bytes
from email.header import decode_header, make_header
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from tests.notify_servers import SmtpServer, WebhookReceiver, free_port
from webapp.services.notify.channels import (
    ChannelRefused,
    check_url,
    deliver,
    masked_url,
    redact,
)

WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
DING_TOKEN = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
DING_SECRET = "SEC0f1e2d3c4b5a69788796a5b4c3d2e1f0aa11bb22cc33dd44ee55ff6677889"
FEISHU_TOKEN = "2b7e9c1d-35aa-4f60-9e2b-7a5c3d1e0f42"
# A generic webhook authenticates by a token in its path or in a GET argument.
PATH_TOKEN = "abcdef123456SECRET"
PARAM_TOKEN = "SECRET123"
JSON_URL = f"jsons://example.com/hooks/{PATH_TOKEN}?-token={PARAM_TOKEN}"


@pytest.fixture
def receiver():
    server = WebhookReceiver()
    yield server
    server.close()


@pytest.fixture
def smtp():
    server = SmtpServer(free_port())
    yield server
    server.close()


def test_a_json_webhook_receives_title_and_message(app, receiver):
    assert deliver(receiver.url(), "今日尚有 2 个工程未检查", "一号工程、二号工程", 5) is None
    (body,) = receiver.bodies
    assert body["title"] == "今日尚有 2 个工程未检查"
    assert body["message"] == "一号工程、二号工程"


def test_an_email_reaches_a_real_smtp_server_with_login(app, smtp):
    assert deliver(smtp.url(), "昨日漏检 3 个工程", "甲单位：漏检 3 个", 5) is None
    (envelope,) = smtp.mails
    assert envelope.mail_from == "robot@example.com"
    assert envelope.rcpt_tos == ["duty@example.com"]
    mail = message_from_bytes(envelope.content)
    assert str(make_header(decode_header(mail["Subject"]))) == "昨日漏检 3 个工程"
    text = next(p for p in mail.walk() if p.get_content_type() == "text/plain")
    assert "甲单位：漏检 3 个" in text.get_payload(decode=True).decode()


def test_a_wrong_smtp_password_fails_with_a_reason_that_hides_it(app, smtp):
    reason = deliver(smtp.url("wrong-pass-123"), "t", "b", 5)
    assert reason and "wrong-pass-123" not in reason
    assert smtp.mails == []


def test_an_unreachable_server_fails_within_the_timeout(app):
    port = free_port()  # nothing listens there
    reason = deliver(f"json://127.0.0.1:{port}/hook", "t", "b", 2)
    assert reason and "Connection error" in reason


def test_a_refusing_webhook_fails_with_the_status(app, receiver):
    receiver.status = 500
    reason = deliver(receiver.url(), "t", "b", 5)
    assert reason and "500" in reason


@responses.activate
def test_wecom_robot_request():
    responses.post(
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send", json={"errcode": 0, "errmsg": "ok"}
    )
    assert deliver(f"wecombot://{WECOM_KEY}", "标题", "正文", 5) is None
    (call,) = responses.calls
    assert call.request.url == f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}"
    assert call.request.headers["Content-Type"].startswith("application/json")
    assert json.loads(call.request.body) == {"msgtype": "text", "text": {"content": "标题\r\n正文"}}


@responses.activate
def test_dingtalk_robot_request_is_signed_as_dingtalk_documents():
    responses.post("https://oapi.dingtalk.com/robot/send", json={"errcode": 0, "errmsg": "ok"})
    assert deliver(f"dingtalk://{DING_SECRET}@{DING_TOKEN}/", "标题", "正文", 5) is None
    (call,) = responses.calls
    url = urlsplit(call.request.url)
    assert (url.scheme, url.netloc, url.path) == ("https", "oapi.dingtalk.com", "/robot/send")
    query = parse_qs(url.query)  # what DingTalk's server reads: each value URL-decoded once
    assert query["access_token"] == [DING_TOKEN]
    (timestamp,) = query["timestamp"]
    # DingTalk: sign = urlEncode(base64(HmacSHA256(key=secret, "timestamp\nsecret"))).
    digest = hmac.new(
        DING_SECRET.encode(), f"{timestamp}\n{DING_SECRET}".encode(), hashlib.sha256
    ).digest()
    assert query["sign"] == [base64.b64encode(digest).decode()]
    assert json.loads(call.request.body) == {
        "msgtype": "text",
        "at": {"atMobiles": [], "isAtAll": False},
        "text": {"content": "标题\r\n正文"},
    }


@responses.activate
def test_feishu_robot_request():
    responses.post(
        f"https://open.feishu.cn/open-apis/bot/v2/hook/{FEISHU_TOKEN}/", json={"code": 0}
    )
    assert deliver(f"feishu://{FEISHU_TOKEN}", "标题", "正文", 5) is None
    (call,) = responses.calls
    assert json.loads(call.request.body) == {
        "msg_type": "text",
        "content": {"text": "标题\r\n正文"},
    }


@pytest.mark.parametrize(
    "url, reason",
    [
        ("", "Enter the channel's URL."),
        ("https://example.com/hook", "Use one of these kinds of URL"),
        ("slack://T000/B000/XXX", "Use one of these kinds of URL"),
        ("dingtalk://", "apprise cannot use this URL"),
        ("wecombot://", "apprise cannot use this URL"),
        ("json://", "apprise cannot use this URL"),
        ("mailto://" + "x" * 2100, "At most 2000 characters."),
    ],
)
def test_an_invalid_url_is_refused_with_the_reason(app, url, reason):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(ChannelRefused, match=reason):
            check_url(url)


@pytest.mark.parametrize(
    "url, secret, still_shown",
    [
        (f"wecombot://{WECOM_KEY}", WECOM_KEY, "wecombot://"),
        (f"dingtalk://{DING_SECRET}@{DING_TOKEN}/", DING_SECRET, "dingtalk://"),
        (f"dingtalk://{DING_SECRET}@{DING_TOKEN}/", DING_TOKEN, "dingtalk://"),
        (f"feishu://{FEISHU_TOKEN}", FEISHU_TOKEN, "feishu://"),
        ("mailtos://robot:Pa55-word!@smtp.qq.com?to=duty@example.com", "Pa55-word!", "smtp.qq.com"),
        ("jsons://hooks.example.com/x?+Authorization=Bearer%20tok-123456", "tok-123456", "hooks"),
        (JSON_URL, PATH_TOKEN, "example.com"),
        (JSON_URL, PARAM_TOKEN, "example.com"),
        ("json://127.0.0.1:9/x?:key=payload-secret", "payload-secret", "127.0.0.1:9"),
    ],
)
def test_masked_url_hides_the_secrets_and_keeps_the_rest(app, url, secret, still_shown):
    shown = masked_url(url)
    assert secret not in shown and still_shown in shown
    assert secret not in redact(f"failed to reach {url}", url)


def test_no_secret_reaches_the_logs_even_at_debug_level(app, caplog, receiver):
    caplog.set_level(logging.DEBUG)
    secret_url = f"dingtalk://{DING_SECRET}@{DING_TOKEN}/"
    with responses.RequestsMock() as mock:
        mock.post("https://oapi.dingtalk.com/robot/send", status=400, json={"errcode": 310000})
        reason = deliver(secret_url, "标题", "正文", 5)
    assert reason
    with app.test_request_context(), pytest.raises(ChannelRefused):
        check_url(f"dingtalk://{DING_SECRET}@")
    deliver(f"json://hook:{DING_TOKEN}@127.0.0.1:{free_port()}/hook", "t", "b", 1)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "DingTalk" in logged  # apprise did log at debug level
    for secret in (DING_SECRET, DING_TOKEN):
        assert secret not in logged and secret not in reason


@pytest.mark.parametrize(
    "url, shown",
    [
        (JSON_URL, "jsons://example.com/****/****?-token=****"),
        # apprise's own switches stay readable; headers, GET arguments and payload fields
        # are the webhook's, and may authenticate it
        (
            "json://bot@hook.example.com:8080/api/v2/send?method=PUT&+X-Key=k3y&:to=d4ta",
            "json://bot@hook.example.com:8080/****/****/****?method=PUT&%2BX-Key=****&%3Ato=****",
        ),
        # a path segment that also appears in the host leaves the host alone
        ("jsons://hooks.example.com/hooks/abc123", "jsons://hooks.example.com/****/****"),
    ],
)
def test_a_json_webhook_shows_no_path_segment_or_argument_value(url, shown):
    assert masked_url(url) == shown


def test_an_error_text_of_a_json_webhook_hides_path_and_arguments_but_names_the_host():
    url = f"jsons://hooks.example.com/hooks/{PATH_TOKEN}?-token={PARAM_TOKEN}"
    failure = (
        "A Connection error occurred sending JSON notification to hooks.example.com. "
        f"(url: /hooks/{PATH_TOKEN}?token={PARAM_TOKEN})"
    )
    assert redact(failure, url) == (
        "A Connection error occurred sending JSON notification to hooks.example.com. "
        "(url: /****/****?token=****)"
    )


def test_a_json_webhook_token_reaches_neither_the_logs_nor_the_reason(app, caplog, receiver):
    caplog.set_level(logging.DEBUG)
    url = receiver.url(f"hooks/{PATH_TOKEN}?-token={PARAM_TOKEN}")
    assert deliver(url, "t", "b", 5) is None
    receiver.status = 500
    reason = deliver(url, "t", "b", 5)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert '"POST /' in logged  # urllib3 logged the request line, masked
    assert reason and "500" in reason
    for secret in (PATH_TOKEN, PARAM_TOKEN):
        assert secret not in logged and secret not in reason
