"""Translations: Simplified Chinese first, English second (browser language, with a switch)."""

from __future__ import annotations

from flask import Flask, request, session

from webapp.extensions import babel

LOCALES = ("zh", "en")


def select_locale() -> str:
    chosen = request.args.get("lang") or session.get("lang")
    if chosen in LOCALES:
        return chosen
    return request.accept_languages.best_match(LOCALES) or "zh"


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)

    @app.before_request
    def remember_language_switch():
        if request.args.get("lang") in LOCALES:
            session["lang"] = request.args["lang"]

    @app.context_processor
    def locale_helpers():
        from flask_babel import get_locale

        return {"current_locale": str(get_locale())}
