"""`newsbot study`, `schedule`, `outlets`, `rewards` and `report`: the office's settings and figures."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from bot.cli.common import CliError, Commands, field_value, office_today, print_rows, runtime_for, with_json, writing
from bot.cli.json_views import outlet_json
from bot.config import Settings


def add_commands(commands: Commands) -> None:
    study = commands.add_parser("study", help="the month's study items (学习)").add_subparsers(
        metavar="ACTION", required=True)
    set_study = study.add_parser("set", help="set a month's study items")
    set_study.add_argument("--month", required=True, metavar="YYYY-MM")
    set_study.add_argument("text")
    set_study.set_defaults(run=_study_set)
    plan = commands.add_parser("schedule", help="the calendar's schedules").add_subparsers(
        metavar="ACTION", required=True)
    with_json(plan.add_parser("list", help="schedules and their next firing")).set_defaults(run=_schedule_list)
    for name, helptext in (("enable", "turn a schedule on"), ("disable", "turn a schedule off")):
        toggle = plan.add_parser(name, help=helptext)
        toggle.add_argument("id")
        toggle.set_defaults(run=_schedule_toggle, enabled=name == "enable")
    change_plan = plan.add_parser("set", help="change rule fields or parameters: hour=9 day=last_fri place=…")
    change_plan.add_argument("id")
    change_plan.add_argument("changes", nargs="+", metavar="FIELD=VALUE")
    change_plan.set_defaults(run=_schedule_set)
    with_json(plan.add_parser("runs", help="the 200 newest firings and their outcomes")).set_defaults(
        run=_schedule_runs)

    outlets = commands.add_parser("outlets", help="outlets (媒体)").add_subparsers(metavar="ACTION", required=True)
    with_json(outlets.add_parser("list", help="the outlets, retired ones too")).set_defaults(run=_outlets_list)
    add = outlets.add_parser("add", help="add an outlet")
    add.add_argument("name")
    add.add_argument("level", help="central|provincial|city|county|own (or 中央/省/市/县/本单位)")
    add.add_argument("--mailbox", default="")
    add.set_defaults(run=_outlets_add)
    change = outlets.add_parser("edit", help="change fields: FIELD=VALUE (e.g. mailbox=a@b.cn max_chars=1500)")
    change.add_argument("name")
    change.add_argument("changes", nargs="+", metavar="FIELD=VALUE")
    change.set_defaults(run=_outlets_edit)
    retire = outlets.add_parser("retire", help="stop offering an outlet (its history stays)")
    retire.add_argument("name")
    retire.set_defaults(run=_outlets_retire)

    rules = commands.add_parser("rewards", help="the reward rules (新闻用稿奖励办法)").add_subparsers(
        metavar="ACTION", required=True)
    rules.add_parser("show", help="print the rules as JSON").set_defaults(run=_rewards_show)
    set_rules = rules.add_parser("set", help="change rules: city=3 policy=sum editor_share=0.2 …")
    set_rules.add_argument("changes", nargs="+", metavar="FIELD=VALUE")
    set_rules.set_defaults(run=_rewards_set)
    reprice = rules.add_parser("reprice", help="give the publications since a day the points of today's rules")
    reprice.add_argument("--since", required=True, metavar="YYYY-MM-DD", type=_day)
    reprice.set_defaults(run=_rewards_reprice)

    report = commands.add_parser("report", help="spreadsheets").add_subparsers(metavar="KIND", required=True)
    money = report.add_parser("rewards", help="the reward settlement of a year or quarter (.xlsx)")
    money.add_argument("--year", type=int, required=True)
    money.add_argument("--quarter", type=int, choices=[1, 2, 3, 4])
    money.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.xlsx")
    money.set_defaults(run=_report_rewards)
    monthly = report.add_parser("monthly", help="the month's figures (.xlsx, or printed)")
    monthly.add_argument("--month", required=True, metavar="YYYY-MM")
    monthly.add_argument("-o", "--output", type=Path, metavar="FILE.xlsx")
    monthly.set_defaults(run=_report_monthly)
    summary = report.add_parser("summary", help="the year in figures for the annual summary (年度宣传工作总结, .docx)")
    summary.add_argument("--year", type=int, required=True)
    summary.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.docx")
    summary.set_defaults(run=_report_summary)


def _study_set(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain import periods, studying

    runtime = runtime_for(settings)
    # 「1月」 in December is the coming January, as in chat; 2026-7 is stored as 2026-07.
    month = f"{periods.parse_month(args.month, office_today(runtime), past=False)[0]:%Y-%m}"
    with runtime.sessions.begin() as session:
        _, posted = studying.set_items(session, month, args.text, runtime.clock(), None, settings.zone)
    print(f"已设置 {month} 的学习内容。{posted}")
    return 0


def _schedule_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain import meetings, schedules

    runtime = runtime_for(settings)
    with runtime.sessions.begin() as session:
        rows = []
        for schedule in schedules.everything(session):
            upcoming = meetings.next_run(session, schedule, runtime.clock(), settings.zone)
            rows.append({"id": schedule.id, "job": schedule.job, "rule": schedule.rule, "enabled": schedule.enabled,
                         "params": schedule.params, "grace_minutes": schedule.grace_minutes,
                         "next": upcoming.isoformat() if upcoming else None})
    print_rows(rows, args.json, lambda r: "\t".join([r["id"], schedules.describe_rule(r["rule"]),
                                                     r["next"] or "disabled"]))
    return 0


def _schedule_toggle(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain import meetings

    runtime = runtime_for(settings)
    with runtime.sessions.begin() as session:
        _, told = meetings.enable_schedule(session, args.id, args.enabled, settings.zone, runtime.clock(),
                                           actor=None)
    print(f"{args.id}: {'enabled' if args.enabled else 'disabled'}")
    if told:
        print(told)
    return 0


def _schedule_set(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain import meetings, schedules

    changes = dict(field_value(pair, "hour=9") for pair in args.changes)
    runtime = runtime_for(settings)
    with runtime.sessions.begin() as session:
        schedule, announced = meetings.change_schedule(session, args.id, changes, settings.zone, runtime.clock(),
                                                       actor=None)
        params = json.dumps(schedule.params, ensure_ascii=False)
        print(f"{schedule.id}: {schedules.describe_rule(schedule.rule)} {params}")
        if announced:
            print(announced)
    return 0


def _schedule_runs(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain import schedules

    runtime = runtime_for(settings)
    with runtime.sessions.begin() as session:
        rows = [{"schedule": r.schedule_id, "period": r.period, "claimed_by": r.claimed_by,
                 "claimed_at": r.claimed_at.isoformat(), "outcome": r.outcome, "detail": r.detail,
                 "messages": r.messages} for r in schedules.runs(session)]
    print_rows(rows, args.json, lambda r: "\t".join([r["schedule"], r["period"], r["outcome"], str(r["messages"]),
                                                     r["claimed_by"], r["detail"] or ""]).rstrip("\t"))
    return 0


def _outlets_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain import outlets

    runtime = runtime_for(settings)
    with runtime.sessions.begin() as session:
        rows = [outlet_json(o) for o in outlets.everything(session)]
    print_rows(rows, args.json, lambda o: "\t".join([o["name"], o["level"], o["mailbox"] or "-",
                                                     "" if o["active"] else "停用"]))
    return 0


def _outlets_add(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain import outlets

    runtime = runtime_for(settings)
    with runtime.sessions.begin() as session:
        outlet = outlets.add(session, args.name, args.level, args.mailbox, runtime.clock(), actor=None)
        print(f"已添加媒体「{outlet.name}」。")
    return 0


def _outlets_edit(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain import outlets

    changes = dict(field_value(pair, "mailbox=tougao@example.com") for pair in args.changes)
    runtime = runtime_for(settings)
    with runtime.sessions.begin() as session:
        outlet = outlets.edit(session, outlets.find(session, args.name, include_retired=True), changes,
                              runtime.clock(), actor=None)
        print(json.dumps(outlet_json(outlet), ensure_ascii=False))
    return 0


def _outlets_retire(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain import outlets

    runtime = runtime_for(settings)
    with runtime.sessions.begin() as session:
        outlets.retire(session, outlets.find(session, args.name), runtime.clock(), actor=None)
    print(f"已停用媒体「{args.name}」；投稿和刊发记录保留，排队中的邮件不再发给它。")
    return 0


def _rewards_show(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain import rewards

    runtime = runtime_for(settings)
    with runtime.sessions.begin() as session:
        rules = rewards.current(session)
        print(json.dumps({field: getattr(rules, field) for field in rewards.RULE_FIELDS}, ensure_ascii=False))
    return 0


def _rewards_set(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain import rewards

    changes = dict(field_value(pair, "city=3") for pair in args.changes)
    runtime = runtime_for(settings)
    with runtime.sessions.begin() as session:
        rules = rewards.change(session, changes, None, runtime.clock())
        print(json.dumps({field: getattr(rules, field) for field in rewards.RULE_FIELDS}, ensure_ascii=False))
    if changes.keys() & rewards.PER_PUBLICATION:
        print("已登记的刊发保留登记时的积分；要按新规则重算某日以来的刊发：newsbot rewards reprice --since 2026-01-01",
              file=sys.stderr)
    if changes.keys() - rewards.PER_PUBLICATION:  # policy, editor_share: applied when reading, to every period
        print("注意：policy 和 editor_share 在查询时套用，已结算的季度和年度的排行、结算表也按新规则显示；"
              "已发放的结算请以当时导出的结算表为准。", file=sys.stderr)
    return 0


def _rewards_reprice(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain import rewards

    runtime = runtime_for(settings)
    with runtime.sessions.begin() as session:
        changed = rewards.reprice(session, args.since, None, runtime.clock())
    print(f"{args.since:%Y-%m-%d} 起的刊发记录按现行规则重算：{changed} 条积分有变，排行和积分已更新。")
    return 0


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"「{text}」不是日期，请写成 2026-01-01") from None


def _report_rewards(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain.periods import parse_period
    from bot.reports import rewards_workbook

    period = f"{args.year}Q{args.quarter}" if args.quarter else str(args.year)
    runtime = runtime_for(settings)
    today = office_today(runtime)
    start, end, name = parse_period(period, today)
    with runtime.sessions.begin() as session:
        writing(args.output, lambda path: rewards_workbook(session, start, end, name, today, path))
    print(f"{name}用稿奖励表已写入 {args.output}")
    return 0


def _report_summary(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain.periods import parse_period
    from bot.summary import write_year_summary

    runtime = runtime_for(settings)
    today = office_today(runtime)
    year = parse_period(str(args.year), today)[0].year  # the same checks as in chat
    if year > today.year:
        raise CliError(f"{year}年还没有开始，没有可总结的数据。")
    with runtime.sessions.begin() as session:
        writing(args.output, lambda path: write_year_summary(session, year, today, settings.zone, path))
    print(f"{year}年度宣传工作总结数据已写入 {args.output}")
    return 0


def _report_monthly(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain import periods, stats
    from bot.reports import monthly_workbook
    from bot.text import month_name

    runtime = runtime_for(settings)
    today = office_today(runtime)
    start, end = periods.parse_month(args.month, today)
    with runtime.sessions.begin() as session:
        if args.output:
            writing(args.output, lambda path: monthly_workbook(session, start, end, settings.zone, today, path))
            print(f"{args.month} 统计已写入 {args.output}")
            return 0
        print("\n".join(stats.figures(session, start, end, settings.zone).lines(month_name(start))))
    return 0
