"""QR labels for managers: print labels (A4 sheet PDF, single PNG/SVG), rotate tokens,
check a label, read the rotation log. Under /manage/qr.

Labels carry the secret that proves presence, so only those who manage sites (unit
managers, office admins) may print them or rotate them. Out of scope → 404.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from webapp import qr, qr_labels
from webapp.days import today, zone
from webapp.extensions import db
from webapp.inputs import query_page
from webapp.models import Organisation, OrgKind, QrRotation, Role, Site
from webapp.scope import (
    OutOfScope,
    below,
    can_manage_site,
    get_org,
    get_site,
    in_subtree,
    scoped_orgs,
    scoped_sites,
)

bp = Blueprint("qr", __name__, url_prefix="/manage/qr")

LABEL_ROLES = (Role.UNIT_MANAGER, Role.OFFICE_ADMIN)
# Sites listed a page, as on the sites list (a province has thousands).
PER_PAGE = 50
LOG_LIMIT = 30
# The check page answers with the verdict; labels that prove nothing are client errors.
CHECK_STATUS = {
    qr.LabelState.CURRENT: 200,
    qr.LabelState.GRACE: 200,
    qr.LabelState.RETIRED: 410,
    qr.LabelState.WRONG: 409,
    qr.LabelState.UNKNOWN_SITE: 404,
}


class RotateForm(FlaskForm):
    reason = StringField(
        _l("Reason"),
        validators=[Length(max=qr.REASON_MAX, message=_l("At most %(max)d characters."))],
        render_kw={"maxlength": qr.REASON_MAX, "placeholder": _l("e.g. label damaged by water")},
    )
    confirm = BooleanField(
        _l("I understand that the old label stops counting as proof and must be replaced."),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )


@bp.before_request
@login_required
def _label_managers_only():
    if current_user.user_role not in LABEL_ROLES:
        abort(403, description=_("Only unit managers and office administrators manage QR labels."))


def _site_or_404(code: str) -> Site:
    try:
        site = get_site(current_user, code)
    except (LookupError, OutOfScope):
        abort(404, description=_("No site with code %(code)s.", code=code))
    if not can_manage_site(current_user, site):
        abort(403)
    return site


def _org_or_404(code: str) -> Organisation:
    try:
        return get_org(current_user, code)
    except (LookupError, OutOfScope):
        abort(404, description=_("No organisation with code %(code)s.", code=code))


def _sites_by_code(codes: list[str]) -> list[Site]:
    """These sites, in this order, in one query; 404 if any is unknown or out of scope
    (the same answer for both), 403 if the user may not manage one."""
    found = {
        site.code: site
        for site in db.session.execute(
            scoped_sites(current_user).where(Site.code.in_(codes))
        ).scalars()
    }
    missing = [code for code in codes if code not in found]
    if missing:
        abort(404, description=_("No site with code %(code)s.", code=", ".join(missing)))
    sites = [found[code] for code in codes]
    if not all(can_manage_site(current_user, site) for site in sites):
        abort(403)
    return sites


def _sites_under_query(org: Organisation):
    """The user's sites in ``org``'s subtree, by code."""
    return (
        scoped_sites(current_user)
        .where(below(org))
        .options(selectinload(Site.unit))
        .order_by(Site.code)
    )


def _sites_under(org: Organisation) -> list[Site]:
    return list(db.session.execute(_sites_under_query(org)).scalars())


def _page_of(site: Site) -> int:
    """The page of its unit's list that shows ``site`` (to land on it after a rotation)."""
    before = db.session.execute(
        _sites_under_query(site.unit)
        .where(Site.code < site.code)
        .with_only_columns(db.func.count())
        .order_by(None)
    ).scalar_one()
    return before // PER_PAGE + 1


def _no_store(response: Response) -> Response:
    # A label carries the site's secret: never keep it in a shared cache.
    response.headers["Cache-Control"] = "no-store"
    return response


# --- pages ------------------------------------------------------------------------------


@bp.route("/")
def index():
    orgs = list(db.session.execute(scoped_orgs(current_user).order_by(Organisation.path)).scalars())
    code = request.args.get("org") or current_user.org.code
    org = _org_or_404(code)
    page = db.paginate(
        _sites_under_query(org), page=query_page(), per_page=PER_PAGE, error_out=False
    )
    log = db.session.execute(
        select(QrRotation)
        .join(QrRotation.unit)
        .where(in_subtree(current_user), below(org))
        .options(selectinload(QrRotation.site), selectinload(QrRotation.rotated_by))
        .order_by(QrRotation.rotated_at.desc(), QrRotation.id.desc())
        .limit(LOG_LIMIT)
    ).scalars()
    return render_template(
        "qr/index.html",
        orgs=orgs,
        org=org,
        page=page,
        page_args={k: v for k, v in request.args.items() if k not in ("page", "rotated")},
        log=list(log),
        is_unit=org.org_kind is OrgKind.UNIT,
        max_sheet=qr_labels.MAX_SHEET_LABELS,
        fingerprint=qr.token_fingerprint,
        grace_ends=qr.grace_ends,
    )


@bp.route("/sheet.pdf")
def sheet():
    """An A4 sheet of labels: ``?org=CODE`` for all its sites, plus ``&site=CODE`` (repeated)
    for a selection of them."""
    org_code = request.args.get("org", "").strip()
    if not org_code:
        abort(400, description=_("Choose an organisation."))
    org = _org_or_404(org_code)
    wanted = [code.strip() for value in request.args.getlist("site") for code in value.split(",")]
    wanted = list(dict.fromkeys(code for code in wanted if code))
    if wanted:
        sites = _sites_by_code(wanted[: qr_labels.MAX_SHEET_LABELS + 1])
        outside = [site.code for site in sites if not org.contains(site.unit)]
        if outside:
            abort(
                400,
                description=_(
                    "These sites are not in %(org)s: %(codes)s",
                    org=org.name,
                    codes=", ".join(outside),
                ),
            )
    elif request.args.get("selection"):
        abort(400, description=_("Tick at least one site."))
    else:
        sites = [site for site in _sites_under(org) if can_manage_site(current_user, site)]
    if not sites:
        abort(400, description=_("There are no sites to print labels for."))
    if len(sites) > qr_labels.MAX_SHEET_LABELS:
        abort(
            400,
            description=_(
                "At most %(max)d labels at once: choose a unit or fewer sites.",
                max=qr_labels.MAX_SHEET_LABELS,
            ),
        )
    pdf = qr_labels.sheet_pdf(sites)
    name = f"qr-labels-{org.code}-{today():%Y%m%d}.pdf"
    return _no_store(_file(pdf, "application/pdf", name, request.args.get("download") == "1"))


@bp.route("/sites/<code>/label.png")
def label_png(code: str):
    site = _site_or_404(code)
    name = f"qr-label-{site.code}.png"
    return _no_store(_file(qr_labels.label_png(site), "image/png", name, _download()))


@bp.route("/sites/<code>/label.svg")
def label_svg(code: str):
    site = _site_or_404(code)
    body = qr_labels.label_svg(site).encode()
    name = f"qr-label-{site.code}.svg"
    return _no_store(_file(body, "image/svg+xml; charset=utf-8", name, _download()))


def _download() -> bool:
    return request.args.get("download") == "1"


def _file(body: bytes, mimetype: str, name: str, attachment: bool) -> Response:
    response = Response(body, mimetype=mimetype)
    disposition = "attachment" if attachment else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{name}"'
    return response


@bp.route("/sites/<code>/rotate", methods=["GET", "POST"])
def rotate_site(code: str):
    site = _site_or_404(code)
    form = RotateForm()
    if form.validate_on_submit():
        try:
            qr.rotate_site_token(site, current_user, form.reason.data)
        except qr.RotationRefused:
            abort(403)
        flash(
            _(
                "Site %(code)s has a new QR code. Print its label and replace the old one.",
                code=site.code,
            ),
            "ok",
        )
        page = _page_of(site)
        return redirect(
            url_for(
                "qr.index", org=site.unit.code, page=page if page > 1 else None, rotated=site.code
            )
        )
    status = 422 if form.errors else 200
    return render_template(
        "qr/rotate.html", form=form, site=site, unit=None, sites=[site], grace_hours=_grace_hours()
    ), status


@bp.route("/units/<code>/rotate", methods=["GET", "POST"])
def rotate_unit(code: str):
    unit = _org_or_404(code)
    if unit.org_kind is not OrgKind.UNIT:
        abort(
            400, description=_("Labels are rotated for one site or one operating unit at a time.")
        )
    sites = _sites_under(unit)
    if not sites:
        abort(400, description=_("This unit has no sites."))
    if not all(can_manage_site(current_user, site) for site in sites):
        abort(403)
    form = RotateForm()
    if form.validate_on_submit():
        try:
            rotations = qr.rotate_unit_tokens(unit, current_user, form.reason.data)
        except qr.RotationRefused:
            abort(403)
        flash(
            _(
                "%(count)d sites of %(unit)s have new QR codes. Print the labels and replace "
                "the old ones.",
                count=len(rotations),
                unit=unit.name,
            ),
            "ok",
        )
        return redirect(url_for("qr.index", org=unit.code))
    status = 422 if form.errors else 200
    return render_template(
        "qr/rotate.html", form=form, site=None, unit=unit, sites=sites, grace_hours=_grace_hours()
    ), status


def _grace_hours() -> int:
    return int(current_app.config["SHELTER_QR_ROTATION_GRACE_HOURS"])


@bp.route("/check")
def check():
    """Paste (or scan) what a label says: is it this installation's current label?"""
    text = request.args.get("url", "").strip()
    verdict = site = None
    status = 200
    if text:
        try:
            ref = qr.parse_label_url(text)
        except qr.MalformedLabel as err:
            verdict, status = str(err), 400
        else:
            state, site = qr.label_state(ref)
            if site is None or not current_user.org.contains(site.unit):
                state, site = qr.LabelState.UNKNOWN_SITE, None
            verdict, status = state.value, CHECK_STATUS[state]
    return render_template(
        "qr/check.html",
        text=text,
        verdict=verdict,
        site=site,
        grace_ends=qr.grace_ends,
        base=_public_base(),
    ), status


def _public_base() -> str:
    return current_app.config["SHELTER_PUBLIC_BASE_URL"].rstrip("/")


@bp.app_template_filter("qr_local_time")
def _local_time(value) -> str:
    """An aware UTC datetime as SHELTER_TZ wall-clock time, to the minute."""
    return value.astimezone(zone()).strftime("%Y-%m-%d %H:%M") if value else ""


@bp.app_context_processor
def _qr_nav() -> dict:
    """Whether the navigation shows the QR labels link."""
    user = current_user
    return {"may_manage_qr_labels": user.is_authenticated and user.user_role in LABEL_ROLES}
