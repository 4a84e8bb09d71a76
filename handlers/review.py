"""修改, 送审, 批准, 退回, 撤回 and the 批准/退回 buttons of the review card."""

from __future__ import annotations

import re

from bot.domain import review
from bot.domain.drafts import current_version, editor_named, get
from bot.domain.errors import Refused, UsageError
from bot.messages import Incoming, Reply
from bot.router import Context, Router
from bot.text import leading_draft_number, parse_draft_number, without_links, word_count
from handlers.arguments import draft_number, later_number, one_number_only, take_number
from models import DraftState, Role

router = Router()
# An approval's comment is a remark (「同意，注意核实数据」, also on the line below): a longer one is most likely the
# approver's own wording of the text, which approving the version as it is would not send.
APPROVAL_COMMENT_MAX_CHARS = 100
# 批准 says yes; its comment is a remark (「12点前发出」), and approves only when nothing in it negates, asks, holds
# back or names a fault (「不通过」「数据核实了吗」「先放一放」「原则同意，请修改后再报」「此稿涉密」): a wrong refusal
# costs a resend, a wrong approval sends a rejected article out. Yes-phrases that hold such a word anyway, titles in
# 《》 and links are read past. The cases it was tuned on: tests/test_approval_comments.py.
_DOUBT = re.compile(
    r"[不没未别勿否莫拒]\w{0,2}|退回|驳回|缓发|等等|再等|吗|呢|[？?]|但"  # no, not yet
    r"|再发(?![到给群])|(?:^|[\s，,。；;])等\w{0,12}?(?:后|回复|通知)|先报\w{0,8}[审阅批看]|报\w{1,6}阅"
    r"|先放|先压|先等|面谈|来一趟"
    r"|[改缓暂慎撤删砍]|补充|补齐|补全|重写|重新|作废|去掉|去除|拿掉|换成|换为|替换|写成|应为|应是|更正|订正|纠正"
    r"|修正|校正|合并|(?<!已)(?:精简|精炼|压缩|缩减|调整)(?:后|一下|一些|下|到|至|为|成)"
    r"|(?:再|请|需要?|要)(?:精简|精炼|压缩|缩减|调整)|(?:以下|如下)(?:文字|文本|内容为)|标题[:：]"  # change it first
    r"|斟酌|商榷|再议|再说|再定|再看|看看|后再|稍后|晚点|留待|待定|有待|放一放|压一压|搁置"  # later
    r"|审定|请示|把关|沟通|确认|研究|商量|定夺"  # someone else decides
    r"|有误|有错|错误|错了|写错|错字|病句|矛盾|失实|涉密|敏感(?!信息|词|内容|字眼)|风险(?:较|很|太)?[大高]|重复"
    r"|过时|模糊|过长|太长|套话|问题|欠妥"
    r"|是否|能否|可否|对得上|对不上"  # something is wrong, or asked
    r"|\[(?:疑问|NO|弱|差劲|晕|衰)\]|[❓❔❌👎🤔🙅✋]")  # …or said with an emoji (WeCom's codes, or characters)
_YES_PHRASES = re.compile(
    r"《[^》]*》|不错|没问题|没有问题|没什么问题|没啥问题|没有什么问题|没意见|没有意见|没什么意见|没毛病|没错"
    r"|无不妥|未发现问题|无修改意见|没有修改意见|无需改动|不用改|不用再改|不必改|不需再改|不需要修改|不需要再改|不再修改|不可再改|不再改动"
    r"|无需修改|无须修改|没什么要改|没啥要改|不必再送|不用再送|不涉密|不涉及(?:敏感|涉密)?|未涉密"
    r"|经审定|经审核|已确认|已沟通|已核实|核实无误|确认无误|无问题|未发现不妥|无不当|没有不妥"
    # Someone else had their say before the yes that follows (「经局党组研究，同意发布」), never a wait (「已请示
    # 局长，等回复」「已报县委宣传部审定」): their words end at the yes.
    r"|(?:经|已请示|已与)[^\W不暂待缓等报]{1,8}?(?:研究|沟通)?[，,]?(?=同意)|已经[^\W不暂待缓报送]{1,6}审定"
    r"|一字不改|注意把关|别耽误|不[用必]再给我看"
    r"|错别字|特别|分别|区别|个别|未来|毫不|不断|不少|不仅|别忘"
    r"|(?:不要|别|勿|不得)(?:出现(?!在)[^\W不暂待缓]{0,6}|泄露|外泄|透露|遗漏|漏|写错|弄错|搞错|出错)|(?:不要|别)把\w{1,6}?(?:写|弄|搞)错")


@router.command("修改", roles=set(review.REVISERS), takes_body=True, takes_number=True)
def revise(msg: Incoming, ctx: Context) -> Reply:
    """修改 #编号⏎完整正文 — 编辑修改；退回后作者修改
    例：修改 #12⏎（换行写完整正文）
    例：修改 #12⏎标题：新标题（只改标题；也可再换行写完整正文）
    """
    number = draft_number(ctx.command, "修改", text_below=True)
    draft = get(ctx.session, number)
    before, title, was_approved = current_version(ctx.session, draft), draft.title, draft.state == DraftState.approved
    version = review.revise(ctx.session, number, ctx.member, ctx.command.body, ctx.now)
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
    if was_approved:
        approvers = "、".join(a.name for a in review.eligible_approvers(ctx.session, draft))
        lines.append("原批准已作废，重新批准后才能投递；" + (f"已通知审核人：{approvers}。" if approvers
                                                           else "暂无可审核的人，已通知管理员。"))
    dropped = review.dropped_appends(ctx.session, draft, before, version)
    if dropped:
        first = dropped[0] if len(dropped[0]) <= 20 else dropped[0][:20] + "…"
        lines.append(f"注意：作者续稿追加的 {len(dropped)} 段（「{first}」{'等' if len(dropped) > 1 else ''}）不在 "
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
                near=("同意", "通过", "审核通过", "审批", "批淮", "准予"))
def approve(msg: Incoming, ctx: Context) -> Reply:
    """批准 #编号 [意见] — 批准待审核的稿件；只有一篇待审时可只发「批准」二字
    例：批准 #12 同意，注意核实数据
    """
    if leading_draft_number(ctx.command.args) is not None or ctx.command.args.startswith("#"):
        number, rest = take_number(ctx.command, "批准")
        return _approved(ctx, number, rest.raw_args)
    later = later_number(ctx.command.args)  # 「批准 同意发布 #12」: need not come first
    if later is not None:
        start, end = later.span()
        comment = (ctx.command.raw_args[:start] + ctx.command.raw_args[end:]).strip()
        return _approved(ctx, int(later.group(1)), comment)
    waiting = review.pending_for(ctx.session, ctx.member)
    if not waiting:
        return Reply("目前没有待您审核的稿件。")
    words = ctx.command.raw_args.strip()  # a full stop alone the engine has taken off; 「批准...」 trails off
    if len(waiting) == 1 and not words:
        return _approved(ctx, waiting[0].id, "")
    # Never guess: several drafts wait, or the words may not be a comment at all (「批准不了」「批准？」「批准 1号稿」).
    # Nor echo them: 「批准 #2 不了，数据有问题」 would approve.
    first = waiting[0].number
    head = (f"待您审核的稿件有 {len(waiting)} 篇，没有批准任何一篇。请写明编号" if len(waiting) > 1
            else "没有批准任何稿件：只发「批准」二字才批准唯一待审的稿件，附意见时请写明编号")
    lines = [f"{head}，例如「批准 {first} 同意」；不同意请发送「退回 {first} 原因」（原因写具体）："]
    lines += [f"{d.number}《{d.title}》（作者 {d.author.name}）" for d in waiting]
    raise Refused("\n".join(lines))


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


@router.command("撤回", roles={Role.correspondent}, number_only=True, near=("撤稿", "撤销", "撤消", "撒回"))
def withdraw(msg: Incoming, ctx: Context) -> Reply:
    """撤回 #编号 — 撤回自己的稿件（投递前）
    例：撤回 #12
    """
    draft = review.withdraw(ctx.session, draft_number(ctx.command, "撤回"), ctx.member, ctx.now)
    return Reply(f"稿件 {draft.number}《{draft.title}》已撤回。")


@router.event("template_card_event")
def card_button(msg: Incoming, ctx: Context) -> Reply:
    """A click on the review card: `approve:N:HASH` approves that version; `return:N` asks for the comment."""
    action, _, rest = msg.event_key.partition(":")
    number_text, _, version_hash = rest.partition(":")
    number = parse_draft_number(number_text)
    if number is None or action not in ("approve", "return"):
        raise UsageError("无法识别这个按钮，请直接回复命令，例如「批准 #12」。")
    if action == "approve":
        return _approved(ctx, number, "", version_hash or None)
    draft = get(ctx.session, number)
    review.check_can_return(ctx.session, draft, ctx.member)
    return Reply(f"请回复「退回 {draft.number} 原因」，原因写具体，例如：退回 {draft.number} 标题需要更具体")


def _approved(ctx: Context, number: int, comment: str, expected_hash: str | None = None) -> Reply:
    other = later_number(comment)
    if other is not None and int(other.group(1)) != number:  # 「批准 同意 #2 #3」: #3 would be thought approved
        raise one_number_only("批准", number, int(other.group(1)))
    if len(comment) > APPROVAL_COMMENT_MAX_CHARS:
        raise UsageError(f"没有批准稿件 #{number}：意见超过 {APPROVAL_COMMENT_MAX_CHARS} 字，像是改过的正文，"
                         f"而批准只批准稿件现有的正文。"
                         f"同意现有正文请发送「批准 #{number}」，可附简短意见；"
                         f"要改正文请发送「退回 #{number} 原因」，由作者或编辑「修改 #{number}」后再送审。")
    doubt = _DOUBT.search(_YES_PHRASES.sub("", without_links(comment)))
    if doubt is not None:
        raise UsageError(f"没有批准稿件 #{number}：意见里有「{doubt.group().strip()}」，像是不同意或有疑问。"
                         f"同意请发送「批准 #{number}」（可附意见，如「批准 #{number} 同意」）；"
                         f"不同意请发送「退回 #{number} 原因」，原因写具体，如：退回 #{number} 第二段的数据请再核实")
    draft = review.approve(ctx.session, number, ctx.member, ctx.now, comment, expected_hash)
    told = "作者和编辑" if draft.editor is not None else "作者"
    return Reply(f"已批准稿件 {draft.number}《{draft.title}》（v{draft.current_version}），已通知{told}。")
