"""The per-site hash chain of hazard events: appending and verifying."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select

from webapp import days
from webapp.extensions import db
from webapp.models import (
    EventType,
    Hazard,
    HazardEvent,
    HazardPhoto,
    HazardStatus,
    Site,
    User,
)
from webapp.models.hazards import GENESIS_HASH
from webapp.services.hazards.common import (
    _json_safe,
)

# --- the hash chain -----------------------------------------------------------------------


def _lock_site_chain(site_id: int) -> None:
    """Serialise appends to one site's chain (PostgreSQL row lock; SQLite has one writer)."""
    _lock_site_chains({site_id})


def _lock_site_chains(site_ids: set[int]) -> None:
    # In id order, so two transactions locking overlapping sites cannot deadlock. FOR NO
    # KEY UPDATE, not FOR UPDATE: it still serialises appends to a chain, but does not
    # conflict with the KEY SHARE lock that storing an inspection of the site takes (its
    # foreign key check); with FOR UPDATE two syncs of the same sites deadlocked.
    db.session.execute(
        select(Site.id)
        .where(Site.id.in_(site_ids))
        .order_by(Site.id)
        .with_for_update(key_share=True)  # PostgreSQL: FOR NO KEY UPDATE
    )


class _Chain:
    """Appends events to per-site chains within one transaction (heads cached per call)."""

    def __init__(self) -> None:
        self._heads: dict[int, tuple[int, str]] = {}

    def load_heads(self, site_ids: set[int]) -> None:
        """Fetch the heads of many sites' chains in one query."""
        site_ids = {site_id for site_id in site_ids if site_id not in self._heads}
        if not site_ids:
            return
        last = (
            select(HazardEvent.site_id, func.max(HazardEvent.seq).label("seq"))
            .where(HazardEvent.site_id.in_(site_ids))
            .group_by(HazardEvent.site_id)
            .subquery()
        )
        rows = db.session.execute(
            select(HazardEvent.site_id, HazardEvent.seq, HazardEvent.hash).join(
                last, (HazardEvent.site_id == last.c.site_id) & (HazardEvent.seq == last.c.seq)
            )
        ).all()
        for site_id in site_ids:
            self._heads[site_id] = (0, GENESIS_HASH)
        for row in rows:
            self._heads[row.site_id] = (row.seq, row.hash)

    def head(self, site_id: int) -> tuple[int, str]:
        if site_id not in self._heads:
            row = db.session.execute(
                select(HazardEvent.seq, HazardEvent.hash)
                .where(HazardEvent.site_id == site_id)
                .order_by(HazardEvent.seq.desc())
                .limit(1)
            ).first()
            self._heads[site_id] = (row.seq, row.hash) if row else (0, GENESIS_HASH)
        return self._heads[site_id]

    def append(
        self,
        hazard: Hazard,
        event_type: EventType,
        actor: User | None,
        from_status: HazardStatus | None,
        to_status: HazardStatus,
        *,
        note=None,
        photos=(),
        data=None,
        client_id=None,
        client_at=None,
        at=None,
    ) -> HazardEvent:
        seq, prev_hash = self.head(hazard.site_id)
        event = HazardEvent(
            client_id=client_id or str(uuid.uuid4()),
            hazard_id=hazard.id,
            site_id=hazard.site_id,
            seq=seq + 1,
            type=event_type.value,
            actor_id=actor.id if actor else None,
            at=at or days.now(),
            client_at=client_at,
            from_status=from_status.value if from_status else None,
            to_status=to_status.value,
            note=(note or None),
            photos=list(photos),
            data=_json_safe(data or {}),
            prev_hash=prev_hash,
        )
        event.hash = event.compute_hash()
        event.hazard = hazard
        event.photo_refs = [
            HazardPhoto(hazard_id=hazard.id, sha256=sha) for sha in dict.fromkeys(event.photos)
        ]
        db.session.add(event)
        self._heads[hazard.site_id] = (event.seq, event.hash)
        return event


@dataclass
class ChainBreak:
    site_code: str
    seq: int
    event_id: int | None
    reason: str

    def __str__(self) -> str:
        return f"site {self.site_code}: event #{self.seq} (id {self.event_id}): {self.reason}"


def verify_chain(site_code: str | None = None) -> tuple[int, ChainBreak | None]:
    """Re-hash every site's events in order. Returns (events checked, first break or None).
    Raises LookupError for an unknown site code."""
    sites = select(Site.id, Site.code).order_by(Site.code)
    if site_code:
        sites = sites.where(Site.code == site_code)
    rows = db.session.execute(sites).all()
    if site_code and not rows:
        raise LookupError(site_code)
    checked = 0
    for site_id, code in rows:
        expected_prev, expected_seq = GENESIS_HASH, 1
        events = (
            db.session.execute(
                select(HazardEvent).where(HazardEvent.site_id == site_id).order_by(HazardEvent.seq)
            )
            .scalars()
            .all()
        )
        for event in events:
            checked += 1
            if event.seq != expected_seq:
                return checked, ChainBreak(
                    code, expected_seq, None, f"missing event (next stored is #{event.seq})"
                )
            if event.prev_hash != expected_prev:
                return checked, ChainBreak(code, event.seq, event.id, "previous-hash link broken")
            if event.compute_hash() != event.hash:
                return checked, ChainBreak(
                    code, event.seq, event.id, "content does not match its hash (row edited)"
                )
            expected_prev, expected_seq = event.hash, expected_seq + 1
    return checked, None
