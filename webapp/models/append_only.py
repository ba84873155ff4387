"""Append-only tables: rows are added, never changed or deleted.

``make_append_only(Model)`` enforces it twice over:
- ORM: ``before_update`` / ``before_delete`` mapper events and a ``do_orm_execute`` hook
  refuse any change, including bulk ``update()`` / ``delete()`` statements;
- database: triggers refuse UPDATE and DELETE on SQLite and PostgreSQL. They are created
  by a DDL listener on *every* ``Table`` of that name, so both ``db.create_all()`` and an
  Alembic migration (``op.create_table`` dispatches the same ``after_create`` event)
  install them without hand-editing the generated migration.
"""

from __future__ import annotations

from sqlalchemy import Table, event
from sqlalchemy.orm import ORMExecuteState, Session


class HistoryIsImmutable(Exception):
    """Raised on any attempt to change or delete a row of an append-only table."""


_APPEND_ONLY: dict[str, type] = {}  # table name → model


def make_append_only(model: type) -> type:
    """Refuse every change to ``model``'s rows (ORM and database); returns the model."""
    table = model.__tablename__
    _APPEND_ONLY[table] = model

    @event.listens_for(model, "before_update")
    def _refuse_update(_mapper, _connection, target) -> None:
        raise HistoryIsImmutable(f"{table} row {target.id} cannot be changed")

    @event.listens_for(model, "before_delete")
    def _refuse_delete(_mapper, _connection, target) -> None:
        raise HistoryIsImmutable(f"{table} row {target.id} cannot be deleted")

    return model


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and any(
        mapper.class_ in _APPEND_ONLY.values() for mapper in state.all_mappers
    ):
        raise HistoryIsImmutable("append-only rows cannot be changed or deleted")


def triggers(table: str, dialect: str) -> list[str]:
    """The statements that make ``table`` refuse UPDATE and DELETE in ``dialect``."""
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb} BEFORE {verb.upper()} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            for verb in ("update", "delete")
        ]
    if dialect == "postgresql":
        return [
            f"CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"RAISE EXCEPTION '{table} is append-only'; END $$",
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()",
        ]
    return []


@event.listens_for(Table, "after_create")
def _install_triggers(table: Table, connection, **_kw) -> None:
    """After any CREATE TABLE of an append-only table (create_all or a migration)."""
    if table.name in _APPEND_ONLY:
        for statement in triggers(table.name, connection.dialect.name):
            connection.exec_driver_sql(statement)
