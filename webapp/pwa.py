"""Serves the PWA: the app shell, the manifest, the service worker, /s/<site_code> and the
favicon.

The service worker is rendered here with SHELL_VERSION = a hash of every file it
precaches, so any change to the shell installs a new worker (and a new cache).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

from flask import Blueprint, Response, current_app

bp = Blueprint("pwa", __name__)

# What the service worker precaches, relative to pwa_static/ (the shell, its code, its
# vendored libraries, its icons). manage.css belongs to the managers' pages, not the app.
PRECACHE_GLOBS = (
    "index.html",
    "manifest.webmanifest",
    "css/app.css",
    "js/**/*.js",
    "vendor/**/*.js",
    "icons/*.png",
)
SHELL_URL = "/"


def _static_dir() -> Path:
    return Path(current_app.static_folder)


# The managers' pages' own scripts: not part of the app on the phone.
PRECACHE_SKIP = "js/manage/"


def precached_files() -> list[Path]:
    """The files the service worker precaches, sorted, each once."""
    root = _static_dir()
    found = {
        path
        for pattern in PRECACHE_GLOBS
        for path in root.glob(pattern)
        if path.is_file() and not path.relative_to(root).as_posix().startswith(PRECACHE_SKIP)
    }
    return sorted(found)


def _url_of(path: Path) -> str:
    relative = path.relative_to(_static_dir()).as_posix()
    if relative == "index.html":
        return SHELL_URL
    if relative == "manifest.webmanifest":
        return "/manifest.webmanifest"
    return f"{current_app.static_url_path}/{relative}"


def shell_version() -> str:
    """A hash of the names and bytes of every precached file (and the worker itself)."""
    digest = hashlib.sha256()
    for path in [*precached_files(), _static_dir() / "sw.js"]:
        digest.update(path.relative_to(_static_dir()).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# What a QR scan waits for: main.js and the form screen with every module they import
# statically, preloaded in parallel (<link rel="modulepreload">) instead of discovered import
# by import. The other screens (home, hazards, my checks, self-test) and the QR decoder load
# when first shown; all of them are precached, so they load underground too.
PRELOAD_ENTRIES = ("js/main.js", "js/ui/inspection-form.js")
STATIC_IMPORT = re.compile(r"""^\s*import\s[^'"]*?\sfrom\s+['"](\.{1,2}/[^'"]+)['"]""", re.M)


def module_graph(root: Path, entries: tuple[str, ...]) -> list[Path]:
    """The files ``entries`` (relative to ``root``) import statically, themselves included,
    sorted. Dynamic ``import()`` is not followed: that is what makes a module lazy."""
    seen: set[Path] = set()
    todo = [root / entry for entry in entries]
    while todo:
        path = todo.pop()
        if path in seen or not path.is_file():
            continue
        seen.add(path)
        for spec in STATIC_IMPORT.findall(path.read_text(encoding="utf-8")):
            todo.append(Path(os.path.normpath(path.parent / spec)))
    return sorted(seen)


def _shell() -> Response:
    """index.html with a <link rel="modulepreload"> per module a QR scan needs."""
    root = _static_dir()
    html = (root / "index.html").read_text(encoding="utf-8")
    modules = module_graph(root, PRELOAD_ENTRIES)
    links = "".join(f'<link rel="modulepreload" href="{_url_of(path)}">\n' for path in modules)
    response = Response(html.replace("<!-- modulepreload -->\n", links), mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/")
def index():
    return _shell()


@bp.route("/s/<site_code>")
def site_form(site_code: str):
    """The URL on a site's QR label. The shell renders the form from IndexedDB, online or
    offline; the code and ``?k=`` token are read by the page."""
    return _shell()


@bp.route("/app/<path:screen>")
def app_screen(screen: str):
    """Other screens of the app (``/app/self-test``): the same shell."""
    return _shell()


@bp.route("/manifest.webmanifest")
def manifest():
    response = current_app.send_static_file("manifest.webmanifest")
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/favicon.ico")
def favicon():
    """The icon browsers ask for on every page (the managers' pages link it too)."""
    response = current_app.send_static_file("icons/favicon.ico")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.route("/sw.js")
def service_worker():
    source = (_static_dir() / "sw.js").read_text(encoding="utf-8")
    urls = [_url_of(path) for path in precached_files()]
    body = source.replace("'__SHELL_VERSION__'", json.dumps(shell_version())).replace(
        "__PRECACHE__", json.dumps(urls, indent=0)
    )
    response = Response(body, mimetype="text/javascript")
    # The browser must always ask for the worker afresh (its hash is the app's version).
    response.headers["Cache-Control"] = "no-cache, max-age=0"
    response.headers["Service-Worker-Allowed"] = "/"
    return response
