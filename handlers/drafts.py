"""投稿, 续稿 and 稿件: submitting drafts and looking at them."""

from __future__ import annotations

import re
from datetime import date

from bot import file_drafts
from bot.domain import audit, drafts, members, review, sla, submitting, topics
from bot.domain.diff import version_diff
from bot.domain.errors import Refused, UsageError
from bot.messages import Incoming, Reply
from bot.router import Context, Router
from bot.text import day_name, word_count
from handlers.arguments import draft_number_and_text, take_number
from handlers.formatting import draft_line, duration, local_time
from models import Draft, DraftState, Role, Submission, SubmissionState

router = Router()

_SHOWN_COMMENTS = ("approve", "return", "revise", "retitle", "topic", "file.attach")
_SINGLE_VERSION = re.compile(r"v?(\d{1,6})", re.IGNORECASE)
_VERSION_PAIR = re.compile(r"v?(\d{1,6})\s*(?:\.\.|-|~|到|→)\s*v?(\d{1,6})", re.IGNORECASE)


@router.command("投稿", roles={Role.correspondent}, takes_body=True, near=("交稿", "发稿", "写稿", "投搞", "头稿"))
def submit(msg: Incoming, ctx: Context) -> Reply:
    """投稿 标题⏎正文 — 提交新稿件，自动分配编辑
    例：投稿 乐昌开展地灾应急演练⏎（换行写正文）
    例：投稿《乐昌开展地灾应急演练》正文……（手机上回车就发送时，写成一行）
    """
    if ctx.command.raw_args and not ctx.command.body.strip():  # a title for the file just sent?
        titled = file_drafts.title_recent_file(ctx.session, ctx.member, ctx.command.raw_args, ctx.now)
        if titled:
            return Reply(titled)
    result = drafts.submit(ctx.session, ctx.member, ctx.command.raw_args, ctx.command.body, ctx.now)
    draft = result.draft
    assigned = (f"编辑：{draft.editor.name}（已通知）" if draft.editor
                else "暂无可分配的编辑，已通知管理员，稿件在「编辑中」等待分配")
    return Reply(f"已收到投稿 {draft.number}《{draft.title}》，{result.words} 字。\n{assigned}。\n"
                 f"长稿可发送「续稿 {draft.number}」换行追加正文；发送「稿件 {draft.number}」查看进度。")


@router.command("续稿", roles=set(review.REVISERS), takes_body=True, takes_number=True, near=("续搞",))
def append(msg: Incoming, ctx: Context) -> Reply:
    """续稿 #编号⏎正文 — 给自己的稿件追加正文
    例：续稿 #12⏎（换行写后续正文）
    例：续稿 #12：后续正文……（手机上回车就发送时，写成一行）
    """
    number, text = draft_number_and_text(ctx.command, "续稿")
    version = drafts.append(ctx.session, number, ctx.member, text, ctx.now)
    return Reply(f"已追加到稿件 #{number}，现为 v{version.number}，共 {word_count(version.text)} 字。")


@router.command("稿件", "我的稿件", takes_number=True,
                near=("查稿", "查看", "查询", "稿子", "搞件", "我的搞件", "待办", "我的待办", "待审", "待审核",
                      "待处理"))
def show(msg: Incoming, ctx: Context) -> Reply:
    """稿件 [#编号 [v版本｜v1..v2]] — 我的稿件和待办；带编号看详情、全文、对比
    例：稿件 #12 v1..v2
    """
    if not ctx.command.args:
        return _listing(ctx)
    if not any(char.isdigit() for char in ctx.command.args):  # 「稿件 待审核」: the listing was meant
        raise UsageError(f"无法识别「{ctx.command.raw_args[:20]}」。查看您的稿件和待办请只发「稿件」；"
                         "查看一篇请写编号，例如「稿件 #12」。")
    number, rest = take_number(ctx.command, "稿件", acts=False)
    draft = drafts.get(ctx.session, number)
    if not drafts.may_see(ctx.member, draft):
        raise Refused(f"您不是稿件 {draft.number} 的作者、编辑或审核人，无权查看。发送「稿件」查看您的稿件。",
                      draft.id)
    wanted = rest.args
    if ctx.in_group:  # the group sees number, title and state; the text stays in 1:1 chats
        return _group_summary(draft, wanted)
    if not wanted:
        return _detail(ctx, draft)
    if wanted == "全文":
        return _full_text(ctx, draft, draft.current_version)
    single, pair = _SINGLE_VERSION.fullmatch(wanted), _VERSION_PAIR.fullmatch(wanted)
    if single:
        return _full_text(ctx, draft, int(single.group(1)))
    if pair:
        return _compare(ctx, draft, int(pair.group(1)), int(pair.group(2)))
    raise UsageError(f"无法识别「{wanted}」。可以这样写：稿件 {draft.number}（详情）、稿件 {draft.number} 全文、"
                     f"稿件 {draft.number} v2（某版全文）、稿件 {draft.number} v1..v2（两版对比）")


def _line(ctx: Context, draft: Draft, overdue: set[int]) -> str:
    """A list line with how long the holder has had it, and a mark when overdue."""
    line = draft_line(draft)
    if sla.limit_hours(draft, ctx.settings) is None:  # no deadline in this state
        return line
    late = "，已超时" if draft.id in overdue else ""
    return f"{line}（{duration(draft.state_since, ctx.now)}{late}）"


def _listing(ctx: Context) -> Reply:
    listing = drafts.listing(ctx.session, ctx.member)
    overdue = {late.draft.id for late in sla.past_deadline(ctx.session, [*listing.queue, *listing.authored],
                                                            ctx.now, ctx.settings)}
    lines = []
    waiting = sorted(listing.queue, key=lambda d: d.id not in overdue)  # the overdue first, each part newest first
    mine = [d for d in listing.authored if d not in listing.queue]  # one's own returned draft: once, where it waits
    for title, total, listed, shown, marked in (("待我处理", listing.queue_total, waiting, waiting, True),
                                                ("我的稿件", listing.authored_total, listing.authored, mine, False)):
        if total:
            above = f"，{len(listed) - len(shown)} 篇见上" if len(shown) < len(listed) else ""
            lines.append(f"{title}（{total}{above}）：")
            lines += [_line(ctx, d, overdue) + (_mark(ctx, d) if marked else "") for d in shown]
            if total > len(listed):
                lines.append(f"……另有 {total - len(listed)} 篇更早的，发送「稿件 #编号」查看")
    if not listing.authored_total and ctx.member.may(Role.correspondent):
        lines.append("您还没有投稿。")
    if not lines:
        lines.append("目前没有待您处理的稿件。")
    lines.append("发送「稿件 #编号」查看详情。")
    return Reply("\n".join(lines))


def _mark(ctx: Context, draft: Draft) -> str:
    """Why a draft in 「待我处理」 waits for the member, where its state does not say."""
    if draft.state == DraftState.submitted:  # a sent draft waits for its editor only so: failed, or may have
        return "（有媒体的邮件未确认发出）"
    if draft.state == DraftState.returned and draft.author_id == ctx.member.id:
        return f"，待您「修改 {draft.number}」"
    if (draft.state == DraftState.pending and ctx.member.may(Role.admin)
            and not review.eligible_approvers(ctx.session, draft)):  # why it is an admin's
        return f"，暂无可审核的人：{review.NAME_AN_APPROVER}"
    return ""


def _detail(ctx: Context, draft: Draft) -> Reply:
    zone = ctx.settings.zone
    holder = drafts.holder(draft)
    if draft.state == DraftState.pending:  # by name, as 送审 told them: whoever of them approves it
        approvers = "、".join(m.name for m in review.eligible_approvers(ctx.session, draft))
        holder = f"审核人 {approvers}" if approvers else "暂无可审核的审核人，已通知管理员"
    state = DraftState(draft.state).label
    if holder:
        late = "，已超时" if sla.is_overdue(ctx.session, draft, ctx.now, ctx.settings) else ""
        state += f"（{holder}，已 {duration(draft.state_since, ctx.now)}{late}）"
    sent = submitting.submissions(ctx.session, draft)
    if draft.state == DraftState.submitted:
        state = _unsent_mail(ctx, draft, sent, state)
    versions = drafts.versions(ctx.session, draft)
    lines = [
        f"{draft.number}《{draft.title}》",
        f"状态：{state}",
        f"作者：{draft.author.name}（{draft.author.department or '未填部门'}）",
        (f"版本（共 {len(versions)} 版，列出最近 5 版）：" if len(versions) > 5 else "版本：")
        + "；".join(f"v{v.number} {local_time(v.created_at, zone, ctx.now)} {v.author.name} {word_count(v.text)}字"
                   for v in versions[-5:]),
    ]
    if draft.approved_by is not None and draft.approved_at is not None:
        lines.append(f"批准：{draft.approved_by.name} {local_time(draft.approved_at, zone, ctx.now)}")
    if sent:
        today = ctx.today
        lines.append("媒体：" + "；".join(_outlet_line(s, today) for s in sent))
    topic = topics.of_draft(ctx.session, draft.id)
    if topic:
        lines.append(f"专题：{topic}")
    lines.append("最近记录：")
    events = audit.recent_for_draft(ctx.session, draft.id)
    names = members.names(ctx.session, (e.actor for e in events if e.actor))
    for event in events:
        actor = names.get(event.actor, event.actor) if event.actor else "系统"
        label = audit.ACTION_LABELS.get(event.action, event.action)
        note = f"：{event.comment}" if event.comment and event.action in _SHOWN_COMMENTS else ""
        lines.append(f"{local_time(event.at, zone, ctx.now)} {actor} {label}{note}")
    compare = f"；对比：稿件 {draft.number} v1..v{draft.current_version}" if draft.current_version > 1 else ""
    lines.append(f"看全文：稿件 {draft.number} 全文{compare}")
    if draft.state == DraftState.returned and draft.author_id == ctx.member.id:  # what the return notice said
        lines.append(f"改好后请发送「修改 {draft.number}」，换行写完整正文"
                     f"（手机上可写成一行：修改 {draft.number}：完整正文）。")
    return Reply("\n".join(lines))


def _unsent_mail(ctx: Context, draft: Draft, sent: list[Submission], state: str) -> str:
    """A sent draft's state, with the e-mails that have not left: failed or maybe sent (待 a new 投递), or still
    queued (held by the mail server); while none left, how to correct the text first."""
    unsent = [s for s in sent if s.state in drafts.UNSENT]
    queued = [s.outlet.name for s in sent if s.state == SubmissionState.queued]
    if not unsent and not queued:
        return state
    none_sent = drafts.none_sent(ctx.session, draft)
    who = "" if draft.editor_id == ctx.member.id else drafts.editor_named(draft)  # only the editor may 修改 now
    revise = f"改正文，请{who}发送「修改 {draft.number}」和完整正文，改后需审核人重新批准" if none_sent else ""
    if not unsent:  # held by the mail server or its setting: they go out by themselves
        return (f"{'邮件都还没有发出' if none_sent else state}（给{'、'.join(queued)}的邮件正排队等待发送，"
                f"会自动发出{'；要在发出前' + revise if revise else ''}）")
    maybe = "（可能已发出，请先向媒体确认）"
    where = "、".join(s.outlet.name + (maybe if s.state == SubmissionState.unsure else "") for s in unsent)
    return (f"{'邮件都没有发出' if none_sent else state}（{where}：待{drafts.editor_named(draft)}重新"
            f"「投递 {draft.number} 媒体名称」；不再投请「不采用 {draft.number} 媒体名称」"
            f"{'；要先' + revise if revise else ''}）")


def _outlet_line(submission: Submission, today: date) -> str:
    """「韶关日报 已刊发 5月10日 第1版（头版）」; a day of another year with its year."""
    published = submission.published_on
    year = f"{published.year}年" if published and published.year != today.year else ""
    day = f" {year}{day_name(published)}" if published else ""
    day += f" {submission.page}" if submission.page else ""
    front = "（头版）" if submission.front_page else ""
    return f"{submission.outlet.name} {SubmissionState(submission.state).label}{day}{front}"


def _group_summary(draft: Draft, wanted: str) -> Reply:
    holder = drafts.holder(draft)
    state = DraftState(draft.state).label + (f"（{holder}）" if holder else "")
    ask = f"稿件 {draft.number} {wanted}".strip()
    return Reply(f"{draft.number}《{draft.title}》{state}\n"
                 f"为保护稿件内容，详情、全文和版本对比请在与我的单聊中发送「{ask}」。")


def _full_text(ctx: Context, draft: Draft, number: int) -> Reply:
    version = drafts.version(ctx.session, draft, number)
    head = (f"{draft.number}《{draft.title}》v{version.number}（{version.author.name} "
            f"{local_time(version.created_at, ctx.settings.zone, ctx.now)}，{word_count(version.text)} 字）")
    return Reply(f"{head}\n{version.text}")


def _compare(ctx: Context, draft: Draft, first: int, second: int) -> Reply:
    old, new = drafts.version(ctx.session, draft, first), drafts.version(ctx.session, draft, second)
    changes = version_diff(old.text, new.text)
    head = f"{draft.number}《{draft.title}》v{first} → v{second}"
    if not changes:  # what is left: blanks, indents, empty lines (still a new version, which voids an approval)
        return Reply(f"{head}：" + ("正文没有变化。" if old.text == new.text else "只改了空格、缩进或空行，文字未改。"))
    return Reply("\n".join([f"{head}，{len(changes)} 处改动（〔删：〕原文，〔增：〕新文）：", *changes]))
