"""Smoke test of the scope rule on a small tree (the full matrix lives in test_scope.py)."""

from __future__ import annotations

from tests.factories import make_site, make_tree, make_user
from webapp.extensions import db
from webapp.models import Role
from webapp.scope import scoped_sites


def test_city_user_sees_its_subtree_only(app):
    tree = make_tree()
    inside = make_site(tree["unit_county"])
    outside = make_site(tree["unit_b"])
    user = make_user(tree["city_a"], Role.OFFICE_SUPERVISOR)
    codes = set(db.session.execute(scoped_sites(user)).scalars().all())
    assert inside in codes and outside not in codes
