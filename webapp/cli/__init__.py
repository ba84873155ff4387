"""Command line: ``flask --app webapp <command>``. One module per area registers its commands."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    for command in _commands():
        app.cli.add_command(command)


def _commands():
    from webapp.cli import demo, hazards, qr, sites, sync, users

    modules = (demo, users, sites, sync, hazards, qr)
    return [command for module in modules for command in module.COMMANDS]
