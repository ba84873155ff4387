"""gunicorn settings for serving the app: ``gunicorn -c python:webapp.gunicorn_conf ...``
(`make run` and docs/deploy.md use it)."""

from __future__ import annotations

import gc


def post_worker_init(_worker) -> None:
    """Once a worker has loaded the app: its modules, mappers, templates and settings live
    as long as the worker, so the garbage collector stops walking them. A province's
    dashboard or a city's report makes a hundred thousand short-lived objects, enough to
    set off full collections; without this each one walked every object of the app
    again (up to 100 ms more at p95; docs/benchmarks.md)."""
    gc.freeze()
