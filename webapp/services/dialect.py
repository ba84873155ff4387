"""SQL that differs between SQLite and PostgreSQL, in one small place."""

from __future__ import annotations

from webapp.extensions import db


def insert_ignoring_duplicates(model, index_elements: list[str]):
    """``INSERT ... ON CONFLICT (index_elements) DO NOTHING`` in the database's dialect.

    Rows whose key already exists are skipped by the database itself, so concurrent
    writers of the same key end with exactly one row; add ``.returning(...)`` to learn
    which rows this statement inserted.
    """
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model.__table__).on_conflict_do_nothing(index_elements=index_elements)
