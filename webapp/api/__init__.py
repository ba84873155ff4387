"""JSON API v1 at /api/v1, documented in the OpenAPI document at /api/v1/openapi.json."""

from __future__ import annotations

from apispec import BasePlugin
from flask import Flask

from webapp.errors import ApiErrorSchema
from webapp.extensions import api
from webapp.inputs import MAX_ID, IdConverter, nul_free_text


class ErrorBodies(BasePlugin):
    """Every error reply the document names (``alt_response(4xx/5xx, description=...)``)
    has the body every API error has (``webapp.errors.json_error``)."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for operation in (operations or {}).values():
            for status, response in operation.get("responses", {}).items():
                if str(status)[0] in "45" and isinstance(response, dict):
                    response.setdefault(
                        "content",
                        {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}},
                    )


def init_api(app: Flask) -> None:
    api.ERROR_SCHEMA = ApiErrorSchema  # the errors' documented shape is the one we send
    api.init_app(
        app,
        spec_kwargs={
            "info": {"description": "人防日检 Shelter Daily Check"},
            "extra_plugins": [ErrorBodies()],
        },
    )
    api.ma_plugin.converter.add_attribute_function(nul_free_text)
    api.register_converter(
        IdConverter, lambda _converter: {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    )
    for blueprint in _blueprints():
        api.register_blueprint(blueprint)


def _blueprints():
    from webapp.api import (
        completion,
        hazards,
        inspections,
        photos,
        reports,
        session,
        sites,
        sync,
        templates,
    )

    return [
        session.bp,
        sites.bp,
        templates.bp,
        sync.bp,
        photos.bp,
        completion.bp,
        hazards.bp,
        reports.bp,
        inspections.bp,
    ]
