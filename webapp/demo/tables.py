"""The Jilin demo's fixed tables: the province, its city-level offices with their places,
counties and operating units, the listed demo accounts, and the words site names, tenants
and people are made of. ``webapp.demo.dataset`` builds the demo from them."""

from __future__ import annotations

from dataclasses import dataclass, field

from webapp.models import OrgKind, Role, Usage


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
    # The managers of the three sloppy units (activity/story.py): reminders in their inbox.
    ("sy-u03.manager", "白云峰", Role.UNIT_MANAGER, "SY-U03"),
    ("bc-u02.manager", "于海波", Role.UNIT_MANAGER, "BC-U02"),
    ("yb-u04.manager", "朴成哲", Role.UNIT_MANAGER, "YB-U04"),
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
