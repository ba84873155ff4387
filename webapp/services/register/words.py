"""The register's words. Like the paper 日检查记录表 and the hazard ledger, the register is
written in Chinese whatever the page language (the flags' words come from their own
catalog: render inside ``flask_babel.force_locale("zh")``); times are SHELTER_TZ."""

from __future__ import annotations

from datetime import date, datetime

from webapp import days
from webapp.models import Verdict
from webapp.services.credibility.reasons import flag_label, flag_reason, verdict_label
from webapp.services.ledger import MODE_ZH, SOURCE_ZH, STATUS_ZH
from webapp.services.register.rows import DayRow, FailedItem, FlagLine, InspectionLine

TITLE = "日检查记录台账"
SHEET_TITLE = "人防工程日检查记录表"
WEEKDAYS = "一二三四五六日"

DAY_STATE = {
    "checked": "已检查",
    "late": "已检查（延迟同步）",
    "missed": "漏检",
    "pending": "今日待检",
    "excused": "免检",
    "not_due": "无需检查",
    "future": "",
}
# One character per day in the month overview sheet.
DAY_MARK = {
    "checked": "✓",
    "late": "迟",
    "missed": "✗",
    "pending": "待",
    "excused": "免",
    "not_due": "—",
    "future": "",
}


def clock(moment: datetime | None, with_day: bool = False) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(days.zone())
    return local.strftime("%m-%d %H:%M" if with_day else "%H:%M")


def stamp(moment: datetime) -> str:
    """e.g. 2026-03-20 12:00"""
    return moment.astimezone(days.zone()).strftime("%Y-%m-%d %H:%M")


def day_label(day: date) -> str:
    """e.g. 3月9日 周一"""
    return f"{day.month}月{day.day}日 周{WEEKDAYS[day.weekday()]}"


def month_label(month: date) -> str:
    return f"{month.year}年{month.month}月"


def kind_text(line: InspectionLine) -> str:
    return SOURCE_ZH.get(line.kind, line.kind)


def result_text(line: InspectionLine) -> str:
    return "合格" if not line.failures else f"{line.failures}项不合格"


def scan_text(line: InspectionLine) -> str:
    return "已扫码" if line.scanned else "未扫码"


def failed_item_text(item: FailedItem) -> str:
    """e.g. EVAC-01 安全出口未锁闭、未封堵：北侧出口堆放杂物"""
    text = f"{item.item_id} {item.label}"
    return f"{text}：{item.note}" if item.note else text


def rectification_text(item: FailedItem) -> str:
    """What the inspector recorded: the action taken on the spot, or the order."""
    record = item.rectification
    mode = MODE_ZH.get(record.get("mode") or "", "")
    if record.get("mode") == "on_spot":
        return f"{mode}：{record.get('action') or ''}"
    parts = [f"{mode}：{record.get('measures') or ''}"]
    responsible = record.get("responsible") or {}
    if responsible.get("name"):
        phone = f"（{responsible['phone']}）" if responsible.get("phone") else ""
        parts.append(f"责任人 {responsible['name']}{phone}")
    if record.get("deadline"):
        parts.append(f"期限 {record['deadline']}")
    funds = record.get("funds") or {}
    if funds.get("amount"):
        parts.append(f"资金 {funds['amount']}元")
    return "；".join(parts)


def hazard_text(item: FailedItem) -> str:
    """e.g. 第12号（整改中）"""
    if item.hazard_id is None:
        return ""
    return f"第{item.hazard_id}号（{STATUS_ZH.get(item.hazard_status or '', '')}）"


def day_state_text(row: DayRow) -> str:
    text = DAY_STATE[row.state]
    if row.state == "excused" and row.excuse_reason:
        text += f"：{row.excuse_reason}"
    return text


def flag_text(flag: FlagLine) -> str:
    """e.g. 用时过短：2 项检查用时 4 秒，至少应为 6 秒。（已说明）"""
    return f"{flag_label(flag.code)}：{flag_reason(flag.code, flag.facts)}{_verdict(flag)}"


def flag_name(flag: FlagLine) -> str:
    """e.g. 用时过短（已说明）"""
    return f"{flag_label(flag.code)}{_verdict(flag)}"


def _verdict(flag: FlagLine) -> str:
    return f"（{verdict_label(flag.verdict)}）" if flag.verdict in set(Verdict) else ""
