"""Channels: apprise URLs of an organisation, checked when added, masked whenever shown,
and the one function that sends through them (``deliver``).

Secrets (robot tokens, DingTalk signing secrets, SMTP passwords, a webhook's path and
arguments) live in the URL; ``secrets_of`` is the one rule for what they are. They are
shown only through ``masked_url``; any text that may quote them (an apprise error, a log
line of apprise or urllib3 while a send is under way) goes through ``redact``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote, quote_plus, unquote, urlsplit, urlunsplit

import apprise
from apprise.plugins.dingtalk import NotifyDingTalk
from flask_babel import gettext as _

# The channels Chinese offices use, plus e-mail and plain JSON webhooks.
SCHEMES = ("wecombot", "dingtalk", "feishu", "mailto", "mailtos", "json", "jsons")
MAX_URL = 2000
MASK = "****"
# Loggers that may print a URL or request line while apprise sends.
NOISY_LOGGERS = ("apprise", "urllib3.connectionpool", "urllib3.util.retry", "requests")


class ChannelRefused(ValueError):
    """The URL is not a channel we can send to; ``str()`` is the reason (masked)."""


# --- masking -------------------------------------------------------------------------------


def secrets_of(url: str) -> set[str]:
    """The one rule for what is secret in a channel URL (unquoted), wherever it may show:

    - every piece that apprise itself hides when it prints the URL privately (tokens,
      keys, passwords): what its private form lacks;
    - every query value other than apprise's own switches (``method=``, ``to=``...):
      HTTP headers (``+Authorization=``), GET arguments (``-token=``), payload fields
      (``:key=``) and anything apprise does not know are the receiver's, and may
      authenticate the sender;
    - for a plugin that prints its path as given (JSON webhooks), every path segment
      after the host: a generic webhook often carries its token there.
    """
    plugin = _instantiate_quietly(url)
    shown = unquote(plugin.url(privacy=True)) if plugin is not None else ""
    pieces = {unquote(p) for p in re.split(r"[/:@?&=+,#]+", url.split("://", 1)[-1])}
    secrets = {p for p in pieces if len(p) >= 3 and p not in shown}
    switches = set(plugin.template_args) if plugin is not None else set()
    secrets |= {value for key, value in _query(url) if key.lower() not in switches}
    if plugin is not None and _prints_its_path(plugin):
        secrets |= {unquote(segment) for segment in urlsplit(url).path.split("/")}
    return secrets - {""}


def _prints_its_path(plugin) -> bool:
    """Whether the plugin's path is free text it prints as given, not tokens it hides or
    targets (recipients) it names."""
    path = plugin.template_tokens.get("path")
    return path is not None and not path.get("private")


def redact(text: str, url: str) -> str:
    """``text`` with every secret of ``url`` replaced by ****, as written or URL-encoded.
    The URL's host, unless it is a secret itself, stays readable where a secret is part of
    it (``hooks.example.com`` of ``jsons://hooks.example.com/hooks/...``)."""
    secrets = secrets_of(url)
    host = (urlsplit(url).hostname or "").lower()
    keep = host if host and host not in {secret.lower() for secret in secrets} else None
    return _mask(text, secrets, keep)


def _mask(text: str, secrets: set[str], keep: str | None = None) -> str:
    """``text`` with each secret, as written or as URLs and requests encode it, replaced
    by ****; ``keep`` (compared without case) is left as it is unless a longer secret
    starts where it does. A secret of one or two characters cannot be told from ordinary
    text: no token is that short (``masked_url`` hides it by its place)."""
    forms = set()
    for secret in secrets:
        if len(secret) >= 3:
            forms |= {secret, quote(secret, safe=""), quote(secret), quote_plus(secret)}
    if not forms:
        return text
    choices = sorted(forms | ({keep} if keep else set()), key=len, reverse=True)
    return re.sub(
        "|".join(map(re.escape, choices)),
        lambda found: found[0] if keep and found[0].lower() == keep else MASK,
        text,
        flags=re.IGNORECASE,
    )


def masked_url(url: str) -> str:
    """The URL as pages, the command line and errors show it: apprise's private form, with
    only the query arguments the user gave (not apprise's defaults), and each path segment
    and argument value that ``secrets_of`` names shown as ****."""
    plugin = _instantiate_quietly(url)
    if plugin is None:
        return redact(url, url)
    secrets = secrets_of(url)
    private = urlsplit(plugin.url(privacy=True))
    given = {key for key, _value in _query(url)}
    path = "/".join(
        MASK if unquote(segment) in secrets else segment for segment in private.path.split("/")
    )
    query = "&".join(
        f"{key}={MASK if unquote(value) in secrets else value}"
        for key, value in _query(private.geturl(), raw=True)
        if unquote(key) in given
    )
    return urlunsplit(private._replace(path=path, query=query))


def _query(url: str, raw: bool = False) -> list[tuple[str, str]]:
    """The query arguments as written (a "+" starts a header name, it is no space)."""
    pairs = [part.partition("=") for part in urlsplit(url).query.split("&") if part]
    if raw:
        return [(key, value) for key, _eq, value in pairs]
    return [(unquote(key), unquote(value)) for key, _eq, value in pairs]


# --- log redaction -------------------------------------------------------------------------

_active_secrets: set[str] = set()
_active_lock = threading.Lock()


class _RedactSecrets(logging.Filter):
    """Masks the secrets of every channel being parsed or sent right now in the records of
    apprise, urllib3 and requests (their debug lines carry full URLs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        with _active_lock:
            secrets = set(_active_secrets)
        if secrets:
            record.msg, record.args = _mask(record.getMessage(), secrets), None
        return True


_FILTER = _RedactSecrets()
for _name in NOISY_LOGGERS:
    logging.getLogger(_name).addFilter(_FILTER)


@contextmanager
def _secrets_in_use(url: str, secrets: set[str] | None = None) -> Iterator[None]:
    """While the block runs, log records of NOISY_LOGGERS mask ``secrets`` (default: every
    piece of the URL, for when apprise has not parsed it yet)."""
    secrets = _raw_secrets(url) if secrets is None else secrets
    with _active_lock:
        _active_secrets.update(secrets)
    try:
        yield
    finally:
        with _active_lock:
            _active_secrets.difference_update(secrets)


def _raw_secrets(url: str) -> set[str]:
    """Every piece of the URL (before apprise has parsed it, so also what a parse error
    would print): used only to redact logs, where masking too much is harmless."""
    rest = url.split("://", 1)[-1]
    pieces = {p for p in re.split(r"[/:@?&=+,#]+", rest) if len(p) >= 3}
    return pieces | {unquote(p) for p in pieces}


# --- checking and sending --------------------------------------------------------------------


def check_url(url: str) -> str:
    """The URL stripped; raises ChannelRefused naming why apprise cannot use it."""
    url = (url or "").strip()
    if not url:
        raise ChannelRefused(_("Enter the channel's URL."))
    if len(url) > MAX_URL:
        raise ChannelRefused(_("At most %(max)d characters.", max=MAX_URL))
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme not in SCHEMES:
        raise ChannelRefused(
            _("Use one of these kinds of URL: %(schemes)s.", schemes=", ".join(SCHEMES))
        )
    with _secrets_in_use(url), apprise.LogCapture(level=logging.WARNING) as log:
        plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        detail = _last_line(log.getvalue())
        raise ChannelRefused(
            _("apprise cannot use this URL: %(detail)s", detail=redact(detail, url))
            if detail
            else _("apprise cannot use this URL.")
        )
    return url


def deliver(url: str, title: str, body: str, timeout: float) -> str | None:
    """Send one message through one channel, waiting at most about ``timeout`` seconds
    for the server. Returns None when it was accepted, else the reason (masked)."""
    secrets = secrets_of(url)
    with _secrets_in_use(url, secrets), apprise.LogCapture(level=logging.WARNING) as log:
        plugin = apprise.Apprise.instantiate(url)
        if plugin is None:
            return redact(_last_line(log.getvalue()) or "invalid channel URL", url)
        plugin.socket_connect_timeout = plugin.socket_read_timeout = float(timeout)
        try:
            sent = plugin.notify(body=body, title=title)
        except Exception as error:  # noqa: BLE001 - a plugin's bug must not stop the outbox
            return redact(f"{type(error).__name__}: {error}", url)
    if sent:
        return None
    return redact(_last_line(log.getvalue()) or "the server did not accept the message", url)


# apprise's words for a failed send (English, from its plugins' log lines).
_UNREACHABLE = re.compile(r"connection error", re.IGNORECASE)
_HTTP_STATUS = re.compile(r"error=(\d{3})\b")
_REFUSED = re.compile(r"rejected our notification|sending email to .* failed", re.IGNORECASE)


def unreachable(reason: str) -> bool:
    """Whether a failed send's reason (``deliver``'s) says the server did not answer in
    time or could not be reached, rather than answering with a refusal. apprise words a
    timeout while connecting or waiting for the reply, a refused connection and (for
    e-mail) any SMTP error the same way."""
    return bool(_UNREACHABLE.search(reason))


def failure_meaning(reason: str) -> str | None:
    """What a failed send's reason (``deliver``'s, apprise's words) means for the person
    who must fix it, in the current language; None when we cannot tell."""
    if unreachable(reason):
        return _(
            "The server could not be reached: the network is down, the address is wrong, "
            "or a firewall blocks it."
        )
    if status := _HTTP_STATUS.search(reason):
        return _(
            "The server refused the message (HTTP %(status)s): check the robot's address, "
            "key or signing secret.",
            status=status.group(1),
        )
    if _REFUSED.search(reason):
        return _("The server refused the message: check the robot's settings or the account.")
    return None


def explained(reason: str) -> str:
    """The reason with its meaning first (for a flash message or the command line)."""
    meaning = failure_meaning(reason)
    return _("%(meaning)s (%(reason)s)", meaning=meaning, reason=reason) if meaning else reason


def _instantiate_quietly(url: str):
    with _secrets_in_use(url), apprise.LogCapture(level=logging.CRITICAL):
        return apprise.Apprise.instantiate(url)


def _last_line(captured: str) -> str:
    lines = [line.split(" - ", 2)[-1].strip() for line in captured.splitlines() if line.strip()]
    return lines[-1] if lines else ""


# --- DingTalk signing ------------------------------------------------------------------------


def _dingtalk_signature(self) -> tuple[str, str]:
    """DingTalk's robot signature: base64(HMAC-SHA256(secret, "<ms>\\n<secret>")), sent
    URL-encoded once. apprise (2.3) URL-encodes it and then hands it to requests as a query
    parameter, which encodes it again (``%252B``), so DingTalk answers "sign not match";
    returning it unencoded lets requests do the one encoding."""
    timestamp = str(round(time.time() * 1000))
    digest = hmac.new(
        self.secret.encode(), f"{timestamp}\n{self.secret}".encode(), hashlib.sha256
    ).digest()
    return timestamp, base64.b64encode(digest).decode()


NotifyDingTalk.get_signature = _dingtalk_signature
