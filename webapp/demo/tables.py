"""The Jilin demo dataset (domain.md §3), generated as plain data, deterministically.

``build_demo()`` returns the same organisations, sites and accounts on every call (a
seeded ``random.Random``; dates are fixed, never relative to today).
``webapp.services.demo.seed_demo`` writes whatever of it is missing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from webapp.models import ConstructionType, OrgKind, Role, SiteStatus, Usage

SEED = 20200601
FIELD_ACCOUNTS_SEED = SEED + 1
# One password for every demo account, printed by seed-demo and listed in README.
DEMO_PASSWORD = "renfang-demo-2026"


@dataclass(frozen=True)
class OrgSpec:
    code: str
    name: str
    kind: OrgKind
    parent: str | None
    nominal_parent: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class AccountSpec:
    username: str
    display_name: str
    role: Role
    org: str
    phone: str


@dataclass
class DemoData:
    orgs: list[OrgSpec] = field(default_factory=list)
    sites: list[dict] = field(default_factory=list)
    accounts: list[AccountSpec] = field(default_factory=list)


@dataclass(frozen=True)
class City:
    """A city-level office and what its sites look like."""

    code: str
    place: str  # how addresses name it: "长春市", "延边朝鲜族自治州", "梅河口市"
    office: str
    sites: int
    early: int
    hill_share: float
    low_share: float
    districts: list[str]  # district names used in addresses of city-level units' sites
    streets: list[str]
    landmarks: list[str]
    hills: list[str] = field(default_factory=list)
    nominal_parent: str | None = None


PROVINCE = OrgSpec("JL", "吉林省人民防空办公室", OrgKind.PROVINCE, None, phone="0431-88904321")

CITIES: list[City] = [
    City(
        "CC",
        "长春市",
        "长春市人民防空办公室",
        125,
        10,
        0.0,
        0.03,
        ["南关区", "朝阳区", "宽城区", "二道区", "绿园区"],
        [
            "人民大街",
            "亚泰大街",
            "自由大路",
            "解放大路",
            "西安大路",
            "重庆路",
            "红旗街",
            "桂林路",
            "卫星路",
            "前进大街",
            "东盛大街",
            "南湖大路",
            "普阳街",
            "临河街",
            "吉林大路",
            "延安大街",
            "同志街",
            "建设街",
        ],
        [
            "人民广场",
            "文化广场",
            "南湖",
            "红旗街",
            "桂林路",
            "重庆路",
            "卫星广场",
            "火车站北广场",
            "东方广场",
            "欧亚商都",
            "长影世纪城",
            "净月潭",
            "一汽",
            "光复路",
            "北湖",
            "绿园",
            "西安广场",
            "华庆路",
            "明珠小区",
            "万科蓝山",
            "中海国际社区",
            "长春大学",
            "吉大一院",
            "省医院",
            "儿童公园",
            "胜利公园",
            "亚泰广场",
            "伊通河",
        ],
    ),
    City(
        "JLC",
        "吉林市",
        "吉林市人民防空办公室",
        68,
        8,
        0.35,
        0.05,
        ["船营区", "昌邑区", "丰满区", "龙潭区"],
        [
            "解放中路",
            "重庆街",
            "河南街",
            "吉林大街",
            "遵义东路",
            "北京路",
            "松江中路",
            "长春路",
            "珲春街",
            "越山路",
            "华山路",
            "深圳街",
        ],
        [
            "世纪广场",
            "河南街",
            "东市场",
            "江城广场",
            "北大湖",
            "临江门",
            "吉林站",
            "江南公园",
            "北山",
            "市中心医院",
            "东北电力大学",
            "华润万家",
            "卓越城",
            "九站",
        ],
        hills=["北山", "龙潭山", "小白山", "朱雀山", "丰满"],
    ),
    City(
        "SP",
        "四平市",
        "四平市国防动员办公室",
        27,
        4,
        0.0,
        0.05,
        ["铁西区", "铁东区"],
        ["英雄大路", "紫气大路", "北新街", "南新街", "海丰大街", "仁兴街", "中央东路"],
        [
            "英雄广场",
            "四平站",
            "红嘴子",
            "南湖公园",
            "中心医院",
            "万达广场",
            "欧亚商都",
            "北山公园",
        ],
    ),
    City(
        "LY",
        "辽源市",
        "辽源市人民防空办公室",
        17,
        3,
        0.0,
        0.05,
        ["龙山区", "西安区"],
        ["人民大街", "龙山路", "西宁大路", "福镇大路", "东吉大街", "站前路"],
        ["龙首山", "人民广场", "辽源站", "东北袜业园", "中心医院", "鼎盛广场"],
    ),
    City(
        "TH",
        "通化市",
        "通化市人民防空办公室",
        27,
        5,
        0.35,
        0.05,
        ["东昌区", "二道江区"],
        ["新华大街", "建设大街", "东昌路", "滨江西路", "光明路", "龙泉路", "团结路"],
        ["玉皇山", "江东", "通化站", "东宝新村", "中心医院", "万达广场", "新华广场"],
        hills=["玉皇山", "东山", "金厂岭", "靖宇山"],
    ),
    City(
        "BS",
        "白山市",
        "白山市人民防空办公室",
        17,
        4,
        0.35,
        0.05,
        ["浑江区", "江源区"],
        ["浑江大街", "民中街", "红旗街", "长白山大街", "江北大街", "光明街"],
        ["北山", "白山站", "浑江广场", "中心医院", "欧亚购物中心", "红旗广场"],
        hills=["北山", "南山", "三道沟", "八道江"],
    ),
    City(
        "SY",
        "松原市",
        "松原市人民防空办公室",
        22,
        2,
        0.0,
        0.40,
        ["宁江区"],
        ["松原大路", "沿江路", "锦江大街", "乌兰大街", "青年大街", "民主街", "建华路"],
        ["松原站", "世纪广场", "江北", "查干湖", "中心医院", "油田小区", "滨江公园"],
    ),
    City(
        "BC",
        "白城市",
        "白城市人民防空办公室",
        17,
        2,
        0.0,
        0.08,
        ["洮北区"],
        ["中兴东大路", "新华西大路", "海明路", "长庆街", "辽北路", "幸福南大街"],
        ["白城站", "鹤鸣湖", "中心医院", "欧亚购物中心", "金辉广场", "白城师院"],
    ),
    City(
        "YB",
        "延边朝鲜族自治州",
        "延边朝鲜族自治州人民防空办公室",
        46,
        6,
        0.08,
        0.05,
        ["延吉市", "图们市", "敦化市", "珲春市", "龙井市", "和龙市", "汪清县", "安图县"],
        ["光明街", "局子街", "人民路", "参花街", "长白山路", "友谊路", "河南街", "新兴街"],
        [
            "延吉西站",
            "延边大学",
            "水上市场",
            "百货大楼",
            "人民公园",
            "帽儿山",
            "图们江",
            "六鼎山",
            "防川",
            "海兰江",
        ],
        hills=["帽儿山", "六鼎山"],
    ),
    City(
        "MHK",
        "梅河口市",
        "梅河口市人民防空办公室",
        11,
        1,
        0.10,
        0.05,
        ["梅河口市"],
        ["人民大街", "建国路", "解放街", "新华街", "向阳街", "银河大街"],
        ["梅河口站", "东方红广场", "中心医院", "鸡冠山", "海龙湖"],
        nominal_parent="TH",
    ),
    City(
        "GZL",
        "公主岭市",
        "公主岭市人民防空办公室",
        11,
        1,
        0.0,
        0.05,
        ["公主岭市"],
        ["铁北大街", "河南大街", "岭东路", "站前街", "人民大街"],
        ["公主岭站", "南崴子", "人民广场", "中心医院", "岭城花园"],
        nominal_parent="CC",
    ),
]

# County-level offices (a realistic subset of domain.md §3.1), including one development zone.
COUNTIES: dict[str, list[tuple[str, str]]] = {
    "CC": [
        ("NG", "南关区"),
        ("CY", "朝阳区"),
        ("KC", "宽城区"),
        ("ED", "二道区"),
        ("LY", "绿园区"),
        ("JT", "九台区"),
        ("NA", "农安县"),
        ("DH", "德惠市"),
        ("XQ", "长春新区"),
    ],
    "JLC": [
        ("CY", "昌邑区"),
        ("CYG", "船营区"),
        ("FM", "丰满区"),
        ("LT", "龙潭区"),
        ("HD", "桦甸市"),
    ],
    "SP": [("TX", "铁西区"), ("TD", "铁东区"), ("LS", "梨树县")],
    "LY": [("LS", "龙山区"), ("XA", "西安区"), ("DF", "东丰县")],
    "TH": [("DC", "东昌区"), ("EDJ", "二道江区"), ("JA", "集安市"), ("LH", "柳河县")],
    "BS": [("HJ", "浑江区"), ("JY", "江源区"), ("FS", "抚松县"), ("LJ", "临江市")],
    "SY": [("NJ", "宁江区"), ("QG", "前郭尔罗斯蒙古族自治县"), ("FY", "扶余市")],
    "BC": [("TB", "洮北区"), ("TN", "洮南市"), ("DA", "大安市")],
    "YB": [
        ("YJ", "延吉市"),
        ("TM", "图们市"),
        ("DH", "敦化市"),
        ("HC", "珲春市"),
        ("LJ", "龙井市"),
        ("HL", "和龙市"),
        ("WQ", "汪清县"),
        ("AT", "安图县"),
    ],
}

# Operating units: (code, name, parent org code, share of the city's sites).
# Units under the province own sites in 长春 and 吉林 (JL-xxxx codes).
UNITS: list[tuple[str, str, str, int]] = [
    ("JL-U01", "吉林省人防工程管理中心", "JL", 6),
    ("JL-U02", "吉林省人防资产经营管理有限公司", "JL", 6),
    ("CC-U01", "长春市人防资产经营管理有限公司", "CC", 30),
    ("CC-U02", "长春市人防工程管理站", "CC", 14),
    ("CC-U03", "长春红旗街地下商城管理有限公司", "CC-CY", 8),
    ("CC-U04", "长春市南关区人防工程管理所", "CC-NG", 14),
    ("CC-U05", "长春泊安停车管理有限公司", "CC", 16),
    ("CC-U06", "长春市宽城区人防工程管理所", "CC-KC", 10),
    ("CC-U07", "长春市二道区人防工程服务中心", "CC-ED", 9),
    ("CC-U08", "长春新区人防工程运营有限公司", "CC-XQ", 10),
    ("CC-U09", "长春市九台区人防工程管理所", "CC-JT", 6),
    ("CC-U10", "农安县人防工程管理所", "CC-NA", 8),
    ("JLC-U01", "吉林市人防资产经营有限公司", "JLC", 20),
    ("JLC-U02", "吉林市人防工程管理处", "JLC", 12),
    ("JLC-U03", "吉林市船营区人防工程管理所", "JLC-CYG", 10),
    ("JLC-U04", "吉林市昌邑区人防工程管理所", "JLC-CY", 10),
    ("JLC-U05", "吉林市丰满区人防坑道管理站", "JLC-FM", 8),
    ("JLC-U06", "吉林市江城地下商业街经营管理有限公司", "JLC", 8),
    ("YB-U01", "延边州人防资产经营管理有限公司", "YB", 20),
    ("YB-U02", "延吉市人防工程管理所", "YB-YJ", 12),
    ("YB-U03", "敦化市人防工程管理所", "YB-DH", 7),
    ("YB-U04", "珲春市人防工程管理所", "YB-HC", 7),
    ("SP-U01", "四平市人防资产经营管理有限公司", "SP", 13),
    ("SP-U02", "四平市铁西区人防工程管理所", "SP-TX", 8),
    ("SP-U03", "梨树县人防工程管理所", "SP-LS", 6),
    ("TH-U01", "通化市人防资产经营有限公司", "TH", 13),
    ("TH-U02", "通化市东昌区人防工程管理所", "TH-DC", 8),
    ("TH-U03", "集安市人防工程管理所", "TH-JA", 6),
    ("SY-U01", "松原市人防资产经营管理有限公司", "SY", 11),
    ("SY-U02", "松原市宁江区人防工程管理所", "SY-NJ", 6),
    ("SY-U03", "前郭县人防工程管理所", "SY-QG", 5),
    ("LY-U01", "辽源市人防资产经营管理有限公司", "LY", 11),
    ("LY-U02", "辽源市龙山区人防工程管理所", "LY-LS", 6),
    ("BS-U01", "白山市人防资产经营有限公司", "BS", 11),
    ("BS-U02", "白山市浑江区人防工程管理所", "BS-HJ", 6),
    ("BC-U01", "白城市人防资产经营管理有限公司", "BC", 11),
    ("BC-U02", "洮南市人防工程管理所", "BC-TN", 6),
    ("MHK-U01", "梅河口市人防资产经营管理有限公司", "MHK", 7),
    ("MHK-U02", "梅河口市地下商业街管理有限公司", "MHK", 4),
    ("GZL-U01", "公主岭市人防工程管理中心", "GZL", 11),
]

# Demo accounts: every role at unit, county, city and province level.
ACCOUNTS: list[tuple[str, str, Role, str]] = [
    ("jl.admin", "赵振华", Role.OFFICE_ADMIN, "JL"),
    ("jl.supervisor", "孙立新", Role.OFFICE_SUPERVISOR, "JL"),
    ("cc.admin", "王海涛", Role.OFFICE_ADMIN, "CC"),
    ("cc.supervisor", "李秀梅", Role.OFFICE_SUPERVISOR, "CC"),
    ("jlc.admin", "张国庆", Role.OFFICE_ADMIN, "JLC"),
    ("jlc.supervisor", "刘晓东", Role.OFFICE_SUPERVISOR, "JLC"),
    ("cc-ng.admin", "陈建军", Role.OFFICE_ADMIN, "CC-NG"),
    ("cc-ng.supervisor", "杨丽娟", Role.OFFICE_SUPERVISOR, "CC-NG"),
    ("mhk.admin", "周志刚", Role.OFFICE_ADMIN, "MHK"),
    ("mhk.supervisor", "吴春燕", Role.OFFICE_SUPERVISOR, "MHK"),
    ("jl-u01.manager", "郭宏伟", Role.UNIT_MANAGER, "JL-U01"),
    ("jl-u01.inspector", "马俊杰", Role.INSPECTOR, "JL-U01"),
    ("cc-u01.manager", "高明", Role.UNIT_MANAGER, "CC-U01"),
    ("cc-u01.inspector", "徐磊", Role.INSPECTOR, "CC-U01"),
    ("cc-u04.manager", "何丽华", Role.UNIT_MANAGER, "CC-U04"),
    ("cc-u04.inspector", "林涛", Role.INSPECTOR, "CC-U04"),
    ("jlc-u01.manager", "胡永刚", Role.UNIT_MANAGER, "JLC-U01"),
    ("jlc-u01.inspector", "朱凤霞", Role.INSPECTOR, "JLC-U01"),
    ("mhk-u01.manager", "金成浩", Role.UNIT_MANAGER, "MHK-U01"),
    ("mhk-u01.inspector", "崔明哲", Role.INSPECTOR, "MHK-U01"),
]

USAGE_MIX: list[tuple[Usage, float]] = [
    (Usage.PARKING, 0.45),
    (Usage.COMMERCIAL, 0.15),
    (Usage.STORAGE, 0.12),
    (Usage.IDLE, 0.12),
    (Usage.CATERING_ENTERTAINMENT, 0.08),
    (Usage.OFFICE, 0.04),
    (Usage.OTHER, 0.04),
]

NAME_SUFFIXES: dict[Usage, list[str]] = {
    Usage.PARKING: ["地下停车场", "人防地下车库", "地下停车库"],
    Usage.COMMERCIAL: ["地下商业街", "地下商场", "地下购物中心"],
    Usage.STORAGE: ["人防仓库", "地下仓储库"],
    Usage.CATERING_ENTERTAINMENT: [
        "地下美食城",
        "地下KTV",
        "地下健身中心",
        "地下洗浴中心",
        "地下餐饮广场",
    ],
    Usage.OFFICE: ["人防地下办公用房", "地下指挥所办公区"],
    Usage.OTHER: ["地下自行车库", "地下维修车间", "地下物资储备库"],
    Usage.IDLE: ["人防工程", "地下人防工程"],
}

TENANT_WORDS = [
    "鑫源",
    "恒泰",
    "嘉禾",
    "金诚",
    "泊安",
    "万通",
    "宏达",
    "瑞丰",
    "福顺",
    "天成",
    "北辰",
    "联众",
    "长盛",
    "佳和",
    "安泰",
    "兴隆",
    "信德",
    "汇丰",
    "利民",
    "润通",
]
TENANT_SUFFIXES: dict[Usage, list[str]] = {
    Usage.PARKING: ["停车管理有限公司", "物业服务有限公司"],
    Usage.COMMERCIAL: ["商贸有限公司", "商业管理有限公司"],
    Usage.STORAGE: ["物流有限公司", "仓储有限公司"],
    Usage.CATERING_ENTERTAINMENT: ["餐饮管理有限公司", "娱乐有限公司", "健身服务有限公司"],
    Usage.OFFICE: ["科技有限公司", "商务服务有限公司"],
    Usage.OTHER: ["汽车维修有限公司", "贸易有限公司"],
}

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林高罗郑梁谢宋唐韩冯于董曹"
KOREAN_SURNAMES = "金朴崔李郑姜"
GIVEN = "建国志刚海涛秀梅丽华明辉晓东春燕立新永红玉兰宏伟俊杰凤霞成浩文博雪峰桂芝德胜淑珍"
PHONE_PREFIXES = [
    "130",
    "131",
    "132",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "157",
    "158",
    "159",
    "176",
    "186",
    "187",
    "188",
    "189",
]


def build_demo() -> DemoData:
    rng = random.Random(SEED)
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
    rng = random.Random(FIELD_ACCOUNTS_SEED)
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


# --- the demo history (webapp/services/demo_activity.py replays it) -------------------------

ACTIVITY_SEED = SEED + 2

# Units whose daily checks are sloppy (share of due sites checked), so that the rankings
# and the heat map show something; every other unit checks 93–99 % of its due sites.
SLOPPY_UNITS: dict[str, float] = {"SY-U03": 0.76, "BC-U02": 0.8, "YB-U04": 0.84}


@dataclass(frozen=True)
class Finding:
    """A failed checklist item as an inspector writes it down: what was found, and either
    the fix made on the spot or the rectification order's measures and funds (yuan)."""

    item_id: str
    note: str
    action: str = ""  # fixed on the spot
    measures: str = ""  # rectification order
    funds: tuple[int, int] = (0, 0)


# Daily self-checks: most failures are fixed on the spot (即查即改) ...
ON_SPOT_FINDINGS: list[Finding] = [
    Finding(
        "ELEC-05",
        "B区停车位停放2辆电动自行车，其中1辆正在充电",
        "当场劝离电动自行车，拆除私接充电线",
    ),
    Finding("ELEC-05", "出入口坡道旁存放电动自行车电池", "电池已移出工程，告知承租方不得带入"),
    Finding("EVAC-02", "疏散通道堆放纸箱杂物", "当场清理杂物，通道已畅通"),
    Finding("EVAC-02", "楼梯间堆放装修材料", "组织人员清走材料，楼梯已畅通"),
    Finding("EVAC-01", "2号安全出口上锁", "当场开锁，钥匙交值班室保管"),
    Finding("FIRE-05", "常闭防火门被木楔顶住，处于常开状态", "撤除木楔，防火门已关闭"),
    Finding("PROT-01", "防护密闭门前堆放货物", "货物已移开，门能正常启闭"),
    Finding("ENV-01", "出入口周边堆放建筑垃圾", "联系物业当场清运"),
    Finding("MGT-04", "昨日防火巡查记录未签字", "补签记录，提醒值班人员按时签字"),
    Finding("FIRE-01", "1具灭火器压力指针在红区", "已换上备用灭火器"),
    Finding("ELEC-02", "值班室使用电暖器", "当场收走电暖器"),
    Finding("EVAC-03", "疏散指示标志被广告牌遮挡", "移开广告牌，标志已露出"),
    Finding("WATER-02", "入口坡道地面结冰", "撒融雪剂并铺设防滑垫"),
]

# ... the rest become rectification orders.
ORDER_FINDINGS: list[Finding] = [
    Finding(
        "WATER-01",
        "顶板变形缝处渗水，地面有积水",
        measures="对变形缝注浆堵漏，清理积水，每日观察渗水情况",
        funds=(2000, 15000),
    ),
    Finding(
        "EVAC-04",
        "3盏应急照明灯断电测试不亮",
        measures="更换应急照明灯具和蓄电池",
        funds=(300, 2000),
    ),
    Finding("EVAC-03", "2处疏散指示标志灯不亮", measures="更换疏散指示标志灯", funds=(200, 1200)),
    Finding(
        "SEC-01",
        "2号通道监控摄像头无图像",
        measures="联系维保单位维修摄像头和线路",
        funds=(500, 3000),
    ),
    Finding(
        "FIRE-04",
        "火灾报警控制器显示3处探测器故障",
        measures="委托消防维保单位检修探测器并做联动测试",
        funds=(1000, 6000),
    ),
    Finding(
        "FIRE-03", "喷淋系统末端试水压力不足", measures="检修湿式报警阀和稳压泵", funds=(1500, 8000)
    ),
    Finding(
        "STRUC-01",
        "主通道顶板出现一条约1.5米长的裂缝",
        measures="委托检测单位评估裂缝，按评估意见修补并观测",
        funds=(3000, 20000),
    ),
    Finding("FIRE-01", "5具灭火器已过期", measures="购置新灭火器更换过期灭火器", funds=(300, 1500)),
    Finding(
        "ELEC-02",
        "商户私拉电线，使用劣质插排",
        measures="拆除私拉电线，按规范敷设线路",
        funds=(500, 3000),
    ),
    Finding("VENT-01", "排风机故障停转", measures="维修排风机电机，恢复通风", funds=(800, 4000)),
]

# Office and covert checks look at the whole checklist and issue rectification orders.
OFFICE_FINDINGS: list[Finding] = [
    *ORDER_FINDINGS,
    Finding(
        "MGT-05",
        "隐患台帐未及时更新，2条隐患无整改期限",
        measures="补全台帐，逐条明确整改责任人和期限",
    ),
    Finding(
        "MGT-06",
        "应急预案未组织演练",
        measures="本月内组织一次疏散演练并留存记录",
        funds=(500, 2000),
    ),
    Finding(
        "MGT-01", "安全管理制度未上墙公示", measures="制作制度牌并在值班室公示", funds=(200, 800)
    ),
    Finding("FIRE-02", "消火栓箱内水带缺失", measures="补齐水带、水枪", funds=(300, 1500)),
    Finding("ELEC-03", "部分电线未穿管保护", measures="按规范穿管保护", funds=(800, 5000)),
    Finding(
        "PROT-02",
        "防护密闭门密封条老化脱落",
        measures="更换密封条，做密闭性检查",
        funds=(1000, 6000),
    ),
    Finding(
        "WATER-03", "集水井排水泵不能自动启停", measures="检修液位控制器和排水泵", funds=(800, 4000)
    ),
]

# Texts of the work that follows a finding.
FUNDS_SOURCES = ["单位自筹", "承租方承担", "人防工程维护管理经费"]
RECTIFIED_NOTES = [
    "已按整改措施完成整改：{measures}",
    "整改完成，{measures}",
    "已整改到位：{measures}",
]
VERIFIED_NOTES = ["现场复查，整改到位，同意销号", "复查合格，予以销号", ""]
REJECTED_NOTES = ["复查发现整改不彻底，仍存在问题，请继续整改", "整改照片与现场不符，请重新整改"]
PROGRESS_NOTES = ["已联系施工单位，材料进场", "整改施工进行中，已设置警示标志", "已完成一半工程量"]

# Failures that an office re-grades to a major hazard, with its remediation plan (整改方案).
MAJOR_ITEMS = {"WATER-01", "STRUC-01", "FIRE-04", "FIRE-03"}
REGRADE_NOTE = "经市人防办现场复核，问题范围大、短期内无法消除，认定为重大隐患"
MAJOR_PLAN = {
    "plan_objectives": "消除隐患，恢复工程安全使用条件，整改后经第三方检测合格",
    "plan_materials": "防水堵漏材料、检测仪器、施工机具",
    "plan_responsible_body": "工程隶属单位（委托专业施工单位实施）",
    "plan_interim_measures": "设置警戒区域和警示标志，限制人员进入，每日两次专人巡查",
    "plan_contingency": "发现险情立即疏散人员、停止使用，并报告市人防办",
}
MAJOR_FUNDS = (30000, 150000)

SUPERVISION_NOTICE = "{office}人防督〔{year}〕{number}号"  # 挂牌督办 notice number


def city_short_name(code: str) -> str:
    """长春, 延边, 梅河口 … for the city-level office ``code``."""
    city = next(city for city in CITIES if city.code == code)
    return city.place.removesuffix("朝鲜族自治州").removesuffix("市")


# The typed-in sections of the monthly reports.
DRILL_TYPES = ["消防疏散演练", "防汛演练", "停电应急演练", "消防疏散演练、停电应急演练"]
REPORT_TEXTS = {
    "main_work": "开展人防工程安全隐患排查整治，督导经营单位落实每日检查和即查即改，"
    "对发现的隐患逐条登记、跟踪整改。",
    "problems": "个别单位日检查不及时、记录不完整；部分早期工程渗漏问题整改周期长。",
    "next_month_plan": "继续开展督导检查，跟踪重大隐患整改，组织一次应急演练。",
}
