"""Command line: ``flask --app webapp <command>``. One module per area registers its commands."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    for command in _commands():
        app.cli.add_command(command)


def _commands():
    from webapp.cli import (
        backup,
        checklist,
        hazards,
        notify,
        orgs,
        photos,
        qr,
        rollups,
        sites,
        sync,
        users,
    )

    modules = (checklist, orgs, users, sites, sync, hazards, qr, notify, photos, rollups, backup)
    return [command for module in modules for command in module.COMMANDS]
