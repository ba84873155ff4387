"""``flask notify``: run the reminder rules and send (cron / systemd timer), preview what
an organisation would get, and manage channels from the command line."""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import select

from webapp import days
from webapp.cli.language import in_cli_language
from webapp.extensions import db
from webapp.models import Notice, NotifyChannel, Organisation
from webapp.services import notify
from webapp.services.notify.channels import explained
from webapp.services.notify.manage import add_channel, remove_channel, send_test
from webapp.services.notify.messages import render_for_channels

group = AppGroup("notify", help="Reminders and escalation: run, preview, channels.")
channel_group = AppGroup("channel", help="An organisation's channels (apprise URLs).")
group.add_command(channel_group)


def _moment(text: str | None) -> datetime:
    """``--at``: an ISO date and time, in SHELTER_TZ unless it names its offset."""
    if not text:
        return days.now()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(_("use YYYY-MM-DDTHH:MM"), param_hint="--at") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=days.zone())


def _org(code: str) -> Organisation:
    org = db.session.scalar(select(Organisation).where(Organisation.code == code))
    if org is None:
        raise click.ClickException(_("No organisation has the code “%(code)s”.", code=code))
    return org


def _channel(channel_id: int) -> NotifyChannel:
    channel = db.session.get(NotifyChannel, channel_id)
    if channel is None:
        raise click.ClickException(_("No channel has the id %(id)d.", id=channel_id))
    return channel


@group.command("run")
@click.option(
    "--at", "at_text", help="The moment to evaluate (default now), e.g. 2026-12-09T16:05."
)
@in_cli_language
def run_command(at_text: str | None) -> None:
    """Write the notices due at that moment and send what is pending (idempotent)."""
    report = notify.run(_moment(at_text))
    sending = report.sending
    click.echo(
        _(
            "%(written)d new notices; sent %(sent)d, to retry %(retrying)d, failed %(failed)d, "
            "interrupted %(interrupted)d; %(recorded)d hazard reminders recorded.",
            written=report.written,
            sent=sending.sent,
            retrying=sending.retrying,
            failed=sending.failed,
            interrupted=sending.interrupted,
            recorded=report.reminders_recorded,
        )
    )
    if sending.skipped:
        click.echo(
            _(
                "%(skipped)d of them not tried: their channel did not answer earlier in this run.",
                skipped=sending.skipped,
            )
        )


@group.command("preview")
@click.argument("org_code")
@click.option("--at", "at_text", help="The moment to evaluate (default now).")
@in_cli_language
def preview_command(org_code: str, at_text: str | None) -> None:
    """Print what the organisation would be sent at that moment; sends and writes nothing."""
    drafts = notify.preview(_org(org_code), _moment(at_text))
    written = set(db.session.scalars(select(Notice.key))) if drafts else set()
    for draft in drafts:
        title, body = render_for_channels(draft.as_notice())
        state = _("already written") if draft.key in written else _("new")
        click.echo(f"[{draft.key}] ({state})\n{title}\n{body}\n")
    click.echo(_("%(count)d notices.", count=len(drafts)))


@channel_group.command("add")
@click.argument("org_code")
@click.argument("url")
@click.option("--name", help="A name people recognise, e.g. 安全群机器人.")
@in_cli_language
def channel_add(org_code: str, url: str, name: str | None) -> None:
    """Add a channel (an apprise URL) to an organisation; refused with the reason."""
    try:
        channel = add_channel(_org(org_code), url, name)
    except notify.ChannelRefused as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(_("Channel %(id)d added: %(url)s", id=channel.id, url=notify.masked_url(url)))


@channel_group.command("list")
@click.argument("org_code", required=False)
@in_cli_language
def channel_list(org_code: str | None) -> None:
    """List channels (secrets masked), of one organisation or all."""
    query = (
        select(NotifyChannel).join(NotifyChannel.org).order_by(Organisation.code, NotifyChannel.id)
    )
    if org_code:
        query = query.where(NotifyChannel.org_id == _org(org_code).id)
    channels = db.session.scalars(query).all()
    for channel in channels:
        state = _("enabled") if channel.enabled else _("disabled")
        click.echo(
            f"{channel.id}\t{channel.org.code}\t{channel.name}\t{state}\t"
            f"{notify.masked_url(channel.url)}"
        )
    click.echo(_("%(count)d channels.", count=len(channels)))


@channel_group.command("remove")
@click.argument("channel_id", type=int)
@in_cli_language
def channel_remove(channel_id: int) -> None:
    """Remove a channel (its notices stay in the inbox)."""
    remove_channel(_channel(channel_id))
    click.echo(_("Channel %(id)d removed.", id=channel_id))


@group.command("test")
@click.argument("channel_id", type=int)
@in_cli_language
def test_command(channel_id: int) -> None:
    """Send a test message through a channel now; exits 1 with the reason if it fails."""
    error = send_test(_channel(channel_id))
    if error:
        raise click.ClickException(_("Not sent: %(reason)s", reason=explained(error)))
    click.echo(_("Sent."))


COMMANDS = [group]
