"""The security headers of every response: pages, the API, static files, the service
worker, photos, downloads and error replies all pass through ``add_security_headers``.

The Content-Security-Policy allows what the app really uses and nothing more: scripts,
styles, fonts, the manifest and workers from this origin only (no inline script, handler,
style or eval: the markup has none, tests/test_security_headers.py checks it); images from
this origin plus ``blob:`` (the phone shows photos it took, straight from IndexedDB, before
they are uploaded); requests to this origin only; no plugins, no framing by any site, forms
posting only here. A header a view already set is kept (e.g. a stricter policy for a
download).
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    # Our own pages still see where a request came from (the bulk verify goes back there);
    # other sites never see our URLs (they carry site codes and report months).
    "Referrer-Policy": "same-origin",
}
HSTS = "max-age=31536000"


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)


def add_security_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure or current_app.config["SESSION_COOKIE_SECURE"]:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response
