"""The Jilin demo: organisations, sites and accounts (``dataset``), weeks of made-up
checks, hazard work and monthly reports replayed through the real services
(``activity``), the code that writes them (``seed``) and its command (``cli``).

The product never imports this package. The demo is an app of its own, the product's with
one more command: ``flask --app webapp.demo seed-demo`` (what ``make run`` does).
"""

from __future__ import annotations

from flask import Flask


def create_app(config: dict | None = None) -> Flask:
    """The product's app (``webapp.create_app``) with the ``seed-demo`` command added."""
    from webapp import create_app as create_product_app
    from webapp.demo.cli import seed_demo_command

    app = create_product_app(config)
    app.cli.add_command(seed_demo_command)
    return app
