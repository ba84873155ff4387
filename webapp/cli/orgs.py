"""``create-org``: add an organisation from the command line. On an empty database it is
the first step of a deployment (the province office), before ``create-user``."""

from __future__ import annotations

import click
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from webapp.cli.language import in_cli_language
from webapp.extensions import db
from webapp.forms import NewOrgForm
from webapp.labels import label, parse_label
from webapp.models import Organisation, OrgKind
from webapp.services.accounts import CHILD_KINDS, FieldError, create_org


def _check_fields(code: str, name: str, phone: str | None) -> None:
    """The code, name and phone rules of the organisation page (webapp/forms.py);
    raises ClickException naming each field at fault."""
    form = NewOrgForm(
        formdata=MultiDict({"code": code, "name": name, "phone": phone or ""}),
        parents=[],
        nominal_parents=[],
        meta={"csrf": False},
    )
    problems = [
        f"{field.label.text}: {error}"
        for field in (form.code, form.name, form.phone)
        if not field.validate(form)
        for error in field.errors
    ]
    if problems:
        raise click.ClickException(" ".join(problems))


def _kind(text: str) -> OrgKind:
    try:
        return parse_label(OrgKind, text)
    except ValueError:
        raise click.ClickException(
            _(
                "Unknown kind “%(kind)s”; use one of: %(kinds)s.",
                kind=text,
                kinds=", ".join(kind.value for kind in OrgKind),
            )
        ) from None


def _parent(code: str | None) -> Organisation | None:
    if code is None:
        return None
    parent = db.session.scalar(
        select(Organisation).where(Organisation.code == code.strip().upper())
    )
    if parent is None:
        raise click.ClickException(_("No organisation has the code “%(code)s”.", code=code))
    return parent


def _refusal(problem: FieldError, parent: Organisation | None) -> str:
    """The service's reason, and for a kind that does not fit, what would fit there."""
    if problem.field != "kind" or parent is None:
        return problem.message
    allowed = CHILD_KINDS[parent.org_kind]
    if not allowed:
        hint = _("Nothing can be placed below an operating unit.")
    else:
        hint = _(
            "Below %(parent)s (%(parent_kind)s) only: %(allowed)s.",
            parent=parent.code,
            parent_kind=label(parent.kind),
            allowed=", ".join(f"{kind.value} ({label(kind)})" for kind in allowed),
        )
    return f"{problem.message} {hint}"


@click.command("create-org")
@click.argument("code")
@click.argument("name")
@click.option(
    "--kind",
    "kind_text",
    required=True,
    help="province, city, county or unit (the Chinese labels work too).",
)
@click.option(
    "--parent",
    "parent_code",
    help="Code of the organisation above; none only for a province office.",
)
@click.option("--phone", help="Phone number.")
@in_cli_language
def create_org_command(
    code: str, name: str, kind_text: str, parent_code: str | None, phone: str | None
) -> None:
    """Create an organisation: a province office (no --parent), or one below an existing
    organisation (city-level or county-level office, operating unit)."""
    _check_fields(code, name, phone)
    kind = _kind(kind_text)
    parent = _parent(parent_code)
    try:
        org = create_org(parent=parent, kind=kind, code=code, name=name, phone=phone)
    except FieldError as problem:
        raise click.ClickException(_refusal(problem, parent)) from None
    if parent is None:
        created = _(
            "Created %(code)s %(name)s (%(kind)s).",
            code=org.code,
            name=org.name,
            kind=label(org.kind),
        )
    else:
        created = _(
            "Created %(code)s %(name)s (%(kind)s) below %(parent)s %(parent_name)s.",
            code=org.code,
            name=org.name,
            kind=label(org.kind),
            parent=parent.code,
            parent_name=parent.name,
        )
    click.echo(created)


COMMANDS = [create_org_command]
