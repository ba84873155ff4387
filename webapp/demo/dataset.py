"""The Jilin demo dataset (domain.md §3), generated as plain data, deterministically.

``build_demo()`` returns the same organisations, sites and accounts on every call (a
seeded ``random.Random``; dates are fixed, never relative to today), from the fixed
tables in ``webapp.demo.tables``. ``webapp.demo.seed.seed_demo`` writes whatever of it is
missing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from webapp.demo.tables import (
    ACCOUNTS,
    CITIES,
    COUNTIES,
    GIVEN,
    KOREAN_SURNAMES,
    NAME_SUFFIXES,
    PHONE_PREFIXES,
    PROVINCE,
    SURNAMES,
    TENANT_SUFFIXES,
    TENANT_WORDS,
    UNITS,
    USAGE_MIX,
    AccountSpec,
    City,
    OrgSpec,
)
from webapp.models import ConstructionType, OrgKind, Role, SiteStatus, Usage

SEED = 20200601
FIELD_ACCOUNTS_SEED = SEED + 1
# One password for every demo account, printed by seed-demo and listed in README.
DEMO_PASSWORD = "renfang-demo-2026"  # nosec B105 # public by design: the demo's password


@dataclass
class DemoData:
    orgs: list[OrgSpec] = field(default_factory=list)
    sites: list[dict] = field(default_factory=list)
    accounts: list[AccountSpec] = field(default_factory=list)


def build_demo() -> DemoData:
    rng = random.Random(SEED)  # nosec B311 # seeded: the same demo every run
    data = DemoData()
    data.orgs.append(PROVINCE)
    for city in CITIES:
        data.orgs.append(
            OrgSpec(
                city.code,
                city.office,
                OrgKind.CITY,
                "JL",
                nominal_parent=city.nominal_parent,
                phone=_office_phone(rng),
            )
        )
        for suffix, county in COUNTIES.get(city.code, []):
            data.orgs.append(
                OrgSpec(
                    f"{city.code}-{suffix}",
                    _county_office(city, county),
                    OrgKind.COUNTY,
                    city.code,
                    phone=_office_phone(rng),
                )
            )
    for code, name, parent, _share in UNITS:
        data.orgs.append(OrgSpec(code, name, OrgKind.UNIT, parent, phone=_office_phone(rng)))

    names: dict[str, str] = {}
    for city in CITIES:
        data.sites.extend(_city_sites(rng, city, names))
    data.sites.extend(_province_sites(rng, names))

    for username, name, role, org in ACCOUNTS:
        data.accounts.append(AccountSpec(username, name, role, org, _mobile(rng)))
    data.accounts.extend(field_accounts())
    return data


def field_accounts() -> list[AccountSpec]:
    """The accounts the demo history needs beyond ACCOUNTS: an inspector at every unit
    (``<unit code>.inspector``) and a supervisor at every city-level office
    (``<office code>.supervisor``), lowercase, with generated names.

    From a random generator of their own, so the listed accounts, sites and phones stay
    exactly what they were before these accounts existed."""
    rng = random.Random(FIELD_ACCOUNTS_SEED)  # nosec B311 # seeded: the same demo every run
    listed = {(role, org) for _username, _name, role, org in ACCOUNTS}
    wanted = [(code, Role.INSPECTOR, "inspector") for code, _n, _p, _s in UNITS]
    wanted += [(city.code, Role.OFFICE_SUPERVISOR, "supervisor") for city in CITIES]
    return [
        AccountSpec(f"{org.lower()}.{suffix}", person_name(rng, org), role, org, _mobile(rng))
        for org, role, suffix in wanted
        if (role, org) not in listed
    ]


def person_name(rng: random.Random, org: str) -> str:
    korean = org.startswith("YB") and rng.random() < 0.4
    surname = rng.choice(KOREAN_SURNAMES if korean else SURNAMES)
    start = 2 * rng.randrange(len(GIVEN) // 2)  # GIVEN is a run of two-character names
    return surname + GIVEN[start : start + 2]


def _county_office(city: City, county: str) -> str:
    if county.endswith(("新区", "开发区")):
        return f"{county}人民防空办公室"
    if city.code == "YB" or county.endswith(("市", "县")):
        return f"{county}人民防空办公室"
    return f"{city.place}{county}人民防空办公室"


def _units_of(city_code: str) -> list[tuple[str, str, int]]:
    """(unit code, parent code, share) of the units whose codes start with the city's."""
    return [
        (code, parent, share)
        for code, _n, parent, share in UNITS
        if code.split("-")[0] == city_code
    ]


def _county_name(parent: str) -> str | None:
    city_code, _, suffix = parent.partition("-")
    for code, name in COUNTIES.get(city_code, []):
        if code == suffix:
            return name
    return None


def _city_sites(rng: random.Random, city: City, names: dict[str, str]) -> list[dict]:
    units = _units_of(city.code)
    owners = _spread(rng, [(code, share) for code, _p, share in units], city.sites)
    parents = {code: parent for code, parent, _s in units}
    usages = _usage_plan(rng, city.sites)
    early_flags = _early_plan(rng, usages, city.early)
    sites = []
    for index in range(city.sites):
        unit = owners[index]
        county = _county_name(parents[unit])
        district = county or rng.choice(city.districts)
        sites.append(
            _site(
                rng,
                f"{city.code}-{index + 1:04d}",
                unit,
                city,
                district,
                usages[index],
                early_flags[index],
                names,
            )
        )
    return sites


def _province_sites(rng: random.Random, names: dict[str, str]) -> list[dict]:
    """Sites of the units directly under the province, in 长春 and 吉林."""
    cc, jlc = CITIES[0], CITIES[1]
    count = sum(share for _c, _n, parent, share in UNITS if parent == "JL")
    owners = _spread(rng, [(c, s) for c, _n, p, s in UNITS if p == "JL"], count)
    usages = _usage_plan(rng, count)
    early_flags = _early_plan(rng, usages, 1)
    sites = []
    for index in range(count):
        city = cc if index % 3 else jlc
        sites.append(
            _site(
                rng,
                f"JL-{index + 1:04d}",
                owners[index],
                city,
                rng.choice(city.districts),
                usages[index],
                early_flags[index],
                names,
            )
        )
    return sites


def _spread(rng: random.Random, shares: list[tuple[str, int]], count: int) -> list[str]:
    """``count`` owners in proportion to the shares, shuffled."""
    total = sum(share for _c, share in shares)
    owners: list[str] = []
    for code, share in shares:
        owners.extend([code] * round(count * share / total))
    while len(owners) < count:
        owners.append(shares[0][0])
    owners = owners[:count]
    rng.shuffle(owners)
    return owners


def _usage_plan(rng: random.Random, count: int) -> list[Usage]:
    """Usages in the proportions of USAGE_MIX (largest remainder), shuffled."""
    exact = [(usage, share * count) for usage, share in USAGE_MIX]
    counts = {usage: int(value) for usage, value in exact}
    by_remainder = sorted(exact, key=lambda pair: pair[1] - int(pair[1]), reverse=True)
    for usage, _value in by_remainder[: count - sum(counts.values())]:
        counts[usage] += 1
    plan = [usage for usage, n in counts.items() for _ in range(n)]
    rng.shuffle(plan)
    return plan


def _early_plan(rng: random.Random, usages: list[Usage], early: int) -> list[bool]:
    """Which sites are early-era: mostly the idle ones, then storage and other uses."""
    idle = [i for i, u in enumerate(usages) if u is Usage.IDLE]
    rest = [i for i, u in enumerate(usages) if u in (Usage.STORAGE, Usage.OTHER, Usage.PARKING)]
    rng.shuffle(idle)
    rng.shuffle(rest)
    chosen = idle[: min(early, (len(idle) * 3 + 3) // 4)]
    chosen += rest[: early - len(chosen)]
    flags = [False] * len(usages)
    for index in chosen:
        flags[index] = True
    return flags


def _site(
    rng: random.Random,
    code: str,
    unit: str,
    city: City,
    district: str,
    usage: Usage,
    early: bool,
    names: dict[str, str],
) -> dict:
    hillside = bool(city.hills) and (early or rng.random() < city.hill_share)
    if not city.hills and early:
        hillside = False
    low_lying = rng.random() < city.low_share
    if early:
        year_built: int | None = rng.randint(1965, 1980)
        construction = (
            ConstructionType.HILLSIDE_TUNNEL
            if hillside
            else rng.choice([ConstructionType.TUNNEL, ConstructionType.CUT_AND_COVER])
        )
        area = rng.uniform(200, 3000)
    else:
        year_built = rng.choices(
            [rng.randint(1985, 1999), rng.randint(2000, 2012), rng.randint(2013, 2023)],
            weights=[2, 5, 3],
        )[0]
        if rng.random() < 0.02:
            year_built = None  # records lost; the import format allows an empty year
        if hillside and usage in (Usage.STORAGE, Usage.IDLE, Usage.OTHER):
            construction = ConstructionType.HILLSIDE_TUNNEL
        elif usage is Usage.COMMERCIAL and rng.random() < 0.6:
            construction = ConstructionType.CUT_AND_COVER
        else:
            construction = rng.choices(
                [ConstructionType.BASEMENT, ConstructionType.CUT_AND_COVER], weights=[7, 3]
            )[0]
        area = _area(rng, usage)

    status = _status(rng, usage, early)
    in_use = status in (SiteStatus.IN_USE, SiteStatus.SUSPENDED)
    place = _place(rng, city, hillside and early)
    suffix = rng.choice(NAME_SUFFIXES[usage])
    if early and usage is Usage.IDLE:
        suffix = {
            ConstructionType.HILLSIDE_TUNNEL: "早期人防坑道",
            ConstructionType.TUNNEL: "早期人防地道",
        }.get(construction, "早期人防工程")
    name = _unique_name(f"{place}{suffix}", names, city)
    leased = in_use and usage is not Usage.OFFICE and rng.random() < 0.66
    lease_expires = permit_expires = None
    tenant = None
    if leased:
        tenant = (
            f"{city.place.removesuffix('朝鲜族自治州')}{rng.choice(TENANT_WORDS)}"
            f"{rng.choice(TENANT_SUFFIXES[usage])}"
        )
        lease_expires = date(2026, 1, 1) + timedelta(days=rng.randint(0, 4 * 365))
        permit_expires = lease_expires - timedelta(days=rng.choice([0, 0, 0, 30, 90, 180]))
    crowded = usage in (Usage.COMMERCIAL, Usage.CATERING_ENTERTAINMENT)
    density = 0.6 if usage is Usage.COMMERCIAL else 0.5
    capacity = int(area * density) // 10 * 10 if crowded else None
    street = rng.choice(city.streets)
    prefix = city.place if city.place == district else f"{city.place}{district}"
    address = f"吉林省{prefix}{street}{rng.randint(1, 2999)}号"
    if hillside and early:
        address = f"吉林省{prefix}{place}南麓"
    surname = rng.choice(KOREAN_SURNAMES if city.code == "YB" and rng.random() < 0.4 else SURNAMES)
    return {
        "code": code,
        "name": name,
        "address": address,
        "unit": unit,
        "construction_type": construction.value,
        "year_built": year_built,
        "usage": usage.value,
        "leased": leased,
        "tenant": tenant,
        "lease_expires": lease_expires,
        "permit_expires": permit_expires,
        "crowded": crowded,
        "capacity": capacity,
        "hillside": hillside,
        "low_lying": low_lying,
        "floor_area": Decimal(f"{area:.1f}"),
        "responsible_person": surname + "".join(rng.sample(GIVEN, rng.choice([1, 2]))),
        "responsible_phone": _mobile(rng),
        "status": status.value,
    }


def _area(rng: random.Random, usage: Usage) -> float:
    low, high = {
        Usage.PARKING: (2000, 20000),
        Usage.COMMERCIAL: (3000, 20000),
        Usage.STORAGE: (500, 5000),
        Usage.CATERING_ENTERTAINMENT: (500, 4000),
        Usage.OFFICE: (500, 2000),
        Usage.OTHER: (500, 3000),
        Usage.IDLE: (500, 5000),
    }[usage]
    return rng.uniform(low, high)


def _status(rng: random.Random, usage: Usage, early: bool) -> SiteStatus:
    if usage is Usage.IDLE:
        return SiteStatus.SEALED if early and rng.random() < 0.6 else SiteStatus.IDLE
    if usage in (Usage.COMMERCIAL, Usage.CATERING_ENTERTAINMENT) and rng.random() < 0.1:
        return SiteStatus.SUSPENDED  # closed for rectification
    return SiteStatus.IN_USE


def _place(rng: random.Random, city: City, in_hills: bool) -> str:
    if in_hills and city.hills:
        return rng.choice(city.hills)
    return rng.choice(city.landmarks)


def _unique_name(base: str, names: dict[str, str], city: City) -> str:
    """Unique across the province (``names`` maps each name to its city's code): a name
    another city uses gets the city's name in front, a repeat within the city a number."""
    if names.get(base, city.code) != city.code:
        base = f"{city.place[:2]}{base}"
    name, number = base, 1
    while name in names:
        number += 1
        name = f"{base}{_ordinal(number)}"
    names[name] = city.code
    return name


def _ordinal(number: int) -> str:
    digits = "零一二三四五六七八九十"
    return f"{digits[number]}号" if number <= 10 else f"{number}号"


def _mobile(rng: random.Random) -> str:
    return rng.choice(PHONE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"


def _office_phone(rng: random.Random) -> str:
    return f"0431-{rng.randint(80000000, 89999999)}"
