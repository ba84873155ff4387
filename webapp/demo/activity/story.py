"""The demo history's story: which units are sloppy, what inspectors find and write, how
the major hazards go, and what the monthly reports say (webapp/demo/activity/ plays it)."""

from __future__ import annotations

from dataclasses import dataclass

from webapp.demo.dataset import SEED
from webapp.demo.tables import CITIES

ACTIVITY_SEED = SEED + 2

# Units whose daily checks are sloppy (share of due sites checked), so that the rankings
# and the heat map show something; every other unit checks 93–99 % of its due sites.
SLOPPY_UNITS: dict[str, float] = {"SY-U03": 0.76, "BC-U02": 0.8, "YB-U04": 0.84}

# Doubtful checks, so that the demo shows every credibility flag (quirks.py):
RUSHED_UNITS: dict[str, float] = {"BC-U02": 0.08}  # share of checks done in under a minute
PHOTO_REUSING_UNITS: dict[str, float] = {"CC-U01": 0.15}  # failures with an earlier photo
OVERLAPPING_UNIT = ("SY-U03", 2)  # two sites at once, this many days before today
OFFLINE_PHONE = ("JLC-U03", 5)  # this day's checks (days before today) synced 2 days late
SKEWED_PHONE = ("CC-U02", 3, 25)  # the phone's clock runs 25 minutes fast its last 3 days


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
        "隐患台账未及时更新，2条隐患无整改期限",
        measures="补全台账，逐条明确整改责任人和期限",
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
