"""Every user-visible string in code and templates has a Simplified Chinese translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir

from webapp.translations.build import merged_catalog

ROOT = Path(__file__).resolve().parent.parent / "webapp"
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2.ext:babel_extract")]
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)}


def test_every_message_is_translated():
    catalog = merged_catalog()
    missing = set()
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        ROOT, METHODS, keywords=KEYWORDS
    ):
        for msgid in message if isinstance(message, tuple) else (message,):
            if msgid and (msgid not in catalog or not catalog[msgid].string):
                missing.add(f"{filename}: {msgid}")
    assert not missing, "add these to webapp/translations/src/<area>.po:\n" + "\n".join(
        sorted(missing)
    )
