"""培训: the training record (通讯员培训台账) — what training was held or attended, and who took part."""

from __future__ import annotations

import re

from bot.domain import trainings, workdays
from bot.domain.errors import Refused, UsageError
from bot.messages import Incoming, Reply
from bot.router import Context, Router
from bot.text import day_name
from models import Role, Training

router = Router()
_YEAR = re.compile(r"([0-9]{4})年?度?")
_SPEAKER = re.compile(r"\s+(?:主讲(?:人|老师|嘉宾)?|讲师|授课(?:老师|人)?)\s*[:：]?\s*")
_NUMBER = re.compile(r"#?\s*([0-9]{1,9})")
USAGE = "培训 [年份｜#编号]；管理员：培训 登记 5月20日 新闻写作培训 主讲 韶关日报记者⏎张三、李四｜培训 删除 #编号"


@router.command("培训", takes_lines=True, near=("培训台账", "培训记录", "通讯员培训"))
def training(msg: Incoming, ctx: Context) -> Reply:
    """培训 [年份｜#编号] — 通讯员培训台账
    例：培训 2026
    管理员：培训 登记 5月20日 新闻写作培训 主讲 韶关日报记者⏎张三、李四｜培训 删除 #编号
    """
    action = ctx.command.args.split(maxsplit=1)[0] if ctx.command.args else ""
    rest = ctx.command.raw_args[len(action):].strip()  # as typed: a title keeps its full-width brackets
    if action in ("登记", "删除"):
        if not ctx.member.may(Role.admin):
            raise Refused("只有管理员可以登记或删除培训。发送「培训」查看培训台账。")
        if action == "登记":
            return _record(ctx, rest)
        training = trainings.remove(ctx.session, _number(ctx.command.args[len(action):], "培训 删除"), ctx.member,
                                    ctx.now)
        return Reply(f"已删除培训 #{training.id}（{_line(training)}）及其参加记录。")
    if ctx.command.args.startswith("#") or re.fullmatch(r"[0-9]{1,3}", ctx.command.args):  # 「培训 3」: no year
        return _detail(ctx, _number(ctx.command.args, "培训"))
    return _year(ctx)


def _year(ctx: Context) -> Reply:
    today = ctx.today
    found = _YEAR.fullmatch(ctx.command.args) if ctx.command.args else None
    if ctx.command.args and found is None:
        raise UsageError(f"用法：{USAGE}")
    year = int(found[1]) if found else today.year
    if not 2000 <= year <= 2100:
        raise UsageError(f"年份应在 2000 到 2100 之间，不是「{year}」。例如：培训 {today.year}")
    entries = trainings.of_year(ctx.session, year)
    if not entries:
        return Reply(f"{year}年还没有登记通讯员培训。" + ("登记：培训 登记 日期 名称 [主讲 …]⏎参加人员"
                                                     if ctx.member.may(Role.admin) else ""))
    lines = [f"{year}年通讯员培训 {len(entries)} 次："]
    lines += [f"#{e.training.id} {_line(e.training)}，{e.attendees} 人" for e in entries]
    lines.append(f"您参加了 {trainings.attended(ctx.session, ctx.member, year)} 次。发送「培训 #编号」查看参加人员。")
    return Reply("\n".join(lines))


def _detail(ctx: Context, number: int) -> Reply:
    training = trainings.get(ctx.session, number)
    people = trainings.attendees(ctx.session, training)
    departments: dict[str, list[str]] = {}
    for member in people:
        departments.setdefault(member.department or "未填部门", []).append(member.name)
    lines = [f"培训 #{training.id} {training.day.year}年{_line(training)}，参加 {len(people)} 人："]
    lines += [f"{name}（{len(names)} 人）：{'、'.join(names)}" for name, names in departments.items()]
    return Reply("\n".join(lines))


def _record(ctx: Context, text: str) -> Reply:
    today = ctx.today
    day_word, rest = [*text.split(maxsplit=1), "", ""][:2]
    day = workdays.past_day(day_word, today) if day_word else None
    if day is None:
        raise UsageError("请先写培训日期，再写名称，参加人员写在第二行，例如：培训 登记 "
                         f"{day_name(today)} 新闻写作培训 主讲 韶关日报记者⏎张三、李四")
    title, speaker = [*_SPEAKER.split(rest.strip(), maxsplit=1), ""][:2]
    recorded = trainings.add(ctx.session, day, title, speaker, ctx.command.body, ctx.member, ctx.now, today)
    training, names = recorded.training, "、".join(m.name for m in recorded.added)
    if recorded.before:
        return Reply(f"培训 #{training.id}（{training.day.year}年{_line(training)}）之前已登记，补登 "
                     f"{len(recorded.added)} 人：{names}，现共 {recorded.before + len(recorded.added)} 人。")
    return Reply(f"已登记培训 #{training.id}：{training.day.year}年{_line(training)}，参加 {len(recorded.added)} 人："
                 f"{names}。发送「培训」查看台账。")


def _number(text: str, command: str) -> int:
    found = _NUMBER.fullmatch(text.strip())
    if found is None:
        raise UsageError(f"请写培训编号，例如：{command} #3（发送「培训」查看编号）")
    return int(found[1])


def _line(training: Training) -> str:
    speaker = f"（主讲：{training.speaker}）" if training.speaker else ""
    return f"{day_name(training.day)} {training.title}{speaker}"
