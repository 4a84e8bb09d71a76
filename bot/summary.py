"""The year in figures for the office's annual summary (年度宣传工作总结): a Word document in the order the office
writes one — study, news work, the team, the review (层层把关), the articles published (用稿反馈) — filled from
the data, for the admin to quote and write around."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

from docx.document import Document as DocxDocument
from sqlalchemy.orm import Session

from bot.domain import audit, meetings, members, rewards, stats, studying, topics, trainings
from bot.domain.proof import where_seen
from bot.forms import a4_document, save, table
from bot.text import day_name
from models import DraftState, Level, Role

TOP = 10  # places in the rankings, as 排行 shows them
MAINSTREAM = (Level.central, Level.provincial, Level.city)  # 大报大台大刊大网: the office's aim


def write_year_summary(session: Session, year: int, today: date, zone: ZoneInfo, path: Path | BinaryIO) -> None:
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    document = a4_document()
    document.add_heading(f"{year}年度宣传工作总结（数据素材）", level=0)
    so_far = f"，数据截至{day_name(today)}" if today < end else ""
    document.add_paragraph(f"根据审稿系统的记录生成于 {today:%Y-%m-%d}{so_far}。数字可直接引用，文字请结合工作实际"
                           "撰写。此后补登的本年度刊发仍计入本年度，重新导出即可更新。")
    articles = rewards.articles(session, start, end)
    _study(document, session, year)
    _news(document, session, start, end, zone, articles)
    _team(document, session, start, end, zone)
    _review(document, session, start, end, zone)
    _articles(document, articles)
    save(document, path)


def _study(document: DocxDocument, session: Session, year: int) -> None:
    studied = studying.of_year(session, year)
    document.add_heading("一、理论学习（每月学习制度）", level=1)
    document.add_paragraph(f"全年 {len(studied)} 个月安排了学习内容。")
    if studied:
        table(document, ["月份", "学习内容"], [[item.month, item.text] for item in studied])


def _news(document: DocxDocument, session: Session, start: date, end: date, zone: ZoneInfo,
          articles: list[rewards.Article]) -> None:
    figures = stats.figures(session, start, end, zone)
    front = sum(p.front_page for a in articles for p in a.publications)
    mainstream = sum(r.published for r in figures.levels if r.name in {level.label for level in MAINSTREAM})
    document.add_heading("二、新闻宣传", level=1)
    levels = "、".join(f"{r.name} {r.published} 篇次" for r in figures.levels if r.published)
    document.add_paragraph(f"全年{figures.headline}。刊发稿件 {len(articles)} 篇，其中头版（头条）{front} 篇次，"
                           f"中央、省、市级媒体（大报大台大刊大网）{mainstream} 篇次"
                           + (f"；按媒体级别：{levels}。" if levels else "。"))
    for title, by, rows in (("按媒体级别", "级别", figures.levels), ("按媒体", "媒体", figures.outlets),
                            ("按部门", "部门", figures.departments)):
        if rows:
            document.add_heading(title, level=2)
            table(document, [by, "投递", "刊发", "上稿率"], [[r.name, r.sent, r.published, r.rate] for r in rows])
    if figures.outlets:
        document.add_paragraph("投递：本年度发出的投稿邮件；刊发：本年度的刊发（篇次）；上稿率：本年度投递的稿件中"
                               "已刊发的比例（年末投递、次年刊发的也算）。")
    if figures.silent_departments:
        document.add_paragraph(f"全年没有投稿的部门：{'、'.join(figures.silent_departments)}。")
    document.add_heading("专题报道（组织策划系列报道、主题宣传）", level=2)
    series = [c for c in topics.counts(session, start, end, zone) if c.drafts or c.published]
    if series:
        table(document, ["专题", "投稿", "刊发稿件"], [[c.name, c.drafts, c.published] for c in series])
    else:
        document.add_paragraph("全年没有稿件归入专题。")


def _team(document: DocxDocument, session: Session, start: date, end: date, zone: ZoneInfo) -> None:
    document.add_heading("三、队伍建设", level=1)
    people = members.all_members(session)
    writers = [m for m in people if m.active and Role.correspondent in m.roles]
    missing = members.departments_without(people, Role.correspondent)
    document.add_paragraph(
        f"现有通讯员 {len(writers)} 名，分布在 {len({m.department for m in writers if m.department})} 个部门"
        + (f"；尚未推荐通讯员的部门：{'、'.join(missing)}。" if missing else "，每个部门均有通讯员。"))
    since, until = stats.instant(start, zone), stats.instant(end, zone)
    document.add_paragraph(f"按日程召开宣传工作例会 {meetings.meetings_held(session, start, end)} 次，"
                           f"收集新闻线索 {meetings.lead_count(session, since, until)} 条。")
    trained = trainings.between(session, start, end)
    document.add_heading("培训", level=2)
    document.add_paragraph(f"全年开展通讯员培训 {len(trained)} 次，共 {sum(e.attendees for e in trained)} 人次参加。"
                           if trained else "全年没有登记通讯员培训。")
    if trained:
        table(document, ["日期", "培训", "主讲", "参加人数"],
              [[f"{e.training.day:%Y-%m-%d}", e.training.title, e.training.speaker, e.attendees] for e in trained])
    document.add_heading("考核激励（优秀通讯员评选参考）", level=2)
    ranked = rewards.placed(rewards.people(session, start, end), TOP)
    if not ranked:
        document.add_paragraph("全年还没有刊发的稿件。")
        return
    _ranking(document, "通讯员用稿积分排行", ["名次", "通讯员", "部门", "积分", "篇数"],
             [[place, f"{p.name}（{p.note}）" if p.note else p.name, p.department, f"{p.points:g}", p.articles]
              for place, p in ranked])
    _ranking(document, "部门用稿积分排行", ["名次", "部门", "积分", "篇数"],
             [[place, d.name, f"{d.points:g}", d.articles]
              for place, d in rewards.placed(rewards.departments(session, start, end), TOP)])


def _ranking(document: DocxDocument, title: str, header: list[str], rows: Sequence[list[object]]) -> None:
    document.add_paragraph(title).runs[0].bold = True  # also keeps the two tables apart: Word would join them
    table(document, header, list(rows))


def _review(document: DocxDocument, session: Session, start: date, end: date, zone: ZoneInfo) -> None:
    steps = audit.steps(session, stats.instant(start, zone), stats.instant(end, zone))

    def count(action: str, from_state: DraftState | None = None) -> int:
        return sum(n for (a, state), n in steps.items() if a == action and from_state in (None, state))

    document.add_heading("四、审稿把关（层层把关）", level=1)
    document.add_paragraph(
        f"稿件经作者拟稿、有经验的通讯员修改、分管领导审核后方可投稿。全年编辑修改 {count('revise')} 次，"
        f"退回作者 {count('return', DraftState.editing)} 次，"
        f"送审 {count('send')} 次，审核退回 {count('return', DraftState.pending)} 次，批准 {count('approve')} 次，"
        f"作者撤回 {count('withdraw')} 篇。")


def _articles(document: DocxDocument, articles: list[rewards.Article]) -> None:
    document.add_heading("五、刊发稿件清单（用稿反馈）", level=1)
    table(document, ["编号", "标题", "作者", "部门", "刊发媒体", "日期", "链接或版面"],
          [[a.draft.number, a.draft.title, a.draft.author.name, a.draft.author.department,
            "、".join(p.outlet.name + ("（头版）" if p.front_page else "") for p in a.publications),
            "、".join(f"{p.published_on:%m-%d}" for p in a.publications if p.published_on),
            "\n".join(where_seen(p) for p in a.publications)] for a in articles])
