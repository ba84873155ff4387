"""The plan of the demo history: the shares it follows, the steps it is made of, and the
randomness and clock they share. Planning writes nothing; ``_replay`` runs the steps."""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial

from sqlalchemy import select

from webapp import days
from webapp.demo.activity.cast import Cast, DemoSite
from webapp.extensions import db
from webapp.models import EventType, Hazard, User
from webapp.services.hazards import EventRequest, record_event

# The shares of domain.md §3.3 "Activity to generate".
FAILING_SHARE = 0.08  # daily checks with at least one failed item
SECOND_FAILURE_SHARE = 0.15  # of those, the ones with two
ON_SPOT_SHARE = 0.85  # failed items fixed on the spot (即查即改); the rest become orders
LATE_SYNC_SHARE = 0.03  # days a unit's phone syncs only the next morning: late checks
UNSCANNED_SHARE = 0.04  # checks without a QR scan (label damaged, code typed in)
DILIGENCE = (0.93, 0.99)  # share of its due sites a unit checks (but SLOPPY_UNITS)
OFFICE_CHECK_CHANCE = 0.6  # per working day and city-level office: about 3 a week
OFFICE_FAILING_SHARE = 0.25
COVERT_CHECK_CHANCE = 0.13  # per day, by the province: about 4 a month
COVERT_FAILING_SHARE = 0.5
# What becomes of a rectification order: usually rectified the next day or soon after
# (FIX_DAYS: days after it was found, by weight; never past its deadline); some late, some
# rejected once at verification, a few left undone.
FIX_DAYS = {1: 50, 2: 30, 3: 12, 4: 8}
LATE_FIX_SHARE = 0.05
REJECTED_SHARE = 0.06
NEGLECTED_SHARE = 0.005
MIN_OVERDUE = 2  # at least this many orders are left overdue at the end


class HistoryRefused(RuntimeError):
    """A service refused a step of the history: the plan is wrong, nothing is kept."""


@dataclass
class HistoryCounts:
    """What the history added, and the state it left as the dashboards count it."""

    days: int = 0
    already_there: bool = False  # the demo sites had inspections: nothing was added
    other_data: bool = False  # the database holds more than the demo: nothing was added
    self_checks: int = 0
    late_syncs: int = 0
    office_checks: int = 0
    covert_checks: int = 0
    photos: int = 0
    hazards: int = 0
    fixed_on_spot: int = 0
    closed: int = 0
    awaiting_verification: int = 0
    outstanding: int = 0  # open or being rectified
    overdue: int = 0
    major: int = 0
    major_open: int = 0
    supervised: int = 0
    reports: dict[str, int] = field(default_factory=dict)  # by SubmissionStatus.state
    notices: int = 0  # in the managers' inboxes, from the reminder runs

    @property
    def added(self) -> int:
        return self.self_checks + self.office_checks + self.covert_checks


@dataclass(order=True)
class Step:
    moment: datetime
    order: int  # planning order breaks ties
    run: Callable[[], object] = field(compare=False)


@dataclass(frozen=True)
class HazardRef:
    """A hazard to be, named by the inspection and item it will be opened from."""

    inspection_id: str
    item_id: str


@dataclass
class Order:
    """A failed item sent as a rectification order, as known when planning."""

    ref: HazardRef
    site: DemoSite
    source: str  # self | office | covert
    found_by: User
    received: datetime  # when its inspection reached the server
    deadline: date
    measures: str


class Plan:
    """The steps of the history, in the order they are planned, with the random generator
    and the moment ``now`` they share."""

    def __init__(self, cast: Cast, first: date, now: datetime, seed: int):
        self.cast, self.first, self.now = cast, first, now
        self.rng = random.Random(seed)  # nosec B311 # seeded: the same history every run
        # The doubtful checks (quirks.py) draw from their own generator.
        self.quirks = random.Random(seed + 1)  # nosec B311 # seeded, as above
        self.today = days.local_day(now)
        self.steps: list[Step] = []
        self.syncs: dict[tuple[int, datetime], list[dict]] = defaultdict(list)
        self.users: dict[int, User] = {}
        self.photos: dict[tuple[int, str], str] = {}  # (user id, "fixed") → SHA-256
        # user id → its latest photo of a failure, and when it was taken
        self.last_photo: dict[int, tuple[str, datetime]] = {}
        self.orders: list[Order] = []
        self.months: list[date] = []  # months whose reports were due
        self.hazard_ids: dict[HazardRef, int] = {}  # filled while replaying
        self.counts = HistoryCounts()

    @property
    def span(self) -> int:
        return (self.today - self.first).days + 1

    def days(self) -> Iterator[date]:
        for offset in range(self.span):
            yield self.first + timedelta(days=offset)

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=days.zone())

    def working_moment(self, day: date, after: datetime | None = None) -> datetime:
        """A moment in working hours (09:00–17:30) of ``day``, or of the first later day
        on which it falls after ``after``."""
        while True:
            moment = self.at(day, 9) + timedelta(minutes=self.rng.randrange(510))
            if after is None or moment > after + timedelta(minutes=10):
                return moment
            day += timedelta(days=1)

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def add(self, moment: datetime, run: Callable[[], object]) -> bool:
        """Plan ``run`` at ``moment``; False, and nothing planned, if that is still to come."""
        if moment > self.now:
            return False
        self.steps.append(Step(moment, len(self.steps), run))
        return True

    def send(self, user: User, received: datetime, record: dict) -> None:
        """``record`` reaches the server with ``user``'s phone's sync at ``received``."""
        self.users[user.id] = user
        self.syncs[(user.id, received)].append(record)

    def event(self, moment: datetime, user: User, ref: HazardRef, kind: EventType, **fields):
        """Plan a hazard action by ``user``; False if its moment is still to come."""
        request = partial(EventRequest, id=self.uuid(), type=kind.value, **fields)
        return self.add(moment, partial(self._record_event, user, ref, request))

    def _record_event(self, user: User, ref: HazardRef, request: Callable) -> None:
        if ref not in self.hazard_ids:  # opened by the sync of its inspection, by now
            self.hazard_ids[ref] = db.session.scalar(
                select(Hazard.id).where(
                    Hazard.inspection_id == ref.inspection_id, Hazard.item_id == ref.item_id
                )
            )
        record_event(user, self.hazard_ids[ref], request())


def iso(moment: datetime) -> str:
    """A moment as the phone sends it: ISO 8601 in SHELTER_TZ, to the second."""
    return moment.astimezone(days.zone()).isoformat(timespec="seconds")
