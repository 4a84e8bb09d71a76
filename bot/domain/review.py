"""The review workflow (层层把关): 修改, 送审, 批准, 退回, 撤回.

Every transition is compare-and-set on the draft's state and version, writes one audit event and
queues its notifications, all in the caller's transaction. 三审分离: nobody reviews what they wrote.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, String, bindparam, func, literal, select
from sqlalchemy.orm import Session

from bot import outbox
from bot.domain import approval_comments, audit, members, submitting
from bot.domain.drafts import (
    acting_editor,
    add_version,
    compare_and_set,
    content_hash,
    current_version,
    editor_named,
    editor_or_admins,
    get,
    had_a_hand,
    may_edit,
    may_withdraw,
    none_sent,
    retitled,
)
from bot.domain.errors import Refused, UsageError
from bot.text import COPIED_FOOTER, COPIED_HEADING, COPIED_PAGE_LINES, article, meaningful, word_count
from models import AuditEvent, Draft, DraftState, DraftVersion, Member, Role

S = DraftState
COMMENT_MAX_CHARS = 500
_TITLE_ON_CARD = 24
# Built once: every bare 批准 runs it.
_PENDING_FOR = (select(Draft).where(Draft.state == S.pending, ~had_a_hand(bindparam("member_id", type_=Integer),
                                                                         bindparam("userid", type_=String)))
                .order_by(Draft.id))


_REPLY_LIKE_CHARS = 30  # an author's 修改 this short, for a text four times as long, is a reply to the comment
# (「已核实，人数无误」); a brief asked for (「压缩成80字的简讯」) is longer
_NO_APPROVAL: dict[str, Any] = {"approved_hash": None, "approved_by_id": None, "approved_at": None}  # voided


def revise(session: Session, draft_id: int, member: Member, text: str, now: datetime) -> DraftVersion:
    """修改: a new version by the editor (editing, approved) or the author (returned); a first line 「标题：…」
    changes the title too (alone, only the title).

    After the author's revision the draft goes back to its editor (unchanged too: the author checked and found
    it right); a change after approval voids the approval and the draft waits for the approver again.
    """
    draft = get(session, draft_id, lock=True)  # a 投递 at the same moment comes wholly before or after
    text = article(text)
    footer = COPIED_FOOTER.search(text)
    if footer:
        raise UsageError(f"正文里有机器人回复的页码「{footer.group()}」：这是复制来的一页回复，正文可能不完整，"
                         "没有保存。请发送完整正文（去掉标题行和页码）；稿件较长时，建议在电脑上用企业微信复制发送。")
    heading = COPIED_HEADING.match(text)  # 「稿件 #1 全文」 copied whole: its first line is no part of the article
    title, text = retitled(article(COPIED_PAGE_LINES.sub("", text[heading.end():] if heading else text)))
    title, text = title if title != draft.title else None, article(text)
    if not meaningful(text) and title is None:
        raise UsageError(f"请在「修改 {draft.number}」的下一行写修改后的完整正文（同一条消息里换行）；"
                         f"改标题请在下一行写「标题：新标题」。")
    if draft.state == S.returned:
        if draft.author_id != member.id:
            raise Refused(f"稿件 {draft.number} 已退回给作者 {draft.author.name}，由作者修改。", draft.id)
        to_state = S.editing
    else:
        if draft.state == S.pending:
            raise Refused(f"稿件 {draft.number} 正在审核，不能修改（审核人看的就是这一版）。需要改动请审核人「退回」："
                          f"稿件回到作者 {draft.author.name}，作者修改或原样发回后，再回到编辑这里修改。", draft.id)
        signed_off = (S.approved, S.submitted) if none_sent(session, draft) else (S.approved,)
        _require_editor(draft, member, "修改", (S.editing, *signed_off))
        to_state = S.pending if draft.state in signed_off else S.editing
    old = current_version(session, draft)
    text = text if meaningful(text) else old.text  # 「标题：…」 alone
    if draft.state == S.returned and len(text) < _REPLY_LIKE_CHARS and len(text) * 4 < len(old.text):
        raise UsageError(f"没有保存：这条只有 {len(text)} 个字，当前 v{old.number} 有 {len(old.text)} 个字。"
                         "「修改」要发送改好的完整正文，它会替换原文。只是回复意见的（如「已核实」），"
                         f"请发送「稿件 {draft.number} 全文」取回原文，再发送「修改 {draft.number}」换行贴上原文："
                         "原样交回编辑。")
    # Returned with a question the text already answers (请核实…): the author sends it back as it is.
    unchanged = old.hash == content_hash(text)
    if unchanged and title is None and draft.state != S.returned:
        raise UsageError(f"正文与当前版本 v{old.number} 相同，没有改动。")
    number = old.number if unchanged else old.number + 1
    from_state, editor_id, before = draft.state, acting_editor(draft, member), draft.title
    voided = to_state == S.pending
    _move(session, draft, (from_state,), to_state, now, "修改", keep_since=from_state == to_state,
          current_version=number, editor_id=editor_id, **({"title": title} if title else {}),
          **(_NO_APPROVAL if voided else {}))
    if from_state == S.submitted:  # none of its e-mails left: none goes out now
        submitting.stop_unsent(session, draft)
    version = old if unchanged else add_version(session, draft, number, text, member, now)
    if title:
        audit.record(session, now, member.userid, "retitle", draft_id=draft.id, comment=f"{before} → {title}")
    event = audit.record(session, now, member.userid, "revise", draft_id=draft.id, from_state=from_state,
                         to_state=to_state, version=number,
                         comment="批准已作废" if voided else "核实后未改动" if unchanged and not title else None)
    if to_state == S.editing and draft.editor is not None and draft.editor_id != member.id:
        who = f"{'作者' if member.id == draft.author_id else ''}{member.name}"
        new_title = f"标题改为《{title}》（原为《{before}》），" if title else ""
        if unchanged and title:
            told = f"{who} 把稿件 {draft.number} 的{new_title}正文未改（v{number}），"
        elif unchanged:
            told = f"{who} 核实后没有改动稿件 {draft.number}《{draft.title}》（v{number}），"
        else:
            told = (f"{who} 修改了稿件 {draft.number}《{draft.title}》（v{number}），{new_title}"
                    f"发送「稿件 {draft.number} v{old.number}..v{number}」看改动，")
        outbox.notify(session, [draft.editor.userid], f"{told}请继续编辑。",
                      f"draft:{draft.id}:revised:{audit.step_id(session, event)}", now)
    elif voided:
        changes = ([] if unchanged else [f"修改为 v{number}"]) + ([f"标题改为《{title}》"] if title else [])
        _ask_approvers(session, draft, version, now, audit.step_id(session, event),
                       f"稿件批准后被 {member.name} {'，'.join(changes)}，原批准已作废，请重新审核。")
        if draft.editor is not None and draft.editor_id != member.id:  # they were told to 投递 it
            outbox.notify(session, [draft.editor.userid],
                          f"您编辑的稿件 {draft.number}《{draft.title}》批准后被 {member.name} {'，'.join(changes)}，"
                          "原批准已作废，已重新送审；批准后会再通知您投递。",
                          f"draft:{draft.id}:voided:{audit.step_id(session, event)}", now)
    return version


def dropped_appends(session: Session, draft: Draft, before: DraftVersion, after: DraftVersion) -> list[str]:
    """Paragraphs the author's 续稿 added to `before` that the 修改 making `after` left out: most likely the
    reviser edited the text they had read before the 续稿 came."""
    appended = set(session.scalars(select(AuditEvent.version).where(AuditEvent.draft_id == draft.id,
                                                                    AuditEvent.action == "append")))
    base = before.number
    while base in appended:
        base -= 1
    origin = session.scalar(select(DraftVersion.text).where(DraftVersion.draft_id == draft.id,
                                                            DraftVersion.number == base))
    if base == before.number or origin is None or not before.text.startswith(origin):
        return []
    added = (line.strip() for line in before.text[len(origin):].splitlines())
    return [paragraph for paragraph in added if paragraph and paragraph not in after.text]


def send_for_approval(session: Session, draft_id: int, member: Member, now: datetime) -> list[Member]:
    """送审: editing → pending; the eligible approvers get a card. Returns them."""
    draft = get(session, draft_id)
    _require_editor(draft, member, "送审", (S.editing,))
    _move(session, draft, (S.editing,), S.pending, now, "送审", editor_id=acting_editor(draft, member))
    event = audit.record(session, now, member.userid, "send", draft_id=draft.id, from_state=S.editing,
                         to_state=S.pending, version=draft.current_version)
    if draft.editor is not None and draft.editor_id != member.id:  # an admin took the editor's step: 传帮带 is theirs
        outbox.notify(session, [draft.editor.userid],
                      f"您负责编辑的稿件 {draft.number}《{draft.title}》已由 {member.name} 送审"
                      f"（v{draft.current_version}），审核结果会告诉您。",
                      f"draft:{draft.id}:sent-editor:{audit.step_id(session, event)}", now)
    return _ask_approvers(session, draft, current_version(session, draft), now, audit.step_id(session, event), "")


def approve(session: Session, draft_id: int, member: Member, now: datetime, comment: str = "",
            expected_hash: str | None = None) -> Draft:
    """批准: pending → approved, bound to the current version's hash (a card carries the hash it showed); a
    comment that does not say yes approves nothing (approval_comments)."""
    doubt = approval_comments.refusal(draft_id, comment)
    if doubt is not None:
        raise UsageError(doubt)
    draft = get(session, draft_id)
    _require_approver(session, draft, member, "批准")
    comment = _comment(comment)
    version = current_version(session, draft)
    if expected_hash is not None and not card_shows(session, draft, version, expected_hash):
        raise Refused(f"这张卡片是旧版本：稿件 {draft.number} 已更新为 v{version.number}《{draft.title}》。"
                      f"请发送「稿件 {draft.number}」查看后，回复「批准 {draft.number}」。", draft.id)
    _move(session, draft, (S.pending,), S.approved, now, "批准", approved_hash=version.hash, approved_by_id=member.id,
          approved_at=now)
    event = audit.record(session, now, member.userid, "approve", draft_id=draft.id, from_state=S.pending,
                         to_state=S.approved, version=version.number, comment=comment or None)
    step, note = audit.step_id(session, event), f"，意见：{comment}" if comment else ""
    if session.scalar(select(AuditEvent.id).where(AuditEvent.draft_id == draft.id, AuditEvent.action == "approve",
                                                  AuditEvent.id < step).limit(1)):
        note = f"（v{version.number}，前次批准已因修改作废）{note}"  # not a repeat of the first notice
    key = f"draft:{draft.id}:approved:{step}"  # each approval: after a new title, the version is the same
    outbox.notify(session, [draft.author.userid],
                  f"您的稿件 {draft.number}《{draft.title}》已由 {member.name} 批准{note}。", key, now)
    if draft.editor is not None:
        outbox.notify(session, [draft.editor.userid],
                      f"稿件 {draft.number}《{draft.title}》已由 {member.name} 批准{note}，请安排投递。", key, now)
    _tell_other_approvers(session, draft, member, "批准", step, now)
    return draft


def _tell_other_approvers(session: Session, draft: Draft, member: Member, done: str, step: int,
                          now: datetime) -> None:
    """The other approvers' cards for the draft are done with: a bare 「批准」 of theirs must not be meant for it."""
    others = [a.userid for a in eligible_approvers(session, draft) if a.id != member.id]
    outbox.notify(session, others, f"稿件 {draft.number}《{draft.title}》已由 {member.name} {done}，无需您再审核。",
                  f"draft:{draft.id}:decided:{step}", now)


def card_hash(version: DraftVersion, title: str) -> str:
    """What a review card showed, as its 批准 button carries it: the version's text and the draft's title."""
    return content_hash(f"{title}\n{version.hash}")


def card_shows(session: Session, draft: Draft, version: DraftVersion, shown: str) -> bool:
    """Whether a card's 批准 (or 退回) is for the draft as it is. Cards sent before titles could change carry the
    version's hash alone: good while the title never changed."""
    if shown == version.hash:
        return session.scalar(select(AuditEvent.id).where(AuditEvent.draft_id == draft.id,
                                                          AuditEvent.action == "retitle").limit(1)) is None
    return shown == card_hash(version, draft.title)


def another_pending_titled(session: Session, draft_id: int, titles: list[str]) -> Draft | None:
    """A pending draft other than `draft_id` with one of these titles."""
    if not titles:
        return None
    return session.scalar(select(Draft).where(Draft.state == S.pending, Draft.id != draft_id, Draft.title.in_(titles))
                          .limit(1))


JUST_DECIDED = timedelta(minutes=10)  # a draft read on a phone while another approver decided it
_DECISIONS = {"approve": "批准", "return": "退回", "withdraw": "撤回"}


def decided_by_another(session: Session, approver: Member, now: datetime) -> tuple[Draft, str, str] | None:
    """A draft `approver` could approve that another approver approved or returned, or its author withdrew, moments
    ago, with their name and the word for it: a bare 「批准」 typed while reading it is not meant for the one left."""
    events = session.execute(select(AuditEvent.draft_id, AuditEvent.action, Member.name)
                             .join(Member, Member.userid == AuditEvent.actor)
                             .where(AuditEvent.action.in_(_DECISIONS), AuditEvent.at >= now - JUST_DECIDED,
                                    AuditEvent.from_state == S.pending, AuditEvent.actor != approver.userid,
                                    AuditEvent.draft_id.is_not(None))
                             .order_by(AuditEvent.id.desc())).all()
    for draft_id, action, name in events:
        draft = get(session, draft_id or 0)
        if draft.state == S.pending:  # waiting again (corrected since): a bare 批准 may be for it
            continue
        if any(member.id == approver.id for member in eligible_approvers(session, draft)):
            return draft, name, _DECISIONS[action]
    return None


def pending_for(session: Session, approver: Member) -> list[Draft]:
    """Drafts waiting for `approver`: pending, and not written or edited by them."""
    return list(session.scalars(_PENDING_FOR, {"member_id": approver.id, "userid": approver.userid}))


def return_to_author(session: Session, draft_id: int, member: Member, comment: str, now: datetime) -> Draft:
    """退回: by the editor while editing, an approver while pending, or the approver of an approved draft not yet
    sent (the approval is void); the comment is required. The draft is locked first: whose approval it is, and
    its state, are read as they are (a 修改 and a second 批准 meanwhile made it another's)."""
    draft = get(session, draft_id, lock=True)
    check_can_return(session, draft, member)
    comment = _comment(comment)
    if not comment:
        raise Refused(f"退回必须写明意见，例如：退回 {draft.number} 第二段的数据请再核实", draft.id)
    if comment.strip(" 。.：:") in _PLACEHOLDERS:
        raise Refused(f"请把「{comment.strip(' 。.：:')}」换成具体的退回原因，作者才知道改什么，"
                      f"例如：退回 {draft.number} 第二段的数据请再核实", draft.id)
    from_state, author = S(draft.state), draft.author
    if from_state == S.editing and not may_revise(author):
        raise Refused(f"作者 {author.name} {_why_cannot_revise(author)}，退回后没有人能修改稿件 {draft.number}。"
                      f"请您直接发送「修改 {draft.number}」改好后送审；不再需要请管理员发送「撤回 {draft.number}」。",
                      draft.id)
    # The approver's comment on the draft of an author who may no longer 修改 is for its editor.
    to_state = S.returned if may_revise(author) else S.editing
    editor_id = acting_editor(draft, member) if from_state == S.editing else draft.editor_id  # not an approver
    _move(session, draft, (from_state,), to_state, now, "退回", editor_id=editor_id,
          **(_NO_APPROVAL if from_state == S.approved else {}))
    event = audit.record(session, now, member.userid, "return", draft_id=draft.id, from_state=from_state,
                         to_state=to_state, version=draft.current_version, comment=comment)
    step = audit.step_id(session, event)
    if from_state == S.pending:
        _tell_other_approvers(session, draft, member, "退回", step, now)
    if to_state == S.editing:
        outbox.notify(session, editor_or_admins(session, draft),
                      f"稿件 {draft.number}《{draft.title}》被 {member.name} 退回，意见：{comment}\n作者 {author.name} "
                      f"{_why_cannot_revise(author)}，不能修改，稿件回到编辑中：请编辑修改后再送审。",
                      f"draft:{draft.id}:returned-editor:{step}", now)
        return draft
    revised = current_version(session, draft).author_id != draft.author_id  # 传帮带: start from the editor's text
    start = (f"编辑改过正文（现为 v{draft.current_version}），请先发送「稿件 {draft.number} 全文」取最新正文，"
             "在它上面修改，" if revised else "")
    outbox.notify(session, [draft.author.userid],
                  f"您的稿件 {draft.number}《{draft.title}》被 {member.name} 退回，意见：{comment}\n"
                  f"{start}修改后请发送「修改 {draft.number}」，换行写完整正文。",
                  f"draft:{draft.id}:returned:{step}", now)
    if draft.editor is not None and draft.editor_id not in (draft.author_id, member.id):
        # The approver's comments are often on the editor's own work (标题, 导语), and the draft leaves their list;
        # an admin returning it while editing took the editor's own step.
        outbox.notify(session, [draft.editor.userid],  # 「您编辑的」: an admin may have sent it in their place
                      f"您编辑的稿件 {draft.number}《{draft.title}》被 {member.name} 退回给作者 {draft.author.name}，"
                      f"意见：{comment}\n作者修改后会回到您这里继续编辑。",
                      f"draft:{draft.id}:returned-editor:{step}", now)
    return draft


_PLACEHOLDERS = {"意见", "原因", "理由", "退回原因", "修改意见", "退回意见", "具体原因"}  # an example's word, as typed


def _comment(text: str) -> str:
    """A comment worth passing on, short enough to reach the author in one chat message with the draft."""
    comment = meaningful(text)
    if len(comment) > COMMENT_MAX_CHARS:
        raise UsageError(f"意见有 {len(comment)} 个字，最多 {COMMENT_MAX_CHARS} 个字。请精简后重发；"
                         "大段改动请直接改进稿件（修改）。")
    return comment


REVISERS = frozenset({Role.correspondent, Role.editor})  # who may send 修改 (the author of a returned draft)


def may_revise(author: Member) -> bool:
    """Whether an author may still send 修改 for their returned draft (an admin may: the 修改 route lets them in)."""
    return author.active and any(author.may(role) for role in REVISERS)


def _why_cannot_revise(author: Member) -> str:
    return "已停用" if not author.active else "已不是通讯员"


def back_to_editor(session: Session, author: Member, now: datetime, actor: str | None) -> list[Draft]:
    """Drafts returned to an author who left, or who holds no role that may send 修改 any more, go back to their
    editor: only the author may revise a returned draft, so it would wait for ever where no list shows it."""
    why = _why_cannot_revise(author)
    back = list(session.scalars(select(Draft).where(Draft.author_id == author.id, Draft.state == S.returned)
                                .order_by(Draft.id)))
    for draft in back:
        if not compare_and_set(session, draft, (S.returned,), state=S.editing, updated_at=now, state_since=now):
            continue  # the author's own 修改 got there first
        event = audit.record(session, now, actor, "back_to_editor", draft_id=draft.id, from_state=S.returned,
                             to_state=S.editing, version=draft.current_version, comment=f"作者 {author.name} {why}")
        outbox.notify(session, editor_or_admins(session, draft),
                      f"稿件 {draft.number}《{draft.title}》退回给作者 {author.name} 修改，但作者{why}，"
                      f"稿件回到编辑中：编辑可修改后送审；不再需要请管理员发送「撤回 {draft.number}」。",
                      f"draft:{draft.id}:back_to_editor:{audit.step_id(session, event)}", now)
    return back


def check_can_return(session: Session, draft: Draft, member: Member) -> None:
    """The editor while editing; an approver while pending, and the one who approved it until it is sent (an
    approval given by mistake, a bare 「批准」 meant for another draft, is taken back so)."""
    if draft.state == S.approved and draft.approved_by_id == member.id:  # not sent yet: 投递 moves it on
        _require_approver(session, draft, member, "退回", (S.approved,))
    elif draft.state == S.pending:
        _require_approver(session, draft, member, "退回")
    elif draft.state == S.editing:
        _require_editor(draft, member, "退回", (S.editing,))
    else:
        raise Refused(_state_refusal(draft, "退回"), draft.id)


def withdraw(session: Session, draft_id: int, member: Member, now: datetime) -> Draft:
    """撤回: by the author or an admin, in any state before 投递 (the draft locked first: a 退回 at the same moment
    comes wholly before or after)."""
    draft = get(session, draft_id, lock=True)
    is_author = draft.author_id == member.id
    if not (is_author or member.may(Role.admin)):
        raise Refused(f"只有作者本人或管理员可以撤回稿件 {draft.number}。不同意刊发请用「退回 {draft.number} 原因」。",
                      draft.id)
    if draft.state == S.withdrawn:
        raise Refused(f"稿件 {draft.number} 已撤回，无需再撤回。发送「稿件」查看您的稿件。", draft.id)
    if draft.state == S.published:
        raise Refused(f"稿件 {draft.number} 已刊发，不能撤回。需要更正或撤稿请直接联系刊发的媒体。", draft.id)
    if not may_withdraw(session, draft):
        raise Refused(f"稿件 {draft.number} 已投递，不能撤回。请直接联系媒体撤稿，"
                      f"并发送「不采用 {draft.number} 媒体名称」登记。", draft.id)
    from_state = S(draft.state)
    _move(session, draft, (from_state,), S.withdrawn, now, "撤回")
    if from_state == S.submitted:  # none of its e-mails left: none goes out now
        submitting.stop_unsent(session, draft)
    audit.record(session, now, member.userid, "withdraw", draft_id=draft.id, from_state=from_state,
                 to_state=S.withdrawn, version=draft.current_version)
    told = [] if is_author else [draft.author.userid]
    if draft.editor is not None and draft.editor_id != member.id:
        told.append(draft.editor.userid)
    if from_state == S.pending:
        told += [approver.userid for approver in eligible_approvers(session, draft)]
    if from_state in (S.approved, S.submitted) and draft.approved_by is not None and draft.approved_by_id != member.id:
        told.append(draft.approved_by.userid)  # they signed it off: it will not go out
    outbox.notify(session, told, f"稿件 {draft.number}《{draft.title}》已被 {member.name} 撤回。",
                  f"draft:{draft.id}:withdrawn", now)
    return draft


def _require_editor(draft: Draft, member: Member, action: str,
                    states: tuple[str, ...]) -> None:
    if draft.state not in states:  # first: nobody may (撤回, 已投递), whatever 三审分离 would say
        raise Refused(_state_refusal(draft, action), draft.id)
    if draft.author_id == member.id:  # 续稿 appends: a corrected whole text there would hold the article twice
        editor = f"编辑{draft.editor.name if draft.editor else ''}"
        hint = (f"文字的改动请告诉{editor}，由编辑修改；只是在文末补充内容，才用「续稿 {draft.number}」"
                if draft.state == S.editing else f"需要改动请联系{editor}")
        raise Refused(f"您是稿件 {draft.number} 的作者，按三审分离不能{action}自己的稿件；{hint}。", draft.id)
    # Its editor, or any editor while it has none who still edits (one who left before handing over).
    if not may_edit(draft, member):
        who = editor_named(draft)
        raise Refused(f"只有稿件 {draft.number} 的{who}可以{action}。意见请直接告诉{who}，"
                      "或请管理员发送「成员 角色 …」调整编辑。", draft.id)


def _require_approver(session: Session, draft: Draft, member: Member, action: str,
                      states: tuple[str, ...] = (S.pending,)) -> None:
    if Role.approver not in member.roles:
        if draft.state != S.pending:  # an old card's button, tapped by one who no longer approves
            raise Refused(_state_refusal(draft, action), draft.id)
        raise Refused(f"稿件 {draft.number} 正在等审核人审核，只有审核人可以{action}。"
                      f"意见请告诉审核人，或等审核结果；发送「稿件 {draft.number}」查看。", draft.id)
    if draft.state == S.approved and draft.approved_by_id == member.id and action == "批准":  # sent twice
        raise Refused(f"稿件 {draft.number} 您已批准（v{draft.current_version}），无需重复批准。", draft.id)
    if draft.state not in states:
        raise Refused(_state_refusal(draft, action), draft.id)
    if session.scalar(select(Draft.id).where(Draft.id == draft.id, had_a_hand(literal(member.id),
                                                                           literal(member.userid)))):
        raise Refused(f"您参与了稿件 {draft.number} 的写作或编辑，按三审分离不能{action}。", draft.id)


def _state_refusal(draft: Draft, action: str) -> str:
    if draft.state == S.approved and draft.approved_by is not None:
        return (f"稿件 {draft.number} 已由 {draft.approved_by.name} 批准，不能再{action}。"
                f"发现问题请{editor_named(draft)}发送「修改 {draft.number}」改正（原批准作废，重新审核），"
                f"或请作者发送「撤回 {draft.number}」。")
    return f"稿件 {draft.number} 当前{S(draft.state).label}，不能{action}。发送「稿件 {draft.number}」查看。"


def _move(session: Session, draft: Draft, expected: tuple[str, ...], to_state: DraftState,
          now: datetime, action: str, keep_since: bool = False, **values: Any) -> None:
    """Compare-and-set: move the draft only if nobody moved it since we read it."""
    values |= {"state": to_state, "updated_at": now} | ({} if keep_since else {"state_since": now})
    state, version = draft.state, draft.current_version
    if compare_and_set(session, draft, expected, **values):
        return
    if draft.state == state and draft.current_version != version:
        raise Refused(f"稿件 {draft.number} 刚被改为 v{draft.current_version}。"
                      f"请发送「稿件 {draft.number}」查看后再{action}。", draft.id)
    raise Refused(_state_refusal(draft, action), draft.id)


def eligible_approvers(session: Session, draft: Draft) -> list[Member]:
    """Approvers who had no hand in the draft (三审分离)."""
    took_part = select(Draft.id).where(Draft.id == draft.id, had_a_hand(Member.id, Member.userid))
    return list(session.scalars(select(Member).where(Member.active.is_(True), members.holds(Role.approver),
                                                     ~took_part.exists()).order_by(Member.id)))


def _ask_approvers(session: Session, draft: Draft, version: DraftVersion, now: datetime, step: int,
                   reason: str) -> list[Member]:
    """Cards for this time the draft waits (`step`: the event that made it pending)."""
    approvers = eligible_approvers(session, draft)
    if not approvers:
        _tell_admins_no_approver(session, draft, now, f"{step}")
    for approver in approvers:
        outbox.notify(session, [approver.userid], _review_card(draft, version, approver, reason),
                      f"draft:{draft.id}:review:{step}", now)
    return approvers


def tell_admins_without_approver(session: Session, now: datetime) -> None:
    """After an approver stopped or left: the pending drafts nobody may approve any more; the admins are told
    of each at every such loss (催办 reminds them in between)."""
    stuck = [draft for draft in session.scalars(select(Draft).where(Draft.state == S.pending).order_by(Draft.id))
             if not eligible_approvers(session, draft)]
    for draft in stuck:
        _tell_admins_no_approver(session, draft, now, f"lost:{now:%Y%m%d%H%M%S%f}")  # each loss is news


def ask_new_approver(session: Session, member: Member, now: datetime) -> None:
    """A member who became an approver gets the card of every draft already waiting that they may approve."""
    for draft in pending_for(session, member):
        version = current_version(session, draft)
        step = session.scalar(select(func.max(AuditEvent.id)).where(AuditEvent.draft_id == draft.id,
                                                                   AuditEvent.to_state == S.pending))
        outbox.notify(session, [member.userid], _review_card(draft, version, member, ""),
                      f"draft:{draft.id}:review:{step}", now)


# What an admin sends when nobody may approve a draft: 成员 角色 replaces the roles, so the others are written too.
NAME_AN_APPROVER = ("请给一位没有参与此稿的成员加上审核角色：「成员 角色 账号 其现有角色 审核」"
                    "（角色要写全，未写的会被去掉）")


def _tell_admins_no_approver(session: Session, draft: Draft, now: datetime, occasion: str) -> None:
    admins = members.admin_userids(session)
    outbox.notify(session, admins,
                  f"稿件 {draft.number}《{draft.title}》待审核，但没有可审核的人（审核人都参与了写作或编辑，"
                  f"或已停用、不再担任审核人）。{NAME_AN_APPROVER}。",
                  f"draft:{draft.id}:no-approver:{occasion}", now)


def _review_card(draft: Draft, version: DraftVersion, approver: Member, reason: str) -> dict[str, Any]:
    words = word_count(version.text)
    editor = draft.editor.name if draft.editor else "未分配"
    department = draft.author.department or "未填部门"
    facts = f"作者 {draft.author.name}（{department}）· 编辑 {editor} · v{version.number} · {words} 字"
    title = draft.title if len(draft.title) <= _TITLE_ON_CARD else draft.title[:_TITLE_ON_CARD] + "…"
    card = {
        "card_type": "button_interaction",
        "source": {"desc": "宣传稿件审核"},
        "main_title": {"title": f"待审核 {draft.number}", "desc": title},
        "sub_title_text": (reason + "\n" if reason else "") + facts,
        "task_id": f"d{draft.id}v{version.number}-{version.hash[:8]}-{approver.id}",
        "button_list": [
            {"text": "批准", "style": 1, "key": f"approve:{draft.id}:{card_hash(version, draft.title)}"},
            {"text": "退回", "style": 2, "key": f"return:{draft.id}:{card_hash(version, draft.title)}"},
        ],
    }
    fallback = (f"{reason}待审核：{draft.number}《{draft.title}》（{facts}）。\n"
                f"回复「批准 {draft.number}」或「退回 {draft.number} 原因」；「稿件 {draft.number}」看详情。")
    return outbox.template_card(card, fallback)
