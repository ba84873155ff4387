"""Translations: Simplified Chinese first, English second (browser language, with a switch).

The switch (``?lang=en`` / ``?lang=zh`` on any page) is remembered in the session; without
it the browser's Accept-Language decides, and Chinese is the default.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, request, session
from flask_babel import get_locale

from webapp.extensions import babel

LOCALES = ("zh", "en")


def select_locale() -> str:
    chosen = request.args.get("lang") or session.get("lang")
    if chosen in LOCALES:
        return chosen
    return request.accept_languages.best_match(LOCALES) or "zh"


def lang_switch_url(lang: str) -> str:
    """This page in ``lang``: the same path and query, with ``lang`` set."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    return f"{request.path}?{urlencode([*args, ('lang', lang)])}"


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)

    @app.before_request
    def remember_language_switch():
        if request.args.get("lang") in LOCALES:
            session["lang"] = request.args["lang"]

    @app.context_processor
    def locale_helpers():
        return {"current_locale": str(get_locale()), "lang_switch_url": lang_switch_url}
