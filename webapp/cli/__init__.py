"""Command line: ``flask --app webapp <command>``. One module per area registers its commands."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    for command in _commands():
        app.cli.add_command(command)


def _commands():
    from webapp.cli import demo, hazards, qr, sites, sync, users

    return [*demo.COMMANDS, *users.COMMANDS, *sites.COMMANDS, *hazards.COMMANDS, *sync.COMMANDS, *qr.COMMANDS]
