"""JSON API v1 at /api/v1, documented in the OpenAPI document at /api/v1/openapi.json."""

from __future__ import annotations

from flask import Flask

from webapp.extensions import api


def init_api(app: Flask) -> None:
    api.init_app(app, spec_kwargs={"info": {"description": "人防日检 Shelter Daily Check"}})
    for blueprint in _blueprints():
        api.register_blueprint(blueprint)


def _blueprints():
    from webapp.api import completion, hazards, photos, reports, session, sites, sync, templates

    return [
        session.bp,
        sites.bp,
        templates.bp,
        sync.bp,
        photos.bp,
        completion.bp,
        hazards.bp,
        reports.bp,
    ]
