"""Build the translation catalogs: ``python -m webapp.translations.build``.

Translations are kept per area in ``src/<area>.po`` (English msgid, Chinese msgstr) so that
areas never edit one shared file. This merges them into ``zh/LC_MESSAGES/messages.po`` and
compiles ``messages.mo`` (both generated, not committed).
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).resolve().parent


def merged_catalog() -> Catalog:
    catalog = Catalog(locale="zh")
    for source in sorted((HERE / "src").glob("*.po")):
        with source.open("rb") as handle:
            for message in read_po(handle, locale="zh"):
                if message.id and message.id not in catalog:
                    catalog.add(message.id, message.string, context=message.context)
    return catalog


def build() -> None:
    out = HERE / "zh" / "LC_MESSAGES"
    out.mkdir(parents=True, exist_ok=True)
    catalog = merged_catalog()
    with (out / "messages.po").open("wb") as handle:
        write_po(handle, catalog)
    with (out / "messages.mo").open("wb") as handle:
        write_mo(handle, catalog)


if __name__ == "__main__":
    build()
