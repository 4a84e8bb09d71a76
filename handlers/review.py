"""修改, 送审, 批准, 退回, 撤回 and the 批准/退回 buttons of the review card."""

from __future__ import annotations

import re

from bot.domain import review, submitting
from bot.domain.drafts import current_version, editor_named, get
from bot.domain.errors import Refused, UsageError
from bot.messages import CARD_CLICK, Incoming, Reply
from bot.quoting import quoted_drafts
from bot.router import Context, Router
from bot.text import leading_draft_number, parse_draft_number, word_count
from handlers.arguments import draft_number, draft_number_and_text, later_number, one_number_only, take_number
from models import Draft, DraftState, Role, SubmissionState

router = Router()

@router.command("修改", roles=set(review.REVISERS), takes_body=True, takes_number=True)
def revise(msg: Incoming, ctx: Context) -> Reply:
    """修改 #编号⏎完整正文 — 编辑修改；退回后作者修改
    例：修改 #12⏎（换行写完整正文）
    例：修改 #12⏎标题：新标题（只改标题；也可再换行写完整正文）
    例：修改 #12：完整正文……（手机上回车就发送时，写成一行）
    """
    number, text = draft_number_and_text(ctx.command, "修改")
    draft = get(ctx.session, number, lock=True)  # the e-mails it may stop are read as they stand
    before, title = current_version(ctx.session, draft), draft.title
    # Only a sent draft has e-mails a 修改 may stop (none of them left); other drafts skip the query.
    earlier = submitting.submissions(ctx.session, draft) if draft.state == DraftState.submitted else []
    queued = [s.outlet.name for s in earlier if s.state == SubmissionState.queued]
    again = [s.outlet.name for s in earlier if s.state in (SubmissionState.queued, SubmissionState.failed)]
    version = review.revise(ctx.session, number, ctx.member, text, ctx.now)
    state = DraftState(draft.state).label
    retitled = f"标题已改为《{draft.title}》（原为《{title}》）" if draft.title != title else ""
    now, was = word_count(version.text), word_count(before.text)
    if version.number != before.number:
        lines = [f"{retitled}{'；' if retitled else ''}已保存稿件 #{number} 的 v{version.number}，{now} 字"
                 f"（v{before.number} {was} 字），当前{state}。"]
    elif retitled:
        lines = [f"{retitled}，正文未改（v{version.number}），当前{state}。"]
    else:
        lines = [f"正文与 v{before.number} 相同：稿件 #{number} 原样交回编辑，当前{state}。"]
    if draft.state == DraftState.pending:  # it was not (修改 is refused then): the approval is void
        approvers = "、".join(a.name for a in review.eligible_approvers(ctx.session, draft))
        lines.append("原批准已作废，重新批准后才能投递；" + (f"已通知审核人：{approvers}。" if approvers
                                                           else "暂无可审核的人，已通知管理员。"))
        if again:  # 投递'd moments ago, held by the mail server, or failed: none of it went out
            stopped = f"排队待发的邮件（{'、'.join(queued)}）已停发；" if queued else ""
            lines.append(f"{stopped}重新批准后请再发送「投递 #{number} {' '.join(again)}」。")
    dropped = review.dropped_appends(ctx.session, draft, before, version)
    if dropped:
        first = dropped[0] if len(dropped[0]) <= 20 else dropped[0][:20] + "…"
        quoted = "" if ctx.in_group else f"（「{first}」{'等' if len(dropped) > 1 else ''}）"  # the text stays in 1:1
        lines.append(f"注意：作者续稿追加的 {len(dropped)} 段{quoted}不在 "
                     f"v{version.number} 中。如是有意删去，不必理会；如需保留，请发送"
                     f"「稿件 #{number} v{before.number}」取回，补上后再发送「修改 #{number}」和完整正文。")
    if was >= 200 and now * 2 < was:  # only the changed paragraph sent, as with 续稿: the rest of it went
        lines.append(f"正文比原来短了一半以上。修改要发送完整正文；如果只发了改动的段落，请发送「稿件 #{number} "
                     f"v{before.number}」取回原文，改好后再发送「修改 #{number}」和完整正文。")
    return Reply("\n".join(lines))


@router.command("送审", roles={Role.editor}, number_only=True, near=("报审", "送批", "提审", "送审核"))
def send_for_approval(msg: Incoming, ctx: Context) -> Reply:
    """送审 #编号 — 编辑改好后送分管领导审核
    例：送审 #12
    """
    number = draft_number(ctx.command, "送审")
    approvers = review.send_for_approval(ctx.session, number, ctx.member, ctx.now)
    if not approvers:
        return Reply(f"稿件 #{number} 已送审。暂无可审核的人（审核人都参与了写作或编辑），已通知管理员。")
    return Reply(f"稿件 #{number} 已送审，已通知审核人：{'、'.join(a.name for a in approvers)}。")


@router.command("批准", roles={Role.approver}, takes_number=True,
                near=("同意", "同意发布", "同意刊发", "同意发稿", "可以发", "通过", "审核通过", "审批", "批淮", "准予"))
def approve(msg: Incoming, ctx: Context) -> Reply:
    """批准 #编号 [意见] — 批准待审核的稿件；只有一篇待审时可只发「批准」二字
    例：批准 #12 同意，注意核实数据
    """
    if leading_draft_number(ctx.command.args) is not None or ctx.command.args.startswith("#"):
        number, rest = take_number(ctx.command, "批准")
        if ctx.command.number_quoted:  # 「批准《丙稿》」 quoting #1's notice: which one was meant?
            _refuse_another_title(ctx, number, rest.raw_args)
        return _approved(ctx, number, rest.raw_args)
    later = later_number(ctx.command.args)  # 「批准 同意发布 #12」: need not come first
    if later is not None:
        start, end = later.span()
        comment = (ctx.command.raw_args[:start] + ctx.command.raw_args[end:]).strip()
        return _approved(ctx, int(later.group(1)), comment)
    quoted = sorted(quoted_drafts(msg.quoted))
    if len(quoted) > 1:  # 「批准」 quoting 「#1 和 #2 已改好」: bare, it would approve whichever one still waits
        raise Refused(f"您引用的消息提到了 {'、'.join(f'#{n}' for n in quoted)}，这条没有写编号，没有批准任何稿件。"
                      f"请写明编号，一篇一条，例如「批准 #{quoted[0]}」。")
    waiting = review.pending_for(ctx.session, ctx.member)
    if not waiting:
        return Reply("目前没有待您审核的稿件。")
    words = ctx.command.raw_args.strip()  # a full stop alone the engine has taken off; 「批准...」 trails off
    if len(waiting) == 1 and not words:
        _refuse_if_just_decided(ctx, waiting[0])
        return _approved(ctx, waiting[0].id, "")
    # Never guess: several drafts wait, or the words may not be a comment at all (「批准不了」「批准？」「批准 1号稿」).
    # Nor echo them: 「批准 #2 不了，数据有问题」 would approve.
    first = waiting[0].number
    head = (f"待您审核的稿件有 {len(waiting)} 篇，没有批准任何一篇。请写明编号" if len(waiting) > 1
            else "没有批准任何稿件：只发「批准」二字才批准唯一待审的稿件，附意见时请写明编号")
    lines = [f"{head}，例如「批准 {first} 同意」；不同意请发送「退回 {first} 原因」（原因写具体）："]
    lines += [f"{d.number}《{d.title}》（作者 {d.author.name}）" for d in waiting]
    raise Refused("\n".join(lines))


def _refuse_if_just_decided(ctx: Context, left: Draft) -> None:
    """Another approver decided a draft this one may have been reading: which one the bare 批准 means is asked."""
    decided = review.decided_by_another(ctx.session, ctx.member, ctx.now)
    if decided is not None:
        draft, name, done = decided
        raise Refused(f"没有批准任何稿件：稿件 {draft.number}《{draft.title}》刚由 {name} {done}，无需您再审核。"
                      f"待您审核的只有稿件 {left.number}《{left.title}》，要批准它请发送「批准 {left.number}」。")


_TITLE_IN_COMMENT = re.compile(r"《([^《》]{2,})》")


def _refuse_another_title(ctx: Context, number: int, comment: str) -> None:
    """The quoted message names #1, the words another pending draft by its title (《办法》 names no draft)."""
    titles = _TITLE_IN_COMMENT.findall(comment)
    if get(ctx.session, number).title in titles:
        return
    other = review.another_pending_titled(ctx.session, number, titles)
    if other is not None:
        raise Refused(f"您引用的是稿件 #{number} 的消息，但这条写的是稿件 {other.number}《{other.title}》，没有批准。"
                      f"请写明编号重发，例如「批准 {other.number}」。", number)


@router.command("退回", roles={Role.editor, Role.approver}, takes_number=True, near=("驳回", "打回", "退稿", "不同意"))
def return_(msg: Incoming, ctx: Context) -> Reply:
    """退回 #编号 意见 — 退回给作者修改，必须写明意见
    例：退回 #12 第二段数据请核实
    """
    number, rest = take_number(ctx.command, "退回")
    draft = review.return_to_author(ctx.session, number, ctx.member, rest.raw_args, ctx.now)
    if draft.state == DraftState.returned:
        lines = [f"已将稿件 {draft.number} 退回给作者 {draft.author.name}，意见已转达。"]
    else:  # an author who may no longer 修改: the editor takes the comment
        lines = [f"作者 {draft.author.name} 已不能修改稿件，稿件 {draft.number} 回到{editor_named(draft)}那里修改，"
                 "意见已转达。"]
    other = later_number(rest.raw_args)  # 「与 #1 内容重复」 is a reason; 「退回 #2 和 #3 …」 would leave #3 waiting
    if other is not None and int(other.group(1)) != number:
        lines.append(f"只退回了稿件 {draft.number}：意见里提到的 #{other.group(1)} 没有退回。"
                     f"如也要退回，请另发「退回 {other.group(1)} 原因」。")
    return Reply("\n".join(lines))


@router.command("撤回", roles=set(review.REVISERS), number_only=True, near=("撤稿", "撤销", "撤消", "撒回"))
def withdraw(msg: Incoming, ctx: Context) -> Reply:
    """撤回 #编号 — 撤回自己的稿件（投递前）
    例：撤回 #12
    """
    draft = review.withdraw(ctx.session, draft_number(ctx.command, "撤回"), ctx.member, ctx.now)
    return Reply(f"稿件 {draft.number}《{draft.title}》已撤回。")


@router.event(CARD_CLICK)
def card_button(msg: Incoming, ctx: Context) -> Reply:
    """A click on the review card: `approve:N:HASH` approves that version; `return:N:HASH` asks for the comment
    (and says when the draft changed since the card; older cards' `return:N` carry no hash)."""
    action, _, rest = msg.event_key.partition(":")
    number_text, _, version_hash = rest.partition(":")
    number = parse_draft_number(number_text)
    if number is None or action not in ("approve", "return"):
        raise UsageError("无法识别这个按钮，请直接回复命令，例如「批准 #12」。")
    if action == "approve":
        return _approved(ctx, number, "", version_hash or None)
    draft = get(ctx.session, number)
    review.check_can_return(ctx.session, draft, ctx.member)
    version = current_version(ctx.session, draft)
    if version_hash and not review.card_shows(ctx.session, draft, version, version_hash):
        return Reply(f"这张卡片是旧版本：稿件 {draft.number} 已更新为 v{version.number}《{draft.title}》。"
                     f"请先发送「稿件 {draft.number}」查看；仍要退回，请回复「退回 {draft.number} 原因」，原因写具体。")
    return Reply(f"请回复「退回 {draft.number} 原因」，原因写具体，例如：退回 {draft.number} 标题需要更具体")


def _approved(ctx: Context, number: int, comment: str, expected_hash: str | None = None) -> Reply:
    other = later_number(comment)
    if other is not None and int(other.group(1)) != number:  # 「批准 同意 #2 #3」: #3 would be thought approved
        raise one_number_only("批准", number, int(other.group(1)))
    draft = review.approve(ctx.session, number, ctx.member, ctx.now, comment, expected_hash)
    told = "作者和编辑" if draft.editor is not None else "作者"
    return Reply(f"已批准稿件 {draft.number}《{draft.title}》（v{draft.current_version}），已通知{told}。")
