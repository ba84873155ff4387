"""What makes some demo checks doubtful, so that the demo shows every credibility flag
(webapp/services/credibility/) raised by the real sync: photos (one per failure, a few
reused), a unit that rushes, an inspector at two sites at once, a phone that stayed offline
for days, a phone whose clock runs fast. Unscanned checks (plan.UNSCANNED_SHARE) and
office visits that contradict all-pass self-checks come from the ordinary history.

Its own random generator (``plan.quirks``), so the rest of the history stays as it was."""

from __future__ import annotations

import hashlib
import io
from datetime import date, datetime, timedelta
from functools import partial

from PIL import Image, ImageDraw

from webapp import days
from webapp.demo.activity import story
from webapp.demo.activity.plan import Plan
from webapp.models import User
from webapp.services.photos import store_photo


def failure_photo(plan: Plan, user: User, label: str, taken: datetime, reuse: bool = True) -> str:
    """A new photo of a failure (or, ``reuse`` False, of its fix), uploaded by ``user``'s
    phone when it was taken; an inspector of a PHOTO_REUSING_UNITS unit sends now and then
    the photo of a failure of an earlier check instead (the photo_reused flag)."""
    previous = plan.last_photo.get(user.id)
    share = story.PHOTO_REUSING_UNITS.get(plan.cast.unit_code.get(user.org_id), 0)
    if reuse and previous is not None and previous[1] < taken and plan.quirks.random() < share:
        return previous[0]
    data = placeholder_jpeg(label, reuse, plan.counts.photos)  # a fix: green
    sha = hashlib.sha256(data).hexdigest()
    plan.add(taken, partial(store_photo, user, sha, data))
    plan.counts.photos += 1
    if reuse:  # a photo of what was found (an after-photo is never sent again)
        plan.last_photo[user.id] = (sha, taken)
    return sha


def rushed(plan: Plan, unit_code: str, visits: list[tuple[datetime, datetime]]) -> None:
    """A RUSHED_UNITS inspector ticks some forms off in well under a minute (too_fast)."""
    share = story.RUSHED_UNITS.get(unit_code)
    if share is None:
        return
    for number, (start, _end) in enumerate(visits):
        if plan.quirks.random() < share:
            visits[number] = (start, start + timedelta(seconds=plan.quirks.randrange(25, 50)))


def overlapped(
    plan: Plan, unit_code: str, day: date, visits: list[tuple[datetime, datetime]]
) -> None:
    """On one day the OVERLAPPING_UNIT's inspector starts the second site's form while the
    first is still open (overlapping, on both checks)."""
    code, days_back = story.OVERLAPPING_UNIT
    if unit_code != code or day != plan.today - timedelta(days=days_back) or len(visits) < 2:
        return
    first_start, first_end = visits[0]
    start = first_start + (first_end - first_start) / 2
    visits[1] = (start, start + (visits[1][1] - visits[1][0]))


def offline_phone_sync(plan: Plan, unit_code: str, day: date, synced: datetime) -> datetime:
    """The OFFLINE_PHONE unit's phone stayed underground and offline: one day's checks
    reach the server two days later (late_sync)."""
    code, days_back = story.OFFLINE_PHONE
    if unit_code == code and day == plan.today - timedelta(days=days_back):
        return plan.at(day + timedelta(days=2), 7, 40)
    return synced


def phone_clock(plan: Plan, user: User, received: datetime) -> datetime:
    """What the phone's clock says when it syncs: the SKEWED_PHONE unit's runs fast for its
    last few days (clock_skew), every other one is right."""
    code, days_fast, minutes = story.SKEWED_PHONE
    unit = plan.cast.unit_code.get(user.org_id)
    if unit == code and days.local_day(received) > plan.today - timedelta(days=days_fast):
        return received + timedelta(minutes=minutes)
    return received


def placeholder_jpeg(label: str, failure: bool, number: int) -> bytes:
    """A demo photo: a coloured card with ``label`` written on it (distinct labels give
    distinct bytes, so distinct SHA-256 names)."""
    shade = 40 + number * 37 % 120
    colour = (190, shade, shade) if failure else (shade, 160, shade)
    image = Image.new("RGB", (320, 240), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((12, 12, 307, 227), outline=(255, 255, 255), width=3)
    draw.text((28, 28), "DEMO PHOTO", fill=(255, 255, 255))
    draw.text((28, 52), label, fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70)
    return buffer.getvalue()
