"""Limits on failed logins, shared by the login page and ``POST /api/v1/session``.

Only failed attempts count, so a phone that logs in every morning is never refused. Three
limits, each past its count a 429 whose message says what to do:

- per address and account (``SHELTER_LOGIN_LIMIT_PER_ADDRESS_AND_ACCOUNT``): someone guessing
  one password from one place. It refuses that place only: a stranger cannot lock an
  inspector out of his own phone before his round.
- per address (``SHELTER_LOGIN_LIMIT_PER_ADDRESS``): one place trying many accounts.
- per account (``SHELTER_LOGIN_LIMIT_PER_ACCOUNT``): guessing spread over many addresses.
  Browsers and phones on which the account has logged in before are spared, so the user keeps
  working on his own devices while new ones wait; reaching it is logged as a warning.

A known device of an account (one that carries a signed "known device" cookie naming it, set
when it logged in as that account) counts apart from the rest of its address
(``_counted_address``): a whole unit's phones often share one address (carrier NAT, the
unit's Wi-Fi), and a stranger failing there must not lock out an inspector on his own phone.
Its own failures still count, so whoever holds it guesses no faster than anyone else.

The counters live in ``SHELTER_RATELIMIT_STORAGE_URI``: Redis when several server processes
run, so they all count together.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Response, after_this_request, current_app, request
from flask_babel import gettext as _
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeSerializer

from webapp.extensions import limiter

log = logging.getLogger(__name__)

DEVICE_COOKIE = "login_device"
DEVICE_COOKIE_DAYS = 400  # the longest a browser keeps a cookie
DEVICE_ACCOUNTS = 5  # a shared office computer remembers this many accounts


def login_rate_limited(view):
    """The three limits on ``view`` (see the module docstring)."""
    per_address_and_account = _failed_logins(
        "SHELTER_LOGIN_LIMIT_PER_ADDRESS_AND_ACCOUNT",
        key_func=lambda: f"{_counted_address()}/{attempted_username()}",
    )
    per_address = _failed_logins("SHELTER_LOGIN_LIMIT_PER_ADDRESS", key_func=_counted_address)
    per_account = _failed_logins(
        "SHELTER_LOGIN_LIMIT_PER_ACCOUNT",
        key_func=attempted_username,
        error_message=_too_many_from_elsewhere,
        exempt_when=_known_device,
        on_breach=_warn_distributed_guessing,
    )
    return per_address_and_account(per_address(per_account(view)))


def _failed_logins(setting: str, key_func, error_message=None, **options):
    """A limit on failed POSTs, counted under ``key_func``, its rate from ``setting``."""
    return limiter.shared_limit(
        lambda: current_app.config[setting],
        scope=setting,
        key_func=key_func,
        methods=["POST"],
        error_message=error_message or _too_many_attempts,
        deduct_when=_failed,
        **options,
    )


def attempted_username() -> str:
    """The username the request tries, as the limits count it (case-insensitive)."""
    data = request.get_json(silent=True) if request.is_json else request.form
    if not isinstance(data, dict):
        data = {}
    return str(data.get("username", "")).strip().lower()[:64] or "-"


def remember_device(username: str) -> None:
    """After a successful login: this browser is a known device of ``username`` from now on
    (the reply sets the cookie)."""
    known = [username.lower()] + [name for name in _device_accounts() if name != username.lower()]
    value = _serializer().dumps(known[:DEVICE_ACCOUNTS])

    @after_this_request
    def set_cookie(response: Response) -> Response:
        response.set_cookie(
            DEVICE_COOKIE,
            value,
            max_age=timedelta(days=DEVICE_COOKIE_DAYS),
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
        return response


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="login-device")


def _device_accounts() -> list[str]:
    try:
        accounts = _serializer().loads(request.cookies.get(DEVICE_COOKIE, ""))
    except BadSignature:
        return []
    return (
        [name for name in accounts if isinstance(name, str)] if isinstance(accounts, list) else []
    )


def _known_device() -> bool:
    """Whether this browser has logged in as the attempted account before."""
    return attempted_username() in _device_accounts()


def _counted_address() -> str:
    """The address the per-address limits count this request under: a known device of the
    attempted account counts apart from everyone else at its address, whose failures then
    never refuse it (and its own never refuse them)."""
    # The marker comes first: an address never starts with it, whereas a username (appended
    # after the address by the per-address-and-account key) can hold anything.
    address = get_remote_address()
    return f"known-device-of/{attempted_username()}/{address}" if _known_device() else address


def _failed(response: Response) -> bool:
    return response.status_code >= 400


def _too_many_attempts() -> str:
    return _("Too many login attempts. Please wait 15 minutes and try again.")


def _too_many_from_elsewhere() -> str:
    return _(
        "Too many failed logins to this account from other places. Log in on a phone or "
        "computer you have used before, or try again later."
    )


def _warn_distributed_guessing(limit: RequestLimit) -> None:
    log.warning(
        "login: account %r reached %s of failed logins from many addresses (the last from %s); "
        "new devices wait, known devices still log in",
        attempted_username(),
        limit.limit,
        get_remote_address(),
    )
