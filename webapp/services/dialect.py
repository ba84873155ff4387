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


def bulk_insert(model, columns: list[str], rows: list[tuple]) -> None:
    """Append ``rows`` (tuples in ``columns`` order) to ``model``'s table, in the session's
    transaction, by the fastest plain path each database has.

    PostgreSQL: ``COPY ... FROM STDIN`` (about 3x less database time than a multi-row
    INSERT for inspection results). SQLite: the driver's ``executemany``. No ORM, no
    per-row SQLAlchemy type processing: callers pass values the driver takes as they are
    (str, int, bool, None; JSON as already-encoded text).
    """
    if not rows:
        return
    table = model.__table__.name
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        names = ", ".join(columns)
        with connection.connection.dbapi_connection.cursor() as cursor:
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    else:
        names = ", ".join(columns)
        marks = ", ".join("?" for _ in columns)
        connection.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
