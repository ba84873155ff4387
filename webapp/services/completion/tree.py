"""The organisations under one organisation, and which sites lie under it."""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, has_request_context
from sqlalchemy import select
from sqlalchemy.sql.elements import ColumnElement

from webapp.extensions import db
from webapp.models import Organisation, OrgKind, Site
from webapp.scope import below


@dataclass(frozen=True)
class OrgInfo:
    """The read-only facts the dashboards need about an organisation (plain columns: a
    province has hundreds of organisations and a page needs them several times)."""

    id: int
    code: str
    name: str
    kind: str
    path: str
    parent_id: int | None

    @property
    def org_kind(self) -> OrgKind:
        return OrgKind(self.kind)


def subtree_orgs(org: Organisation) -> list[OrgInfo]:
    """The organisation and everything below it, ordered by path (once per request)."""
    cache = g.setdefault("_subtree_orgs", {}) if has_request_context() else {}
    if org.id not in cache:
        cache[org.id] = [
            OrgInfo(*row)
            for row in db.session.execute(
                select(
                    Organisation.id,
                    Organisation.code,
                    Organisation.name,
                    Organisation.kind,
                    Organisation.path,
                    Organisation.parent_id,
                )
                .where(below(org))
                .order_by(Organisation.path)
            )
        ]
    return cache[org.id]


def child_containing(org: Organisation, orgs_by_id: dict[int, Organisation]) -> dict[int, int]:
    """For every organisation strictly below ``org``: the id of the child of ``org`` it lies
    under (by materialised path, so 梅河口 counts under the province only, never under its
    nominal parent)."""
    child_by_code = {o.code: o.id for o in orgs_by_id.values() if o.parent_id == org.id}
    result = {}
    for other in orgs_by_id.values():
        if other.id == org.id:
            continue
        first = other.path[len(org.path) :].split("/", 1)[0]
        if first in child_by_code:
            result[other.id] = child_by_code[first]
    return result


def sites_under(org: Organisation, unit_column=Site.unit_id) -> ColumnElement[bool]:
    """SQL condition on ``Site`` (or on another table's ``unit_column``): its unit lies in
    ``org``'s subtree. An IN on the indexed unit id (the subquery yields the few hundred
    unit ids), so a unit's or a city's figures never scan the whole province's sites."""
    return unit_column.in_(select(Organisation.id).where(below(org)))
