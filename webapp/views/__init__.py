"""Server-rendered pages for managers and admins, one blueprint per area."""

from __future__ import annotations

from flask import Flask


def register_views(app: Flask) -> None:
    from webapp.views import auth, checklists, orgs, qr, sites, users

    app.register_blueprint(auth.bp)
    for area in (sites, users, orgs, checklists, qr):
        app.register_blueprint(area.bp)
    from webapp.views import dashboard, reports

    app.register_blueprint(dashboard.bp)
    app.register_blueprint(reports.bp)
    from webapp.views import hazards, notify, register

    app.register_blueprint(hazards.bp)
    app.register_blueprint(notify.bp)
    app.register_blueprint(register.bp)
    from webapp.views import inspections

    app.register_blueprint(inspections.bp)
