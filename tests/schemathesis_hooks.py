"""Our hooks and checks for schemathesis (loaded through tests/schemathesis.toml)."""

from __future__ import annotations

import json
import os

import schemathesis
from hypothesis import strategies as st

from webapp.inputs import FIRST_DAY, LAST_DAY

# Path parameters of things that exist (hazard, inspection and template ids, organisation
# codes, months, photo hashes), filled by the suite's fixture or, for the long run, read from the
# JSON file SHELTER_FUZZ_EXISTING names (bench/api_fuzz.py writes it).
EXISTING: dict[str, list] = {}
if os.environ.get("SHELTER_FUZZ_EXISTING"):
    with open(os.environ["SHELTER_FUZZ_EXISTING"], encoding="utf-8") as existing:
        EXISTING.update(json.load(existing))


def _two_digits(highest: int):
    return st.integers(0, highest).map("{:02d}".format)


# schemathesis draws dates from the years 1 to 9999 and then drops those the document's
# pattern refuses (webapp/inputs.py: 2000 to 2100), nearly all of them: draw them from
# those years in the first place.
DAYS = st.dates(FIRST_DAY, LAST_DAY).map(str)
OFFSETS = st.just("Z") | st.builds(
    "{}{}:{}".format, st.sampled_from("+-"), _two_digits(23), _two_digits(59)
)
TIMES = st.builds("{}:{}:{}{}".format, _two_digits(23), _two_digits(59), _two_digits(59), OFFSETS)
schemathesis.openapi.format("date", DAYS)
schemathesis.openapi.format("date-time", st.builds("{}T{}".format, DAYS, TIMES))


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    # A random id almost never exists: as often as not, take one that does.
    if not path_parameters:
        return st.just(path_parameters)
    return st.fixed_dictionaries(
        {
            name: st.sampled_from([value, *EXISTING.get(name, [])])
            for name, value in path_parameters.items()
        }
    )


# Batch endpoints and the lists in their replies that hold one result per record sent.
BATCH_RESULTS = {
    "/api/v1/sync/inspections": ("results",),
    "/api/v1/sync/import": ("results", "photos"),
    "/api/v1/sync/hazard-events": ("results",),
}


@schemathesis.check
def invalid_records_are_rejected(ctx, response, case):
    """A batch that breaks the schema is refused whole (4xx) or answered 200 with at least
    one record `rejected`: never stored as if it were valid."""
    if case.operation.path not in BATCH_RESULTS or case.meta is None:
        return None
    if not case.meta.generation.mode.is_negative or response.status_code != 200:
        return None
    if response.request.method != "POST":  # other checks' requests (e.g. OPTIONS) pass by
        return None
    reply = response.json()
    statuses = [
        result.get("status") for key in BATCH_RESULTS[case.operation.path] for result in reply[key]
    ]
    if "rejected" not in statuses:
        raise AssertionError(
            f"A batch that breaks the schema was answered 200 with no record rejected: {statuses}"
        )
    return None
