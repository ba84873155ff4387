"""Notification pages: an organisation's channels and reminder settings, the deliveries
that failed, and the inbox's actions (open a notice, mark all read)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager, joinedload

from webapp.auth import in_scope_or_404, manager_required
from webapp.extensions import db
from webapp.forms import ChannelForm, NotifySettingsForm
from webapp.inputs import query_page
from webapp.models import DeliveryStatus, Notice, NoticeDelivery, NotifyChannel, Organisation
from webapp.scope import can_manage_channels, get_org, in_subtree, scoped_orgs
from webapp.services.notify import ChannelRefused, masked_url, retry_by_hand
from webapp.services.notify.channels import explained, failure_meaning
from webapp.services.notify.inbox import mark_all_read, open_notice
from webapp.services.notify.manage import (
    add_channel,
    org_channels,
    remove_channel,
    send_test,
    set_channel_enabled,
)
from webapp.services.notify.messages import render
from webapp.services.notify.settings import RULES, org_times, own_settings, save_settings

bp = Blueprint("notify", __name__, url_prefix="/manage/notify")

FAILED_PER_PAGE = 50


def _user():
    return current_user._get_current_object()


def _managed_org(code: str | None) -> Organisation:
    """The organisation named (default the user's own): 404 outside the scope, 403 when
    the user may not manage its channels."""
    user = _user()
    org = in_scope_or_404(get_org, user, code) if code else user.org
    if not can_manage_channels(user, org):
        abort(403)
    return org


def _channel(channel_id: int) -> NotifyChannel:
    channel = db.session.get(NotifyChannel, channel_id)
    if channel is None or not _user().org.contains(channel.org):
        abort(404)
    if not can_manage_channels(_user(), channel.org):
        abort(403)
    return channel


@bp.route("/")
@manager_required
def channels():
    org = _managed_org(request.args.get("org"))
    return _channels_page(org, ChannelForm(), _settings_form(org))


def _settings_form(org: Organisation, formdata=None) -> NotifySettingsForm:
    own = own_settings(org)
    form = NotifySettingsForm(
        formdata=formdata, rules=[(key, str(text)) for key, text in RULES.items()]
    )
    if formdata is None and own is not None:
        form.cutoff_time.data = own.cutoff_time
        form.digest_time.data = own.digest_time
        form.disabled_rules.data = list(own.disabled_rules or [])
    return form


def _channels_page(org, form, settings_form, status=200):
    user = _user()
    orgs = []
    if user.org.org_kind.is_office:
        orgs = db.session.scalars(scoped_orgs(user).order_by(Organisation.path)).all()
    return render_template(
        "notify/channels.html",
        org=org,
        orgs=orgs,
        channels=org_channels(org),
        masked_url=masked_url,
        failure_meaning=failure_meaning,
        form=form,
        settings_form=settings_form,
        effective=org_times([org])[org.id],
    ), status


@bp.route("/channels", methods=["POST"])
@manager_required
def add():
    org = _managed_org(request.form.get("org"))
    form = ChannelForm()
    if form.validate_on_submit():
        try:
            channel = add_channel(org, form.url.data, form.name.data, by=_user())
        except ChannelRefused as refused:
            form.url.errors.append(str(refused))
        else:
            flash(_("Channel “%(name)s” added.", name=channel.name), "ok")
            return redirect(url_for("notify.channels", org=org.code))
    return _channels_page(org, form, _settings_form(org), status=422)


@bp.route("/settings", methods=["POST"])
@manager_required
def settings():
    org = _managed_org(request.form.get("org"))
    form = _settings_form(org, formdata=request.form)
    if not form.validate_on_submit():
        return _channels_page(org, ChannelForm(formdata=None), form, status=422)
    save_settings(org, form.cutoff_time.data, form.digest_time.data, form.disabled_rules.data)
    flash(_("Reminder settings saved."), "ok")
    return redirect(url_for("notify.channels", org=org.code))


@bp.route("/channels/<id:channel_id>/<any(enable,disable,remove,test):action>", methods=["POST"])
@manager_required
def channel_action(channel_id: int, action: str):
    channel = _channel(channel_id)
    org_code = channel.org.code
    if action == "test":
        error = send_test(channel)
        if error:
            flash(_("Test message not sent: %(reason)s", reason=explained(error)), "error")
        else:
            flash(_("Test message sent to “%(name)s”.", name=channel.name), "ok")
    elif action == "remove":
        remove_channel(channel)
        flash(_("Channel removed."), "ok")
    else:
        set_channel_enabled(channel, action == "enable")
    return redirect(url_for("notify.channels", org=org_code))


@bp.route("/failed")
@manager_required
def failed():
    """Deliveries that failed, or failed and wait for a retry, of the channels the user
    manages (its unit's, or every organisation's below an office admin)."""
    user = _user()
    if not can_manage_channels(user, user.org):
        abort(403)
    # Each row shows its notice, the notice's organisation and the channel: loaded with the
    # page, not one by one.
    query = (
        select(NoticeDelivery)
        .join(NoticeDelivery.channel)
        .join(NotifyChannel.org)
        .options(
            contains_eager(NoticeDelivery.channel).contains_eager(NotifyChannel.org),
            joinedload(NoticeDelivery.notice).joinedload(Notice.org),
        )
        .where(
            in_subtree(user),
            or_(
                NoticeDelivery.status == DeliveryStatus.FAILED.value,
                NoticeDelivery.last_error.is_not(None)
                & (NoticeDelivery.status == DeliveryStatus.PENDING.value),
            ),
        )
        .order_by(NoticeDelivery.id.desc())
    )
    page = db.paginate(query, page=query_page(), per_page=FAILED_PER_PAGE, error_out=False)
    return render_template(
        "notify/failed.html",
        page=page,
        render=render,
        masked_url=masked_url,
        failure_meaning=failure_meaning,
    )


@bp.route("/deliveries/<id:delivery_id>/retry", methods=["POST"])
@manager_required
def retry(delivery_id: int):
    delivery = db.session.get(NoticeDelivery, delivery_id)
    if delivery is None or not _user().org.contains(delivery.channel.org):
        abort(404)
    if not can_manage_channels(_user(), delivery.channel.org):
        abort(403)
    try:
        retry_by_hand(delivery)
    except ValueError:
        abort(409, description=_("Only a failed delivery can be retried."))
    flash(_("It will be sent again within a few minutes."), "ok")
    return redirect(url_for("notify.failed"))


@bp.route("/notices/<id:notice_id>")
@manager_required
def open_(notice_id: int):
    """Mark the notice read and go to the page it points at."""
    try:
        notice: Notice = open_notice(_user(), notice_id)
    except LookupError:
        abort(404)
    return redirect(notice.link)


@bp.route("/notices/read", methods=["POST"])
@manager_required
def read_all():
    mark_all_read(_user())
    return redirect(url_for("auth.manage_home") + "#inbox")
