"""The default daily checklist (template key ``daily``, version 1), from domain.md §1.3.

59 items in 12 categories. Item ids are stable across versions so trends survive
rewording. Labels and guidance are our own words. Frequencies follow the domain table
with a few judgement calls so that a typical in-use car park gets about 23 items a day:
hydrant cabinets, fire-safety signs, humidity and mould, concrete spalling and the alarm
phone are checked monthly; standing water and ice (WATER-02) is checked daily in the flood
season and in winter only. ``applies_to`` uses the site tags of ``Site.tags``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from webapp.models.templates import Frequency, Grade

TEMPLATE_KEY = "daily"
TEMPLATE_VERSION = 1
TEMPLATE_TITLE = "人防工程日常安全检查表"

# (code, Chinese name, English name) in display order.
CATEGORIES: list[tuple[str, str, str]] = [
    ("MGT", "安全管理", "Safety management"),
    ("FIRE", "消防设施", "Fire protection"),
    ("EVAC", "安全疏散", "Evacuation routes and exits"),
    ("ELEC", "用电安全", "Electrical safety"),
    ("HAZ", "易燃易爆与燃气", "Flammables, explosives and gas"),
    ("VENT", "通风与空气质量", "Ventilation and air quality"),
    ("WATER", "防水排水与防汛", "Water, drainage and flooding"),
    ("STRUC", "结构安全", "Structure"),
    ("PROT", "人防防护设备", "Protective equipment"),
    ("OPS", "经营使用", "Business operations"),
    ("SEC", "安防监控与通信", "Surveillance and communications"),
    ("ENV", "周边环境与口部", "Surroundings and entrances"),
]

D = Frequency.DAILY.value
M = Frequency.MONTHLY.value
Q = Frequency.QUARTERLY.value
SV = Frequency.SUPERVISORY.value
SEASONAL = Frequency.SEASONAL.value
MAJOR = Grade.MAJOR.value
GENERAL = Grade.GENERAL.value


@dataclass(frozen=True)
class ItemSpec:
    item_id: str
    frequency: str
    applies_to: list[str]
    label_zh: str
    label_en: str
    guidance_zh: str
    guidance_en: str
    seasons: list[str] = field(default_factory=list)
    photo_required_on_fail: bool = False
    default_grade: str = GENERAL
    fix_immediately: bool = False

    @property
    def category(self) -> str:
        return self.item_id.split("-")[0]


ALL = ["all"]
CROWD = ["crowd"]

ITEMS: list[ItemSpec] = [
    # A. Safety management
    ItemSpec(
        "MGT-01",
        SV,
        ALL,
        "明确并公示安全责任人和安全管理员，安全管理制度齐全",
        "Safety-responsible person and safety officer named and posted; safety rules in place",
        "查看公示牌和制度文本，人员变动后应及时更新。",
        "Look at the notice board and the written rules; the names must be current.",
    ),
    ItemSpec(
        "MGT-02",
        SV,
        ["leased"],
        "平时使用证或备案、租赁合同、安全使用责任书齐全且在有效期内",
        "Peacetime-use permit or registration, lease and safety agreement on file and in date",
        "核对证件有效期，以及承租方名称与合同是否一致。",
        "Check the expiry dates and that the tenant named matches the lease.",
    ),
    ItemSpec(
        "MGT-03",
        SV,
        ALL,
        "按批准用途使用，没有擅自分隔、改变用途或转租",
        "Used as approved: no unapproved partitions, change of use or subletting",
        "对照批准文件查看现场布局和实际经营内容。",
        "Compare the layout and the business on site with the approval.",
    ),
    ItemSpec(
        "MGT-04",
        D,
        ALL,
        "日检查记录和防火巡查记录完整、有签字",
        "Daily-check and fire-patrol records complete and signed",
        "近几日记录应连续，巡查人和负责人均已签字。",
        "Records for recent days are continuous and signed by the patroller and the supervisor.",
    ),
    ItemSpec(
        "MGT-05",
        SV,
        ALL,
        "建立隐患台账，每条隐患有整改责任人和期限",
        "Hazard ledger kept; every hazard has an owner and a deadline",
        "抽查台账中尚未销号的隐患整改进度。",
        "Spot-check the progress of the items not yet closed.",
    ),
    ItemSpec(
        "MGT-06",
        SV,
        ALL,
        "火灾、水淹、停电、疏散应急预案已制定并演练，员工接受过消防培训",
        "Emergency plans for fire, flooding, power loss and evacuation written and drilled; "
        "staff trained in fire safety",
        "查看预案、演练记录和培训签到表；员工应会报警、会扑救初起火灾、会组织疏散。",
        "See the plans, drill records and training sheets; staff can raise the alarm, "
        "fight a small fire and lead people out.",
    ),
    ItemSpec(
        "MGT-07",
        D,
        ["in_use"],
        "24小时值班人员在岗，值班记录完整",
        "24-hour duty staffed and the duty log complete",
        "值班人员在岗，交接班有记录。",
        "Duty staff present; every handover logged.",
    ),
    # B. Fire protection
    ItemSpec(
        "FIRE-01",
        D,
        ALL,
        "灭火器数量和位置符合配置，压力正常、未过期",
        "Extinguishers in the right number and place, pressure normal, in date",
        "压力表指针在绿区，标签上的有效期未过，瓶体无锈蚀。",
        "Gauge needle in the green, label date not passed, no rust on the cylinder.",
    ),
    ItemSpec(
        "FIRE-02",
        M,
        ALL,
        "消火栓箱内水带、水枪等配件齐全，箱前无遮挡，管道无锈蚀渗漏",
        "Hydrant cabinets complete with hose and nozzle and unobstructed; pipes free of rust "
        "and leaks",
        "打开箱门核对配件，箱前1米内不得堆物。",
        "Open the cabinet and check the fittings; keep 1 m in front of it clear.",
    ),
    ItemSpec(
        "FIRE-03",
        D,
        ["crowd", "park"],
        "自动喷水灭火系统处于准工作状态，阀门常开、压力正常",
        "Sprinkler system on standby: valves open, pressure normal",
        "查看报警阀组压力表，信号阀应处于开启状态。",
        "Read the alarm-valve gauges; the signal valves must be open.",
    ),
    ItemSpec(
        "FIRE-04",
        D,
        ["crowd", "park"],
        "火灾报警控制器无故障、无屏蔽，防排烟设施有效，消防控制室有人值守",
        "Fire alarm panel without faults or isolations; smoke control working; control room "
        "staffed",
        "查看控制器面板和运行记录，控制室应有持证人员在岗。",
        "Read the panel and its log; a certified operator must be in the control room.",
    ),
    ItemSpec(
        "FIRE-05",
        D,
        ALL,
        "常闭防火门处于关闭状态、闭门器完好，防火卷帘下方无堆物",
        "Normally-closed fire doors shut with working closers; nothing under fire shutters",
        "防火门不得用楔子顶开；卷帘下方地面保持畅通。",
        "Fire doors must not be wedged open; the floor under shutters stays clear.",
        photo_required_on_fail=True,
    ),
    ItemSpec(
        "FIRE-06",
        M,
        ALL,
        "消防安全标志齐全、完好",
        "Fire-safety signs present and undamaged",
        "灭火器、消火栓、禁止吸烟等标志清晰可见。",
        "Signs for extinguishers, hydrants and no smoking are clearly visible.",
    ),
    ItemSpec(
        "FIRE-07",
        D,
        ALL,
        "无违规动火，电焊、气割等动火作业经审批且不在营业时间进行",
        "No unapproved hot work; welding and cutting approved and never during opening hours",
        "发现动火作业时查看动火审批单和现场看护人员。",
        "If hot work is going on, ask for the permit and the fire watcher.",
    ),
    ItemSpec(
        "FIRE-08",
        SV,
        CROWD,
        "室内装修未使用聚氨酯泡沫等易燃可燃材料",
        "No flammable fit-out materials such as polyurethane foam",
        "重点查看吊顶、墙面软包和隔音材料。",
        "Look at ceilings, padded walls and sound insulation.",
        photo_required_on_fail=True,
        default_grade=MAJOR,
    ),
    # C. Evacuation routes and exits
    ItemSpec(
        "EVAC-01",
        D,
        ALL,
        "使用期间安全出口未上锁、未封堵",
        "Exits neither locked nor blocked while the site is in use",
        "逐个推开安全出口门；锁闭或封堵必须当场整改。",
        "Push every exit door open; a locked or blocked exit must be fixed on the spot.",
        photo_required_on_fail=True,
        fix_immediately=True,
    ),
    ItemSpec(
        "EVAC-02",
        D,
        ALL,
        "疏散通道和楼梯畅通，无堆物、无占用",
        "Escape corridors and stairs clear of goods, vehicles and stalls",
        "通道不得被货物、车辆或摊位占用，发现后立即清理。",
        "Nothing may narrow the route; clear it at once.",
        photo_required_on_fail=True,
        fix_immediately=True,
    ),
    ItemSpec(
        "EVAC-03",
        D,
        ALL,
        "疏散指示标志亮灯、指向正确、未被遮挡",
        "Exit signs lit, pointing the right way and not covered",
        "沿疏散路线走一遍，确认标志连续指向出口。",
        "Walk the escape route; the signs must lead all the way out.",
    ),
    ItemSpec(
        "EVAC-04",
        D,
        ALL,
        "应急照明完好，断电后能自动点亮",
        "Emergency lights working and switching on by themselves when power fails",
        "每日查看指示灯，每月按试验按钮做一次断电测试。",
        "Check the indicator daily; press the test button once a month.",
    ),
    ItemSpec(
        "EVAC-05",
        SV,
        CROWD,
        "安全出口数量和总宽度未因隔断或装修而减少",
        "Number and total width of exits not reduced by partitions or fit-out",
        "对照消防验收图纸核对；宽度不足规范值80%属重大火灾隐患。",
        "Compare with the approved fire drawings; under 80 % of the required width is a "
        "major hazard.",
        photo_required_on_fail=True,
        default_grade=MAJOR,
    ),
    ItemSpec(
        "EVAC-06",
        D,
        ALL,
        "人防出入口通道畅通，无临时建筑和杂物，未挪作他用",
        "Shelter entrance passages clear: no sheds, no storage, no other use",
        "包括口部楼梯、坡道和防护门外通道。",
        "Includes entrance stairs, ramps and the passage outside the protective door.",
        photo_required_on_fail=True,
    ),
    # D. Electrical safety
    ItemSpec(
        "ELEC-01",
        D,
        ALL,
        "配电箱柜完好，周围无可燃物，无异响、无发热",
        "Distribution boards intact, no combustibles nearby, no buzzing or heat",
        "用手背靠近箱门感受温度，箱前不堆放物品。",
        "Feel the cabinet door with the back of your hand; nothing stacked in front.",
    ),
    ItemSpec(
        "ELEC-02",
        D,
        ALL,
        "无私拉乱接电线，无劣质插排，无违规大功率电器和电取暖器",
        "No improvised wiring, substandard power strips, or unauthorised high-power appliances "
        "or heaters",
        "重点查看值班室、库房和商户后场。",
        "Look especially in duty rooms, storerooms and the back rooms of shops.",
        photo_required_on_fail=True,
    ),
    ItemSpec(
        "ELEC-03",
        M,
        ALL,
        "电线无老化、破损，按要求穿管保护",
        "Cables not aged or damaged and run in conduit where required",
        "查看桥架、接线盒和线管接口处。",
        "Look at cable trays, junction boxes and conduit joints.",
    ),
    ItemSpec(
        "ELEC-04",
        M,
        ALL,
        "漏电保护器动作可靠，接地有效",
        "Residual-current devices trip when tested; earthing sound",
        "按下漏电保护器试验按钮，应立即跳闸。",
        "Press the RCD test button: it must trip at once.",
    ),
    ItemSpec(
        "ELEC-05",
        D,
        ALL,
        "工程内没有停放或充电的电动自行车及其电池",
        "No e-bikes or e-bike batteries parked or charging inside",
        "发现电动自行车或电池必须立即移出工程。",
        "Any e-bike or battery found inside must be moved out at once.",
        photo_required_on_fail=True,
        fix_immediately=True,
    ),
    # E. Flammables, explosives and gas
    ItemSpec(
        "HAZ-01",
        D,
        ALL,
        "未生产或存放易燃易爆、有毒、放射性、腐蚀性物品（含烟花爆竹、油漆、溶剂）",
        "No flammable, explosive, toxic, radioactive or corrosive goods made or kept "
        "(fireworks, paint and solvents included)",
        "重点检查仓库和商户库房；人员密集场所发现的必须立即清除。",
        "Check storerooms above all; in crowded places such goods must be removed at once.",
        photo_required_on_fail=True,
        default_grade=MAJOR,
        fix_immediately=True,
    ),
    ItemSpec(
        "HAZ-02",
        D,
        ["catering"],
        "未使用或存放液化石油气瓶等瓶装燃气",
        "No bottled gas (LPG or similar) used or kept",
        "查看后厨及隐蔽角落。",
        "Check kitchens and hidden corners.",
        photo_required_on_fail=True,
        default_grade=MAJOR,
    ),
    ItemSpec(
        "HAZ-03",
        M,
        ["catering"],
        "使用管道燃气的，可燃气体报警器和紧急切断阀有效",
        "Where piped gas is used, gas detectors and the emergency shut-off valve work",
        "按报警器自检键，并查看切断阀状态。",
        "Press the detector's self-test and check the shut-off valve.",
    ),
    # F. Ventilation and air quality
    ItemSpec(
        "VENT-01",
        D,
        ["in_use"],
        "有人员在内时通风机正常运行",
        "Ventilation fans running whenever people are inside",
        "听风机运转声音，感受风口是否有风。",
        "Listen for the fans and feel the air at the vents.",
    ),
    ItemSpec(
        "VENT-02",
        D,
        CROWD,
        "二氧化碳浓度不超标（商场等≤0.15%，住宿≤0.10%）",
        "CO₂ within limits (shops and similar ≤0.15 %, lodging ≤0.10 %)",
        "有检测仪的记录读数；没有的在督查时抽测。",
        "Record the meter reading where there is a meter; otherwise it is measured on office "
        "visits.",
    ),
    ItemSpec(
        "VENT-03",
        D,
        ["park", "catering"],
        "一氧化碳浓度不超标，CO探测器与风机联动正常",
        "CO within limits; CO sensors start the fans",
        "室内≤10 mg/m³，车库≤30 mg/m³。",
        "Indoors ≤10 mg/m³, car parks ≤30 mg/m³.",
    ),
    ItemSpec(
        "VENT-04",
        M,
        ALL,
        "湿度适宜，无明显结露和霉变",
        "Humidity acceptable; no heavy condensation or mould",
        "滤毒室相对湿度超过75%时应除湿。",
        "Dehumidify the filter room above 75 % relative humidity.",
    ),
    ItemSpec(
        "VENT-05",
        D,
        ["early"],
        "进入长期封闭的工程前先通风，并检测氧气和有害气体",
        "Before entering a long-closed work, ventilate and test oxygen and toxic gases",
        "氧气浓度低于19.5%不得进入，不得单人进入。",
        "Do not enter below 19.5 % oxygen, and never go in alone.",
    ),
    # G. Water, drainage and flooding
    ItemSpec(
        "WATER-01",
        D,
        ALL,
        "顶板、墙体和变形缝没有渗水漏水",
        "No seepage or leaks in the roof slab, walls or movement joints",
        "大面积或长期渗漏应拍照上报。",
        "Photograph and report large or long-standing leaks.",
        photo_required_on_fail=True,
    ),
    ItemSpec(
        "WATER-02",
        SEASONAL,
        ALL,
        "地面无积水、无结冰",
        "No standing water or ice on the floor",
        "汛期重点看积水，冬季和节假日前重点看口部结冰。",
        "In the flood season look for standing water; in winter and before holidays, for ice "
        "at the entrances.",
        seasons=["flood", "winter"],
        photo_required_on_fail=True,
    ),
    ItemSpec(
        "WATER-03",
        M,
        ALL,
        "集水井和排水泵正常、自动启停有效，地漏和排水设施不堵塞",
        "Sump and pumps working with automatic start and stop; floor drains and drainage clear",
        "汛期前向集水井注水，试验水泵自动启停。",
        "Before the flood season, fill the sump to test automatic start and stop.",
    ),
    ItemSpec(
        "WATER-04",
        SEASONAL,
        ALL,
        "出入口防倒灌设施到位（挡水板、沙袋不少于10袋、铁锹、抽水泵）",
        "Anti-backflow kit at the entrances (flood boards, at least 10 sandbags, shovels, a pump)",
        "低洼地段的工程汛期应增加巡查次数。",
        "Low-lying sites need more patrols in the flood season.",
        seasons=["flood"],
    ),
    ItemSpec(
        "WATER-05",
        SV,
        ["early"],
        "无长期泡水和淤泥堆积",
        "No long-term flooding or silt build-up",
        "重点查看早期工程的低洼处和通道尽头。",
        "Look at the low points and dead ends of early works.",
        photo_required_on_fail=True,
    ),
    # H. Structure
    ItemSpec(
        "STRUC-01",
        D,
        ALL,
        "顶板、墙、柱等承重构件无裂缝",
        "No cracks in the roof slab, walls, columns or other load-bearing parts",
        "发现明显裂缝应拍照、做标记，并申请结构鉴定。",
        "Photograph and mark clear cracks and ask for a structural assessment.",
        photo_required_on_fail=True,
    ),
    ItemSpec(
        "STRUC-02",
        M,
        ALL,
        "混凝土无剥落、掉角、露筋、风化疏松",
        "No spalling, broken corners, exposed rebar or crumbling concrete",
        "重点查看潮湿部位和口部。",
        "Look especially at damp areas and entrances.",
        photo_required_on_fail=True,
    ),
    ItemSpec(
        "STRUC-03",
        SV,
        ALL,
        "无沉降、底板隆起、侧墙内移等变形",
        "No settlement, floor heave or walls moving inwards",
        "早期工程重点检查；发现后立即停止使用相关区域。",
        "Early works above all; stop using the affected area at once.",
        photo_required_on_fail=True,
        default_grade=MAJOR,
    ),
    ItemSpec(
        "STRUC-04",
        SV,
        ALL,
        "口部结构和砌体稳固无裂缝，护坡和挡土墙完好",
        "Entrance structures and masonry stable and uncracked; slopes and retaining walls intact",
        "山地工程和早期工程在大雨后应复查。",
        "Recheck hillside and early works after heavy rain.",
        photo_required_on_fail=True,
    ),
    ItemSpec(
        "STRUC-05",
        SV,
        ALL,
        "没有擅自开孔打洞或拆改主体结构",
        "No unauthorised openings, drilling or alterations to the main structure",
        "对照竣工图，查看新开洞口和管线穿墙处。",
        "Compare with the as-built drawings; look where new pipes pass through walls.",
        photo_required_on_fail=True,
    ),
    # I. Protective equipment
    ItemSpec(
        "PROT-01",
        D,
        ALL,
        "防护密闭门、密闭门前后无堆物，能正常启闭",
        "Protective and airtight doors unobstructed and able to open and close",
        "每日查看门前后，每月实际启闭一次。",
        "Look daily; actually swing each door once a month.",
        photo_required_on_fail=True,
    ),
    ItemSpec(
        "PROT-02",
        M,
        ALL,
        "门扇门框无锈蚀，密封条未老化脱落，闭锁和铰页完好，长期开启的门扇有支撑",
        "Door leaves and frames free of rust; seals intact; locks and hinges sound; long-open "
        "leaves propped",
        "密封条应连续且有弹性。",
        "Seals must be continuous and springy.",
    ),
    ItemSpec(
        "PROT-03",
        Q,
        ALL,
        "防爆波活门、密闭阀门、封堵板及配件齐全完好",
        "Blast valves, airtight dampers, blanking plates and their fittings complete and sound",
        "对照设备台账核对，逐个手动操作阀门。",
        "Check against the equipment register and operate each valve by hand.",
    ),
    ItemSpec(
        "PROT-04",
        Q,
        ALL,
        "人防标识标牌齐全、清晰",
        "Civil-defence signs complete and legible",
        "包括工程标牌、口部标识和设备铭牌。",
        "Includes the site plate, entrance signs and equipment nameplates.",
    ),
    # J. Business operations
    ItemSpec(
        "OPS-01",
        D,
        CROWD,
        "在场人数不超过核定人数",
        "Number of people inside not above the approved capacity",
        "营业期间每2小时巡查时估算在场人数。",
        "Estimate the number on every two-hourly patrol while open.",
    ),
    ItemSpec(
        "OPS-02",
        D,
        ["crowd", "store"],
        "经营和仓储区域内无人员住宿",
        "Nobody sleeping in trading or storage areas",
        "查看隔间、库房和阁楼是否有床铺。",
        "Look for beds in cubicles, storerooms and lofts.",
        photo_required_on_fail=True,
        default_grade=MAJOR,
    ),
    ItemSpec(
        "OPS-03",
        SV,
        CROWD,
        "未设置儿童、老年人等特殊人群活动场所",
        "No venues for children, the elderly or other vulnerable groups",
        "例如托管班、早教机构、老年活动室。",
        "For example day care, early-learning classes or seniors' rooms.",
        default_grade=MAJOR,
    ),
    ItemSpec(
        "OPS-04",
        D,
        CROWD,
        "营业结束后清场检查，无遗留火种",
        "Closing check done; no fire sources left behind",
        "重点查看烟头、未关闭的电器和插座。",
        "Look for cigarette ends, appliances left on and plugs.",
    ),
    # K. Surveillance and communications
    ItemSpec(
        "SEC-01",
        D,
        ["in_use"],
        "视频监控正常，录像能够回放",
        "CCTV working and recordings play back",
        "随机回放前一日的一段录像。",
        "Play back a random stretch from the day before.",
    ),
    ItemSpec(
        "SEC-02",
        M,
        ["in_use"],
        "报警电话和对外通信畅通",
        "Alarm phone and outside communications working",
        "拨打值班电话进行测试。",
        "Test by calling the duty phone.",
    ),
    # L. Surroundings and entrances
    ItemSpec(
        "ENV-01",
        D,
        ALL,
        "孔口和出入口周边无堆物、无排污、无违建，道路畅通",
        "Around openings and entrances: no dumping, discharge or illegal structures; access road "
        "clear",
        "包括通风口、排烟口周围。",
        "Includes the areas around air intakes and smoke outlets.",
        photo_required_on_fail=True,
    ),
    ItemSpec(
        "ENV-02",
        SV,
        ALL,
        "安全保护范围内无取土、爆破、打桩、开挖施工",
        "No digging, blasting or piling inside the protection zone",
        "保护范围一般为工程结构外10米。",
        "The zone is usually 10 m from the outside of the structure.",
        photo_required_on_fail=True,
    ),
    ItemSpec(
        "ENV-03",
        SV,
        ALL,
        "工程上方及周边地面无塌陷、沉降",
        "No collapse or settlement of the ground above or around the work",
        "早期工程上方的地面应重点查看。",
        "Watch the ground above early works closely.",
        photo_required_on_fail=True,
    ),
    ItemSpec(
        "ENV-04",
        SV,
        ["early"],
        "闲置和早期工程的口部封闭可靠，无关人员无法进入",
        "Entrances of idle and early works securely closed against intruders",
        "检查门锁、封堵墙和围挡。",
        "Check locks, sealing walls and fences.",
    ),
    ItemSpec(
        "ENV-05",
        SEASONAL,
        ["hill", "early"],
        "森林防火：口部周边可燃物已清理，警示牌到位，防火期内无野外用火",
        "Forest fire: combustibles cleared around the entrances, warning signs up, no open fires "
        "in the fire season",
        "清理口部周边的枯草、落叶和杂物。",
        "Clear dry grass, leaves and rubbish from around the entrances.",
        seasons=["forest_fire"],
    ),
]
