"""The access matrix: every rule of ``app.url_map`` × every actor × an object inside and
outside the actor's scope, against the one rule of webapp/scope.py.

One entry per URL rule and method (ACCESS below) says how to fill the rule's path, query and
body, which actors get past the door (a role check made before any object is looked up:
403 for the others, whatever they name) and which of those may act on an object in their
scope (403 for the rest). Whether an object is in an actor's scope comes from the world's
tree (tests/access_world.py), never from the code under test. Then, for each case:

- anonymous: a JSON 401 under /api, the login page elsewhere (public entries: any answer);
- out of scope: exactly the answer for an object that does not exist (404; for batches a
  per-record answer that reads the same), and a write changes nothing in branch B;
- in scope and allowed: neither 401, 403, 404 nor 5xx (validation errors are fine: bodies
  are minimal);
- never a 5xx, and no page shows branch B's sites, units, accounts, photos or channels to
  anyone whose scope does not hold them.

A rule without an entry, or an entry without a rule, fails ``test_every_rule_has_an_entry``.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest

from tests.access_world import ACTORS, FLAG, MISSING, branch_state, build_world
from tests.factories import PASSWORD
from webapp import create_app, days
from webapp.extensions import db

pytestmark = pytest.mark.db

SIGNED_IN = ("inspector", "unit_manager", "office_supervisor", "office_admin", "province_admin")
MANAGERS = SIGNED_IN[1:]
LABELS = ("unit_manager", "office_admin", "province_admin")  # can_manage_site, channels
OFFICE = ("office_supervisor", "office_admin", "province_admin")
ADMINS = ("office_admin", "province_admin")
CITY_STAFF = ("office_supervisor", "office_admin")  # can_submit_report for MXCA
PROVINCE_ADMIN = ("province_admin",)
PUBLIC = "public"

# What each actor's organisation holds (itself included).
SUBTREE = {
    "MXUA": {"MXUA"},
    "MXCA": {"MXCA", "MXUA"},
    "MXP": {"MXP", "MXCA", "MXUA", "MXCB", "MXUB"},
}
# Placeholders that name an object with a twin in branch B.
SCOPED = {"site", "unit", "city", "hazard", "inspection", "photo", "user", "channel", "delivery"}


@dataclass(frozen=True)
class Entry:
    """How one URL rule and method is called, and who may.

    ``path`` and ``body`` hold {placeholders}: an object's (site, unit, city, hazard,
    inspection, photo, user, channel, delivery, notice, template), or me, password, month,
    today, month_start, base, uuid. ``door``: the actors let in before any lookup (PUBLIC:
    everyone, anonymous too). ``may``: of those, who may act on an object in their scope
    (default: all of them). ``per_record``: a batch that answers each record, so an object
    out of scope reads as a missing one instead of a 404. ``relogin``: the request changes
    who is logged in."""

    path: str
    door: tuple[str, ...] | str = SIGNED_IN
    may: tuple[str, ...] | None = None
    body: dict | None = None
    json: bool = False
    per_record: bool = False
    relogin: bool = False
    shows: str | None = None  # a placeholder whose in-scope value the reply must show


SYNC_RECORD = {
    "id": "{uuid}",
    "site_code": "{site}",
    "template_id": "{template}",
    "kind": "self",
    "started_at": "{now_minus_10}",
    "finished_at": "{now}",
    "results": [
        {"item_id": "EVAC-01", "outcome": "pass"},
        {"item_id": "FIRE-01", "outcome": "pass"},
    ],
}
HAZARD_ACTION = {"id": "{uuid}", "type": "progress", "note": "矩阵"}
LOGIN = {"username": "{me}", "password": "{password}"}

# (endpoint, method) → Entry. Adding a route means adding its line here.
ACCESS: dict[tuple[str, str], Entry] = {
    # --- the phone app's shell and public files
    ("pwa.index", "GET"): Entry("/", PUBLIC),
    ("pwa.site_form", "GET"): Entry("/s/{site}", PUBLIC),
    ("pwa.app_screen", "GET"): Entry("/app/self-test", PUBLIC),
    ("pwa.manifest", "GET"): Entry("/manifest.webmanifest", PUBLIC),
    ("pwa.favicon", "GET"): Entry("/favicon.ico", PUBLIC),
    ("pwa.service_worker", "GET"): Entry("/sw.js", PUBLIC),
    ("static", "GET"): Entry("/static/js/main.js", PUBLIC),
    ("api-docs.openapi_json", "GET"): Entry("/api/v1/openapi.json", PUBLIC),
    # --- logging in and out
    ("auth.login", "GET"): Entry("/login", PUBLIC),
    ("auth.login", "POST"): Entry("/login", PUBLIC, body=LOGIN, relogin=True),
    ("auth.logout", "POST"): Entry("/logout", PUBLIC, relogin=True),
    ("session.log_in_session", "POST"): Entry(
        "/api/v1/session", PUBLIC, body=LOGIN, json=True, relogin=True
    ),
    ("session.log_out_session", "DELETE"): Entry("/api/v1/session", PUBLIC, relogin=True),
    ("session.current_session", "GET"): Entry("/api/v1/session"),
    ("session.me", "GET"): Entry("/api/v1/me"),
    ("session.log_out_everywhere_session", "DELETE"): Entry("/api/v1/sessions", relogin=True),
    # --- JSON API
    ("sites_api.list_sites", "GET"): Entry("/api/v1/sites", shows="site"),
    ("templates_api.get_template", "GET"): Entry("/api/v1/templates/{template}"),
    ("completion_api.completion", "GET"): Entry(
        "/api/v1/completion?org={unit}", MANAGERS, shows="site"
    ),
    ("hazards_api.list_hazards", "GET"): Entry("/api/v1/hazards", shows="site"),
    ("hazards_api.show_hazard", "GET"): Entry("/api/v1/hazards/{hazard}"),
    ("hazards_api.post_event", "POST"): Entry(
        "/api/v1/hazards/{hazard}/events", body=HAZARD_ACTION, json=True
    ),
    ("hazards_api.sync_hazard_events", "POST"): Entry(
        "/api/v1/sync/hazard-events",
        body={"device_id": "matrix", "events": [{**HAZARD_ACTION, "hazard_id": "{hazard}"}]},
        json=True,
        per_record=True,
    ),
    ("inspections_api.list_inspections", "GET"): Entry("/api/v1/inspections", shows="inspection"),
    ("inspections_api.show_inspection", "GET"): Entry("/api/v1/inspections/{inspection}"),
    ("photos.get_photo", "GET"): Entry("/api/v1/photos/{photo}"),
    # Uploading the bytes is the proof of holding them: no scope to cross (an empty body).
    ("photos.put_photo", "PUT"): Entry("/api/v1/photos/" + "e" * 64),
    ("reports_api.list_reports", "GET"): Entry("/api/v1/reports?org={city}", MANAGERS),
    ("reports_api.get_report", "GET"): Entry("/api/v1/reports/{city}/{month}", MANAGERS),
    ("sync.sync_inspections", "POST"): Entry(
        "/api/v1/sync/inspections",
        body={"device_id": "matrix", "device_time": "{now}", "inspections": [SYNC_RECORD]},
        json=True,
        per_record=True,
    ),
    ("sync.import_file", "POST"): Entry("/api/v1/sync/import", body={}, json=True),
    # --- managers' home, dashboard, reports
    ("auth.manage_home", "GET"): Entry("/manage", MANAGERS),
    ("dashboard.index", "GET"): Entry("/dashboard/?org={unit}", MANAGERS, shows="site"),
    ("dashboard.excuse", "POST"): Entry(
        "/dashboard/excuse", MANAGERS, body={"site": "{site}", "reason": "矩阵"}
    ),
    ("reports.index", "GET"): Entry("/reports/?org={city}", MANAGERS),
    ("reports.export", "GET"): Entry("/reports/export.xlsx?org={city}", MANAGERS),
    ("reports.save", "POST"): Entry(
        "/reports/save", MANAGERS, CITY_STAFF, body={"org": "{city}", "month": "{month}"}
    ),
    ("reports.correct", "POST"): Entry(
        "/reports/correct", MANAGERS, CITY_STAFF, body={"org": "{city}", "month": "{month}"}
    ),
    ("register.site_download", "GET"): Entry("/register/sites/{site}.xlsx", MANAGERS),
    ("register.unit_download", "GET"): Entry("/register/units/{unit}.xlsx", MANAGERS),
    # --- hazards
    ("hazards.index", "GET"): Entry("/hazards/", shows="site"),
    ("hazards.responsibility", "GET"): Entry("/hazards/responsibility", shows="site"),
    ("hazards.detail", "GET"): Entry("/hazards/{hazard}"),
    ("hazards.act", "POST"): Entry("/hazards/{hazard}/events", body=HAZARD_ACTION),
    ("hazards.verify_selected", "POST"): Entry(
        "/hazards/verify", body={"hazard": "{hazard}"}, per_record=True
    ),
    ("hazards.ledger", "GET"): Entry(
        "/hazards/ledger?org={unit}&first_day={month_start}&last_day={today}"
    ),
    # --- inspections
    ("inspections.show", "GET"): Entry("/inspections/{inspection}"),
    ("inspections.annotate", "POST"): Entry(
        "/inspections/{inspection}/flags/" + FLAG + "/annotations",
        may=MANAGERS,  # can_annotate_flags: never the inspector who filed it
        body={"verdict": "explained", "remark": "矩阵"},
    ),
    ("inspections.flagged", "GET"): Entry("/inspections/flagged?org={unit}", MANAGERS),
    # --- sites
    ("sites.index", "GET"): Entry("/manage/sites/?unit={unit}", MANAGERS, shows="site"),
    ("sites.show", "GET"): Entry("/manage/sites/{site}", MANAGERS),
    ("sites.create", "GET"): Entry("/manage/sites/new", LABELS),
    ("sites.create", "POST"): Entry("/manage/sites/new", LABELS, body={}),
    ("sites.edit", "GET"): Entry("/manage/sites/{site}/edit", MANAGERS, LABELS),
    ("sites.edit", "POST"): Entry("/manage/sites/{site}/edit", MANAGERS, LABELS, body={}),
    ("sites.deactivate", "GET"): Entry("/manage/sites/{site}/deactivate", MANAGERS, LABELS),
    ("sites.deactivate", "POST"): Entry(
        "/manage/sites/{site}/deactivate", MANAGERS, LABELS, body={}
    ),
    # --- accounts (the target is an inspector of the unit, nobody's actor)
    ("users.index", "GET"): Entry("/manage/users/?org={unit}", MANAGERS, shows="user"),
    ("users.show", "GET"): Entry("/manage/users/{user}", MANAGERS),
    ("users.create", "GET"): Entry("/manage/users/new", LABELS),
    ("users.create", "POST"): Entry("/manage/users/new", LABELS, body={}),
    ("users.edit", "GET"): Entry("/manage/users/{user}/edit", MANAGERS, LABELS),
    ("users.edit", "POST"): Entry("/manage/users/{user}/edit", MANAGERS, LABELS, body={}),
    ("users.password", "GET"): Entry("/manage/users/{user}/password", MANAGERS, LABELS),
    ("users.password", "POST"): Entry("/manage/users/{user}/password", MANAGERS, LABELS, body={}),
    ("users.deactivate", "POST"): Entry("/manage/users/{user}/deactivate", MANAGERS, LABELS),
    ("users.reactivate", "POST"): Entry("/manage/users/{user}/reactivate", MANAGERS, LABELS),
    ("users.logout_everywhere", "POST"): Entry(
        "/manage/users/{user}/logout-everywhere", MANAGERS, LABELS
    ),
    # --- organisations (an office admin manages those strictly below its own)
    ("orgs.index", "GET"): Entry("/manage/orgs/", OFFICE, shows="unit"),
    ("orgs.create", "GET"): Entry("/manage/orgs/new", ADMINS),
    ("orgs.create", "POST"): Entry("/manage/orgs/new", ADMINS, body={}),
    ("orgs.edit", "GET"): Entry("/manage/orgs/{unit}/edit", MANAGERS, ADMINS),
    ("orgs.edit", "POST"): Entry("/manage/orgs/{unit}/edit", MANAGERS, ADMINS, body={}),
    ("orgs.deactivate", "POST"): Entry("/manage/orgs/{unit}/deactivate", MANAGERS, ADMINS),
    ("orgs.reactivate", "POST"): Entry("/manage/orgs/{unit}/reactivate", MANAGERS, ADMINS),
    # --- checklist templates: province-wide, no branch to cross
    ("checklists.index", "GET"): Entry("/manage/checklists/", MANAGERS),
    ("checklists.show", "GET"): Entry("/manage/checklists/{template}", MANAGERS),
    ("checklists.copy", "POST"): Entry("/manage/checklists/{template}/copy", PROVINCE_ADMIN),
    ("checklists.edit_item", "GET"): Entry(
        "/manage/checklists/{template}/items/EVAC-01", PROVINCE_ADMIN
    ),
    ("checklists.edit_item", "POST"): Entry(
        "/manage/checklists/{template}/items/EVAC-01", PROVINCE_ADMIN, body={}
    ),
    ("checklists.delete_item", "POST"): Entry(
        "/manage/checklists/{template}/items/EVAC-01/delete", PROVINCE_ADMIN
    ),
    ("checklists.new_item", "GET"): Entry(
        "/manage/checklists/{template}/items/new", PROVINCE_ADMIN
    ),
    ("checklists.new_item", "POST"): Entry(
        "/manage/checklists/{template}/items/new", PROVINCE_ADMIN, body={}
    ),
    ("checklists.publish_version", "POST"): Entry(
        "/manage/checklists/{template}/publish", PROVINCE_ADMIN
    ),
    # --- QR labels: unit managers and office admins only (the label is the site's secret)
    ("qr.index", "GET"): Entry("/manage/qr/?org={unit}", LABELS, shows="site"),
    ("qr.check", "GET"): Entry(
        "/manage/qr/check?url={base}/s/{site}?k=AAAAAAAAAAAAAAAAAAAAAA", LABELS
    ),
    ("qr.sheet", "GET"): Entry("/manage/qr/sheet.pdf?org={unit}", LABELS),
    ("qr.label_png", "GET"): Entry("/manage/qr/sites/{site}/label.png", LABELS),
    ("qr.label_svg", "GET"): Entry("/manage/qr/sites/{site}/label.svg", LABELS),
    ("qr.rotate_site", "GET"): Entry("/manage/qr/sites/{site}/rotate", LABELS),
    ("qr.rotate_site", "POST"): Entry("/manage/qr/sites/{site}/rotate", LABELS, body={}),
    ("qr.rotate_unit", "GET"): Entry("/manage/qr/units/{unit}/rotate", LABELS),
    ("qr.rotate_unit", "POST"): Entry("/manage/qr/units/{unit}/rotate", LABELS, body={}),
    # --- reminders: channels are managed by unit managers and office admins at or above
    ("notify.channels", "GET"): Entry("/manage/notify/?org={unit}", MANAGERS, LABELS),
    ("notify.add", "POST"): Entry(
        "/manage/notify/channels", MANAGERS, LABELS, body={"org": "{unit}"}
    ),
    ("notify.settings", "POST"): Entry(
        "/manage/notify/settings", MANAGERS, LABELS, body={"org": "{unit}"}
    ),
    ("notify.channel_action", "POST"): Entry(
        "/manage/notify/channels/{channel}/disable", MANAGERS, LABELS
    ),
    ("notify.failed", "GET"): Entry("/manage/notify/failed", LABELS, shows="channel_name"),
    ("notify.retry", "POST"): Entry("/manage/notify/deliveries/{delivery}/retry", MANAGERS, LABELS),
    # A notice is for its organisation's people only: "in scope" is one of the actor's own.
    ("notify.open_", "GET"): Entry("/manage/notify/notices/{notice}", MANAGERS),
    ("notify.read_all", "POST"): Entry("/manage/notify/notices/read", MANAGERS),
}

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _rules(app) -> set[tuple[str, str]]:
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - IGNORED_METHODS
    }


def test_every_rule_has_an_entry(matrix):
    rules = _rules(matrix.app)
    assert sorted(rules - ACCESS.keys()) == [], "routes without an entry in ACCESS"
    assert sorted(ACCESS.keys() - rules) == [], "entries in ACCESS naming no route"


# --- the world and the actors' clients ------------------------------------------------


class Matrix:
    """The app on a database of its own with the world, and one logged-in test client per
    actor (logged in again after a request that changed who is logged in)."""

    def __init__(self, app, world):
        self.app, self.world = app, world
        self.clients: dict[str, object] = {}
        self.tokens: dict[str, str] = {}

    def client(self, actor: str):
        if actor not in self.clients:
            self.log_in(actor)
        return self.clients[actor], self.tokens[actor]

    def log_in(self, actor: str) -> None:
        client = self.app.test_client()
        if ACTORS[actor] is None:
            page = client.get("/login").get_data(as_text=True)
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        else:
            reply = client.post(
                "/api/v1/session", json={"username": f"mx-{actor}", "password": PASSWORD}
            )
            assert reply.status_code == 200, text_of(reply)
            token = reply.get_json()["csrf_token"]
        self.clients[actor], self.tokens[actor] = client, token

    def state(self) -> dict:
        with self.app.app_context():
            try:
                return branch_state()
            finally:
                db.session.remove()


@pytest.fixture(scope="module")
def matrix(database_url, tmp_path_factory):
    folder = tmp_path_factory.mktemp("matrix")
    url = database_url or f"sqlite:///{folder / 'matrix.sqlite3'}"
    app = create_app(
        {
            "TESTING": True,
            "SHELTER_DATABASE_URL": url,
            "SECRET_KEY": "test-secret",
            "SHELTER_PHOTO_DIR": str(folder / "photos"),
            "WTF_CSRF_ENABLED": True,
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        db.create_all()
        world = build_world(PASSWORD)
        db.session.remove()
    yield Matrix(app, world)
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


# --- expectations -----------------------------------------------------------------------


def placeholders(entry: Entry) -> set[str]:
    text = entry.path + json.dumps(entry.body or {}, ensure_ascii=False)
    return set(re.findall(r"{(\w+)}", text))


def variants(entry: Entry, actor: str) -> list[str]:
    """in/out for an object with an out-of-scope twin; "missing" for the province (nothing
    is out of its scope) and for objects without a twin; "none" when nothing is named."""
    named = placeholders(entry)
    if entry.door == PUBLIC or not named & (SCOPED | {"notice", "template"}):
        return ["none"]
    if named & SCOPED or "notice" in named:
        return ["in", "missing"] if actor == "province_admin" else ["in", "out"]
    return ["in", "missing"]


def org_of(actor: str) -> str:
    return ACTORS[actor][1]


def sees(entry: Entry, actor: str, owners: dict[str, str]) -> bool:
    """Whether every branch-A object the entry names is in the actor's scope (the tree;
    ``owners``: each object's organisation)."""
    named = placeholders(entry)
    return all(SUBTREE[org_of(actor)] >= {owners[name]} for name in named if name in owners)


def expected(entry: Entry, actor: str, variant: str, owners: dict[str, str]):
    """ "ok", "login", 403, 404, or "as_missing" (a batch's per-record answer)."""
    if entry.door == PUBLIC:
        return "ok"
    if actor == "anonymous":
        return "login"
    if actor not in entry.door:
        return 403
    if variant in ("out", "missing"):
        return "as_missing" if entry.per_record else 404
    if variant == "in" and not sees(entry, actor, owners):
        return "as_missing" if entry.per_record else 404
    if variant == "in" and actor not in (entry.may or entry.door):
        return 403
    return "ok"


def cases():
    for (endpoint, method), entry in ACCESS.items():
        for actor in ACTORS:
            for variant in variants(entry, actor) if actor != "anonymous" else ["none"]:
                yield pytest.param(
                    endpoint, method, actor, variant, id=f"{endpoint}-{method}-{actor}-{variant}"
                )


# --- the requests ---------------------------------------------------------------------------


def values(matrix: Matrix, named: set[str], actor: str, variant: str) -> dict[str, str]:
    world = matrix.world
    now = days.now()
    today = days.today()
    own = org_of(actor) if ACTORS[actor] else "MXUA"
    twin = {"MXUA": "MXUB", "MXCA": "MXCB"}.get(own)
    filled = {
        "me": f"mx-{actor}" if ACTORS[actor] else "mx-a-sup",
        "password": world.password,
        "month": world.month,
        "today": today.isoformat(),
        "month_start": today.replace(day=1).isoformat(),
        "now": now.isoformat(),
        "now_minus_10": (now - timedelta(minutes=10)).isoformat(),
        "base": matrix.app.config["SHELTER_PUBLIC_BASE_URL"].rstrip("/"),
        "uuid": str(uuid.uuid4()),
        "template": world.template,
        "notice": world.notices[own],
        **world.a.values,
    }
    if variant == "out":
        filled.update(world.b.values)
        filled["notice"] = world.notices.get(twin, MISSING["notice"])
    elif variant == "missing":
        # The objects that do not exist; a template only where it is all the entry names.
        filled.update({name: MISSING[name] for name in named if name in MISSING})
        if named & (SCOPED | {"notice"}):
            filled["template"] = world.template
    return filled


def fill(template, filled: dict[str, str], as_json: bool):
    if isinstance(template, dict):
        return {key: fill(value, filled, as_json) for key, value in template.items()}
    if isinstance(template, list):
        return [fill(value, filled, as_json) for value in template]
    if isinstance(template, str):
        whole = re.fullmatch(r"{(\w+)}", template)
        if whole and as_json and filled[whole.group(1)].isdigit():
            return int(filled[whole.group(1)])
        return re.sub(r"{(\w+)}", lambda m: filled[m.group(1)], template)
    return template


def call(matrix: Matrix, entry: Entry, method: str, actor: str, variant: str):
    client, token = matrix.client(actor)
    with matrix.app.app_context():  # the clock reads SHELTER_TZ
        filled = values(matrix, placeholders(entry), actor, variant)
    path = fill(entry.path, filled, False)
    kwargs = {"headers": {"X-CSRF-Token": token, "Accept-Encoding": "identity"}}
    if entry.body is not None:
        body = fill(entry.body, filled, entry.json)
        kwargs["json" if entry.json else "data"] = body
    reply = client.open(path, method=method, **kwargs)
    reply.get_data()  # read it all and close it, as a server does
    reply.close()
    flashes = []
    if not path.startswith("/api/"):
        with client.session_transaction() as session:
            flashes = session.pop("_flashes", [])
    if entry.relogin:
        matrix.log_in(actor)
    return reply, filled, flashes


def text_of(reply) -> str:
    return reply.get_data().decode("utf-8", "replace")


def normalised(reply, filled: dict[str, str], flashes) -> tuple:
    """What a reply says, with the object's own key (code, id) and the per-request values
    blanked, to compare the answer for an out-of-scope object with a missing one's."""
    text = text_of(reply) + json.dumps(flashes, ensure_ascii=False)
    for name in (*sorted(SCOPED), "notice", "uuid"):
        if name in filled:
            key = re.escape(filled[name])
            text = re.sub(rf"(?<![\w-]){key}(?![\w-])", "<key>", text)
    text = re.sub(r'"server_time": ?"[^"]+"', "", text)
    text = re.sub(r'(name="csrf_token"[^>]*value=")[^"]+', r"\1", text)
    return reply.status_code, text


@pytest.mark.parametrize(("endpoint", "method", "actor", "variant"), list(cases()))
def test_access(matrix, endpoint, method, actor, variant):
    entry = ACCESS[(endpoint, method)]
    want = expected(entry, actor, variant, matrix.world.a.owner)
    writes = method != "GET"
    before = matrix.state() if writes and variant in ("out", "missing") else None
    reply, filled, flashes = call(matrix, entry, method, actor, variant)
    status = reply.status_code
    said = f"{method} {reply.request.path} as {actor} ({variant}): {status}"
    assert status < 500, said + "\n" + text_of(reply)[:2000]
    if want == "login":
        if entry.path.startswith("/api/"):
            assert status == 401, said
        else:
            assert status == 302 and "/login" in reply.location, said
    elif want == "ok":
        assert status not in (401, 403, 404, 405), said + "\n" + text_of(reply)[:800]
        if status in (302, 303):
            assert "/login" not in reply.location or entry.relogin, said
    elif want == "as_missing":
        missing = call(matrix, entry, method, actor, "missing")
        assert status < 400, said
        assert normalised(reply, filled, flashes) == normalised(*missing), said
    else:
        assert status == want, said + "\n" + text_of(reply)[:800]
        if variant == "out":
            missing, _filled, _flashes = call(matrix, entry, method, actor, "missing")
            assert missing.status_code == status, said + f"; missing: {missing.status_code}"
    if before is not None:
        assert matrix.state() == before, said + ": changed branch B"
    if actor not in ("anonymous", "province_admin") and variant != "out":
        body = text_of(reply)
        leaked = [marker for marker in matrix.world.b.markers if marker in body]
        assert not leaked, said + f": shows branch B's {leaked}"
    if want == "ok" and entry.shows and variant in ("in", "none"):
        shown = filled[entry.shows]
        assert shown in text_of(reply), said + f": does not show {shown}"
