"""webapp/gunicorn_conf.py: the settings `make run` and docs/deploy.md give gunicorn."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

from webapp.gunicorn_conf import post_worker_init

GUNICORN = Path(sys.executable).with_name("gunicorn")


def test_gunicorn_reads_the_settings_by_the_name_the_commands_use():
    printed = subprocess.run(
        [
            str(GUNICORN),
            "-c",
            "python:webapp.gunicorn_conf",
            "--print-config",
            "webapp:create_app()",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    hook = next(line for line in printed.splitlines() if line.startswith("post_worker_init"))
    assert "Worker" not in hook  # ours, not gunicorn's default (WorkerInit.post_worker_init)


def test_a_worker_keeps_what_it_loaded_out_of_the_collectors_way():
    assert gc.get_freeze_count() == 0
    try:
        post_worker_init(None)
        assert gc.get_freeze_count() > 1000  # the app's modules, mappers and settings
    finally:
        gc.unfreeze()
