"""Serves the PWA: the app shell, the manifest, the service worker and /s/<site_code>."""

from __future__ import annotations

from flask import Blueprint, current_app

bp = Blueprint("pwa", __name__)


@bp.route("/")
def index():
    return current_app.send_static_file("index.html")
