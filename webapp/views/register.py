"""Downloads of the daily-check register (日检查记录台账) of a site or an operating unit for
a month, as XLSX or PDF. Scoped like every page: outside the user's scope is a 404."""

from __future__ import annotations

from datetime import date
from io import BytesIO

from flask import Blueprint, abort, send_file
from flask_babel import gettext as _
from flask_login import current_user

from webapp.auth import in_scope_or_404, manager_required
from webapp.days import today
from webapp.inputs import parse_month, query_arg
from webapp.models import OrgKind
from webapp.scope import get_org, get_site
from webapp.services import register as svc
from webapp.services.reports.months import month_start

bp = Blueprint("register", __name__, url_prefix="/register")

MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@bp.route("/sites/<code>.<any(xlsx, pdf):fmt>")
@manager_required
def site_download(code: str, fmt: str):
    site = in_scope_or_404(get_site, current_user, code)
    month = read_month(svc.site_first_month(site))
    return _download(svc.site_register(site, month), fmt)


@bp.route("/units/<code>.<any(xlsx, pdf):fmt>")
@manager_required
def unit_download(code: str, fmt: str):
    unit = in_scope_or_404(get_org, current_user, code)
    if unit.org_kind is not OrgKind.UNIT:
        abort(404)  # registers are kept by operating units; offices open a unit's
    sites = svc.unit_sites(unit)
    month = read_month(svc.unit_first_month(unit, sites))
    return _download(svc.unit_register(unit, sites, month), fmt)


def read_month(first: date) -> date:
    """The request's ``month`` (default: this month) from ``first`` to this month; a bad
    one is a 400 naming the argument."""
    month = query_arg("month", parse_month, month_start(today()))
    try:
        return svc.check_month(month, first)
    except svc.MonthRefused as refused:
        abort(400, description=_("%(field)s: %(problem)s", field="month", problem=str(refused)))


def _download(register: svc.Register, fmt: str):
    if fmt == "xlsx":
        from webapp.services.register.xlsx import register_xlsx

        data = register_xlsx(register)
    else:
        from webapp.services.register.pdf import register_pdf

        data = register_pdf(register)
    return send_file(
        BytesIO(data),
        as_attachment=True,
        download_name=register.filename(fmt),
        mimetype=MIMETYPES[fmt],
    )
