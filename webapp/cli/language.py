"""The language of command-line output: Chinese when the environment's locale is Chinese
(``LANG=zh_CN.UTF-8``), English otherwise. Messages go through Flask-Babel like pages do."""

from __future__ import annotations

import os
from functools import wraps

from flask_babel import force_locale


def cli_locale() -> str:
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def in_cli_language(command):
    """Run a command function with the CLI locale forced (put it right above ``def``)."""

    @wraps(command)
    def run(*args, **kwargs):
        with force_locale(cli_locale()):
            return command(*args, **kwargs)

    return run
