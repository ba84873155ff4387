"""The monthly reports of the demo history, through ``reports.submit``: for each month of
the history that is over, most city-level offices report between the 2nd and the day
before the due day, one after the due day, and one or two not at all."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from flask import current_app

from webapp.demo import dataset
from webapp.demo.activity import story
from webapp.demo.activity.plan import Plan
from webapp.models import Organisation, User
from webapp.services import reports


def plan_reports(plan: Plan) -> None:
    due_day = int(current_app.config["SHELTER_REPORT_DUE_DAY"])
    offices = sorted({o.id: o for o in plan.cast.office_of.values()}.values(), key=_code)
    month = reports.month_start(plan.first)
    while reports.next_month(month) <= plan.today:  # the month is over
        plan.months.append(month)
        shuffled = plan.rng.sample(offices, len(offices))
        late, missing = shuffled[0], shuffled[1 : 1 + plan.rng.choice([1, 2])]
        for office in offices:
            supervisor = plan.cast.supervisor.get(office.id)
            if office in missing or supervisor is None:
                continue
            if office is late:  # from the day after the due day to the 14th, by now
                days_in = (plan.today - reports.next_month(month)).days
                offset = due_day + plan.rng.randint(0, max(0, min(5, days_in - due_day)))
            else:
                offset = plan.rng.randint(1, due_day - 2)  # the 2nd to the 7th
            moment = plan.working_moment(reports.next_month(month) + timedelta(days=offset))
            manual = _hand_filled(plan, office, supervisor)
            plan.add(moment, partial(reports.submit, supervisor, office, month, manual))
        month = reports.next_month(month)


def _code(office: Organisation) -> str:
    return office.code


def _hand_filled(plan: Plan, office: Organisation, supervisor: User) -> dict:
    """The sections typed in by the office (header, C, D, E, F), with plausible figures."""
    rng = plan.rng
    sessions = rng.randint(1, 4)
    drills = rng.randint(0, 2)
    return {
        "filled_by": supervisor.display_name,
        "approved_by": dataset.person_name(rng, office.code),
        "contact_phone": office.phone or "",
        "rectification_notices": rng.randint(1, 6),
        "interviews": rng.randint(0, 2),
        "training_sessions": sessions,
        "people_trained": sessions * rng.randint(15, 40),
        "drills": drills,
        "drill_participants": drills * rng.randint(20, 60),
        "drill_types": rng.choice(story.DRILL_TYPES) if drills else "",
        "publicity_activities": rng.randint(0, 3),
        "main_work": story.REPORT_TEXTS["main_work"],
        "problems": story.REPORT_TEXTS["problems"],
        "next_month_plan": story.REPORT_TEXTS["next_month_plan"],
    }
