"""Spreadsheets for the office: the reward settlement (用稿奖励) and the monthly figures."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from bot.domain import rewards, stats, trainings
from bot.domain.proof import where_seen
from bot.text import xml_safe
from models import Level


def rewards_workbook(session: Session, start: date, end: date, name: str, today: date,
                     path: Path | BinaryIO) -> None:
    """One row per published article with its links (or pages in print) as proof; totals per person and per
    department; the period's trainings and who took part (for 优秀通讯员评选); the day it was made (two files of
    one quarter, before and after a late 刊发, tell which is which)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "稿件"
    rules = rewards.current(session)
    _rows(sheet, ["编号", "标题", "作者", "部门", "编辑", "刊发媒体（级别）", "刊发日期", "链接或版面", "本稿积分",
                  "作者积分", "编辑积分"],
          [[a.draft.id, a.draft.title, a.draft.author.name, a.draft.author.department,
            a.draft.editor.name if a.draft.editor else "",
            "、".join(f"{p.outlet.name}（{Level(p.outlet.level).label}{'，头版' if p.front_page else ''}）"
                     for p in a.publications),
            "、".join(f"{p.published_on:%Y-%m-%d}" for p in a.publications if p.published_on),
            "\n".join(where_seen(p) for p in a.publications), a.points,
            *(a.points * part for part in rewards.shares(rules, a.draft))]  # adds up to 个人 and 排行
           for a in rewards.articles(session, start, end)])
    _rows(book.create_sheet("个人"), ["姓名", "部门", "积分", "篇数", "备注"],
          [[p.name, p.department, p.points, p.articles, p.note] for p in rewards.people(session, start, end)])
    _rows(book.create_sheet("部门"), ["部门", "积分", "篇数"],
          [[d.name, d.points, d.articles] for d in rewards.departments(session, start, end)])
    _rows(book.create_sheet("培训"), ["日期", "培训", "主讲", "人数", "参加人员"],
          [[f"{e.training.day:%Y-%m-%d}", e.training.title, e.training.speaker, e.attendees,
            "、".join(m.name for m in trainings.attendees(session, e.training))]
           for e in trainings.between(session, start, end)])
    _rows(book.create_sheet("规则"), ["项目", "值"], [
        ["期间", name], ["生成日期", f"{today:%Y-%m-%d}"],
        ["数据截至", f"{today:%Y-%m-%d}（期间未结束，之后登记的刊发不在表内）" if today < end else "期间已结束"],
        ["中央", rules.central], ["省级", rules.provincial], ["市级", rules.city],
        ["县级", rules.county], ["本单位新媒体", rules.own], ["头版倍数", rules.front_page_multiplier],
        ["多方采用", "按最高计，不累计" if rules.highest_only else "累计"], ["编辑分成", rules.editor_share],
        ["说明", "以上为现行规则；每篇刊发的分值按登记时的规则记录（newsbot rewards reprice 重算过的按重算时）"]])
    book.save(path)


def monthly_workbook(session: Session, start: date, end: date, zone: ZoneInfo, today: date,
                     path: Path | BinaryIO) -> None:
    """The month's figures (统计), with the day they were made: a month not over says its figures stop there."""
    figures = stats.figures(session, start, end, zone)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "概况"
    _rows(sheet, ["月份", "投稿", "批准", "投递", "刊发", "转载", "转载率", "生成日期", "数据截至"],
          [[f"{start:%Y-%m}", figures.submitted, figures.approved, figures.sent, figures.published,
            figures.reprinted, figures.reprint_rate, f"{today:%Y-%m-%d}",
            f"{today:%Y-%m-%d}（本月未结束，之后的投稿、投递和刊发不在表内）" if today < end else "全月"]])
    _rows(book.create_sheet("媒体"), ["媒体", "投递", "刊发", "上稿率"],
          [[r.name, r.sent, r.published, r.rate] for r in figures.outlets])
    _rows(book.create_sheet("级别"), ["级别", "投递", "刊发", "上稿率"],
          [[r.name, r.sent, r.published, r.rate] for r in figures.levels])
    _rows(book.create_sheet("部门"), ["部门", "投递", "刊发", "上稿率"],
          [[r.name, r.sent, r.published, r.rate] for r in figures.departments])
    _rows(book.create_sheet("未投稿部门"), ["部门"], [[name] for name in figures.silent_departments])
    book.save(path)


def _rows(sheet: Worksheet, header: list[str], rows: list[list[object]]) -> None:
    sheet.append(header)
    for row in rows:
        sheet.append([_cell(value) for value in row])
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":  # a title "=HYPERLINK(…)" is text, shown as written, never run
                cell.data_type, cell.quotePrefix = "s", True


def _cell(value: object) -> object:
    """Points lose float noise (0.30000000000000004) but keep what the rules give (0.125 of 3 is 0.375, as 排行
    shows it); older rows may hold a control character, which a workbook cannot."""
    if isinstance(value, str):
        return xml_safe(value)
    if isinstance(value, float):
        return round(value, 6)
    return value
