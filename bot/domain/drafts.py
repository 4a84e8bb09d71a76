"""Drafts: submission, appending, editor assignment, visibility and listing."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal_column,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import QueryableAttribute, Session

from bot import outbox
from bot.domain import audit, members
from bot.domain.errors import NotFound, Refused, UsageError
from bot.text import article, meaningful, one_line, word_count
from models import (
    AuditEvent,
    DepartmentEditor,
    Draft,
    DraftState,
    DraftVersion,
    Member,
    Role,
    Submission,
    SubmissionState,
)

TITLE_MAX_CHARS = 100
TITLE_LIKE_CHARS = 30  # a line this short is most likely a title (news titles are); a longer one, the article's
TEXT_MAX_CHARS = 100_000
LIST_LIMIT = 50  # of a member's own drafts in 稿件: pages read with 更多 hold them; older ones are named by number
QUEUE_LIMIT = 500  # of what waits for them: all of it, the oldest (overdue) too, short of a runaway
MAX_DRAFT_NUMBER = 2**31 - 1  # an INTEGER key: larger numbers cannot exist

# Drafts an editor is still working on: what "least loaded" counts.
_EDITOR_LOAD_STATES = (DraftState.editing,)
# While the editor works on it the author may keep adding to the text with 续稿 (a returned draft is
# revised as a whole with 修改, so the revision brings it back to the editor).
_APPENDABLE_STATES = (DraftState.editing,)
# Built once, as every submission runs it: the active editors but the author, the department's own editor
# first (if one is set and is among them), then by load, fewest first, then by id.
_OWN_EDITOR = (select(DepartmentEditor.editor_id)
               .where(DepartmentEditor.department == bindparam("department")).scalar_subquery())
_EDITOR_FOR = (
    select(Member)
    .outerjoin(Draft, (Draft.editor_id == Member.id) & Draft.state.in_(_EDITOR_LOAD_STATES))
    .where(Member.active.is_(True), members.holds(Role.editor), Member.id != bindparam("author_id"))
    .group_by(Member.id)
    .order_by(case((Member.id == _OWN_EDITOR, 0), else_=1), func.count(Draft.id), Member.id).limit(1))

# The chosen editor's row locked, and its WHERE read again on the row as a role change left it (FOR SHARE).
_STILL_EDITOR = (select(Member.id).where(Member.id == bindparam("editor_id"), Member.active.is_(True),
                                         members.holds(Role.editor)).with_for_update(read=True))


def had_a_hand(member_id: ColumnElement[int] | QueryableAttribute[int],
               userid: ColumnElement[str] | QueryableAttribute[str]) -> ColumnElement[bool]:
    """SQL, over Draft: the member is its author or editor, wrote one of its versions or its title, or took an
    editor's step on it (送审, or 退回 while editing; an admin acting for the editor too). 三审分离: they do not
    approve it."""
    editor_step = or_(AuditEvent.action.in_(("send", "retitle")),
                      and_(AuditEvent.action == "return", AuditEvent.from_state == DraftState.editing))
    return or_(Draft.author_id == member_id, and_(Draft.editor_id.is_not(None), Draft.editor_id == member_id),
               # Whatever else they name (the draft, the member) belongs to the enclosing queries.
               exists().where(DraftVersion.draft_id == Draft.id, DraftVersion.author_id == member_id)
               .correlate_except(DraftVersion),
               exists().where(AuditEvent.draft_id == Draft.id, AuditEvent.actor == userid, editor_step)
               .correlate_except(AuditEvent))


def _count(where: ColumnElement[bool]) -> Select[int]:
    return select(func.count()).select_from(Draft).where(where)


def _newest(where: ColumnElement[bool], limit: int = LIST_LIMIT) -> Select[Draft]:
    return select(Draft).where(where).order_by(Draft.id.desc()).limit(limit)


# 稿件's statements, built once (the queue's per role combination): every 稿件 runs two to four of them.
_ME, _MY_USERID = bindparam("member_id", type_=Integer), bindparam("userid", type_=String)
_COUNT_MINE, _NEWEST_MINE = _count(Draft.author_id == _ME), _newest(Draft.author_id == _ME)


WITHDRAWABLE = (DraftState.editing, DraftState.returned, DraftState.pending, DraftState.approved)  # 撤回, before 投递
UNSENT = (SubmissionState.failed, SubmissionState.unsure)  # e-mails 投递 may send again (unsure: when named)
# Written as literals, as in ix_submission_unsent_draft_id's condition: parameters could not be matched to it.
_UNSENT = select(Submission.draft_id).where(Submission.state.in_([literal_column(f"'{s}'") for s in UNSENT]))


@cache
def _queue(editor: bool, approver: bool, admin: bool) -> tuple[Select[int], Select[Draft]]:
    """Counting and listing what waits for a member: their drafts returned to them to revise, the drafts they
    edit, those approved for them to 投递 and those with an e-mail that did not go out; unassigned ones for an
    editor (whichever editor takes them); pending ones for an approver, and for an admin those nobody may approve
    (they name an approver)."""
    waiting = [(Draft.author_id == _ME) & (Draft.state == DraftState.returned),
               (Draft.editor_id == _ME) & Draft.state.in_((*_EDITOR_LOAD_STATES, DraftState.approved)),
               (Draft.editor_id == _ME) & (Draft.state == DraftState.submitted) & Draft.id.in_(_UNSENT)]
    if editor:  # a draft with no editor is any editor's to edit or 投递
        waiting.append(Draft.editor_id.is_(None) & Draft.state.in_((DraftState.editing, DraftState.approved))
                       & (Draft.author_id != _ME))
    if approver:
        waiting.append((Draft.state == DraftState.pending) & ~had_a_hand(_ME, _MY_USERID))
    if admin:
        waiting.append((Draft.state == DraftState.pending) & ~exists().where(
            Member.active.is_(True), members.holds(Role.approver), ~had_a_hand(Member.id, Member.userid)))
    where = or_(*waiting)
    return _count(where), _newest(where, QUEUE_LIMIT)


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Submitted:
    draft: Draft
    words: int


def require_writer(session: Session, member: Member) -> None:
    """投稿 is the correspondents' (a file too, and again when it is read: the role may have gone meanwhile)."""
    if not member.may(Role.correspondent):
        raise Refused(members.role_refusal(session, member, {Role.correspondent}, "投稿"))


def submit(session: Session, author: Member, title: str, text: str, now: datetime) -> Submitted:
    """A new draft, v1, in `editing`, assigned to its editor (editor_for)."""
    require_writer(session, author)
    one_line_draft = None if meaningful(text) else _one_line_draft(one_line(title).strip())
    if one_line_draft:  # 「投稿《标题》正文…」 or 「投稿 标题：… 正文：…」, typed where Enter sends
        title, text = one_line_draft
    elif not title.strip() and (label := _TITLE_LABEL.match(text.strip())):  # 「投稿⏎标题：…⏎正文：…」
        title, _, text = text.strip()[label.end():].partition("\n")
    if meaningful(text) and _holds_a_sentence(one_line(title).strip()):  # 「投稿 标题 第一句。⏎第二段」
        raise UsageError(_sentence_in_title(one_line(title).strip().rstrip("。")))
    title, text = check_title(title), article(_TEXT_LABEL.sub("", text, count=1))
    if not meaningful(text):
        head, _, rest = title.partition(" ")  # 「投稿 标题 正文…」 on one line: where the title ends is a guess
        line = one_line_form(head, rest)
        raise UsageError("没有保存：没有正文。请在标题的下一行起写正文（同一条消息里换行）；手机上回车就发送的，"
                         f"可以写成一行：{line if len(line) <= 40 else line[:40] + '…'}")
    _refuse_a_repeat(session, author, title, text, now)
    editor = _locked_editor_for(session, author)
    # By id, not by object: both members are in the session already, so draft.author and draft.editor come from
    # it without a query, and the flush need not weigh the relationships (a quarter of the draft's insert).
    draft = Draft(title=title, state=DraftState.editing, author_id=author.id,
                  editor_id=editor.id if editor is not None else None, current_version=1,
                  state_since=now, created_at=now, updated_at=now)
    session.add(draft)
    session.flush()
    add_version(session, draft, 1, text, author, now)
    audit.record(session, now, author.userid, "submit", draft_id=draft.id, to_state=DraftState.editing,
                 version=1, comment=f"分配编辑 {editor.name}" if editor else "暂无可分配的编辑")
    words = word_count(text)
    if editor is not None:
        outbox.notify(session, [editor.userid],
                      f"新稿件 {draft.number}《{title}》（{author.name}·{author.department or '未填部门'}，"
                      f"{words} 字）已分配给您编辑。发送「稿件 {draft.number}」查看。",
                      f"draft:{draft.id}:assigned:{editor.userid}", now)
    else:
        _tell_admins_unassigned(session, draft, now)
    return Submitted(draft, words)


REPEAT_WINDOW = timedelta(days=7)  # the same draft sent again (a slow reply, a second tap) within it is refused


# Built once, as 投稿 runs it on every draft (building a statement costs more than running this one): the author's
# drafts of this title that may make a new one a mistake — one returned to them to revise (by the state's index: a
# few drafts), and those of this week, with their first text (by the author's drafts of the week). Two parts, each
# by its own index: one condition with OR read all of an author's drafts (3,300 at 1,000,000: 57 ms).
_REPEAT: CompoundSelect[tuple[int, str, datetime, str]] = union_all(
    select(Draft.id, Draft.state, Draft.created_at, literal_column("''").label("text"))
    .where(Draft.state == DraftState.returned, Draft.author_id == bindparam("author_id"),
           Draft.title == bindparam("title"), Draft.state_since >= bindparam("since")),
    select(Draft.id, Draft.state, Draft.created_at, DraftVersion.text)
    .join(DraftVersion, (DraftVersion.draft_id == Draft.id) & (DraftVersion.number == 1))
    .where(Draft.author_id == bindparam("author_id"), Draft.created_at >= bindparam("since"),
           Draft.title == bindparam("title"), Draft.state != DraftState.withdrawn))
OVERLAP_WINDOW = timedelta(hours=1)  # the Word file, then its text pasted (or the other way round): minutes apart
FORWARDED_CHARS = 50  # an article, forwarded; two short texts (「见附件」「详见图片」) may agree by chance
_SAME_TEXT_LOCK = 0x64726166  # "draf": the advisory lock class of a text's hash, held while 投稿 checks it
# Another member's draft of this week with this very text (by the versions' hash index: a forwarded article).
_SAME_TEXT: Select[int, str, str, str] = (
    select(Draft.id, Draft.title, Draft.state, Member.name)
    .join(DraftVersion, DraftVersion.draft_id == Draft.id).join(Member, Member.id == Draft.author_id)
    .where(DraftVersion.hash == bindparam("hash"), Draft.author_id != bindparam("author_id"),
           Draft.created_at >= bindparam("since"), Draft.state != DraftState.withdrawn).limit(1))


def _refuse_a_repeat(session: Session, author: Member, title: str, text: str, now: datetime) -> None:
    """The same article from the same author again would be a second draft for a second editor: the same title
    this week with the same text, or within the hour with one text inside the other (the Word file, then its text
    pasted), or within the hour with much of the text the same (a date corrected). The corrected text of a draft
    returned to them this week would be a second draft beside the one that waits for 「修改」. A title used again
    with other text, 「工作动态」 (a week's roundup opening with Monday's item too), or two files named 「新闻稿」, is
    another article. Another member's draft of the week with the very same text is a forwarded article: one
    article, one draft."""
    earlier = session.execute(_REPEAT, {"author_id": author.id, "since": now - REPEAT_WINDOW, "title": title}).all()
    returned = next((row.id for row in earlier if row.state == DraftState.returned), None)
    if returned is not None:
        raise Refused(f"没有保存为新稿件：您的稿件 #{returned}《{title}》已退回待修改。改好的稿子请发送"
                      f"「修改 #{returned}」，换行写完整正文（编辑能看到改了哪里）；"
                      f"不再修改的，可发送「撤回 #{returned}」；确实要另投一篇新稿，请换一个标题。", returned)
    new = _squeezed(text)
    for row in earlier:
        old, recent = _squeezed(row.text), row.created_at >= now - OVERLAP_WINDOW
        if new == old or (recent and (new in old or old in new)):
            same = "标题和正文都相同" if new == old else "标题相同，正文与它重合"
            raise Refused(f"这篇稿件已投过：#{row.id}《{title}》，{same}，没有重复投稿。要补充内容请发送"
                          f"「续稿 #{row.id}」，换行写追加的正文；发送「稿件 #{row.id}」可查看它的进度。", row.id)
        if recent and same_article(row.text, text):  # within the hour, the text corrected: a date, a name
            raise Refused(_a_correction(session, get(session, row.id), now), row.id)
    another = None
    if len(new) >= FORWARDED_CHARS:
        digest = content_hash(text)
        if session.get_bind().dialect.name == "postgresql":  # two members forwarding it at once take turns (each
            # locks only their own row); SQLite runs one transaction at a time anyway
            session.execute(select(func.pg_advisory_xact_lock(_SAME_TEXT_LOCK, int(digest[:7], 16))))
        another = session.execute(_SAME_TEXT, {"hash": digest, "author_id": author.id,
                                               "since": now - REPEAT_WINDOW}).first()
    if another is not None:  # one article, one draft: two would go to two editors, two mailboxes, two rewards
        whose = (f"如这篇应由您投稿，请 {another.name} 或管理员发送「撤回 #{another.id}」后再投；"
                 if may_withdraw(session, get(session, another.id))
                 else f"该稿件{DraftState(another.state).label}，不能再投；")
        raise Refused(f"没有保存：正文与 {another.name} 的稿件 #{another.id}《{another.title}》完全相同，"
                      f"一篇稿件只投一次。{whose}合写的稿件由一人投稿。", another.id)


def _a_correction(session: Session, earlier: Draft, now: datetime) -> str:
    """The refusal of a corrected text sent again as a new draft, with the ways on from where the first one is."""
    minutes = max(1, int((now - earlier.created_at).total_seconds() // 60))
    head = (f"没有保存为新稿件：您 {minutes} 分钟前刚投了同题稿件 {earlier.number}《{earlier.title}》，"
            "正文大体相同。")
    if may_withdraw(session, earlier):
        return (f"{head}如是改正后的稿子，请把改动告诉{editor_named(earlier)}，由编辑修改；"
                f"或发送「撤回 {earlier.number}」后重新投稿。")
    return (f"{head}它{DraftState(earlier.state).label}，不能再改或撤回：更正请告诉{editor_named(earlier)}；"
            "要另投更正稿，请换一个标题（如加「更正」二字）。")


def same_article_within_the_hour(session: Session, author: Member, title: str, text: str,
                                 now: datetime) -> Draft | None:
    """The author's draft of this title from the last hour, still with its editor, of which `text` is much the
    same article (a Word file with the photos, sent after the text was typed): the file belongs to it."""
    for row in session.execute(_REPEAT, {"author_id": author.id, "since": now - OVERLAP_WINDOW, "title": title}).all():
        if row.state == DraftState.editing and same_article(row.text, text):
            draft = get(session, row.id, lock=True)  # a 送审 or 撤回 at the same moment comes wholly before or after
            return draft if draft.state == DraftState.editing else None
    return None


def _squeezed(text: str) -> str:
    """The text without its blanks, which a paste or a Word file adds and takes away."""
    return "".join(text.split())


_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?")
_SENTENCE_CHARS = 8  # shorter ones (「是的。」, a closing 「（完）」) repeat in any article


def same_article(old: str, new: str) -> bool:
    """Whether the sentences the two texts share make a third of each (in one pass of each): a corrected article,
    or one with captions added; not a closing line that repeats the opening one, nor another article."""
    sentences = [_squeezed(found) for found in _SENTENCE.findall(new)]
    known = {found for found in map(_squeezed, _SENTENCE.findall(old)) if len(found) >= _SENTENCE_CHARS}
    shared = sum(len(found) for found in sentences if found in known) * 3
    return bool(sentences) and shared >= len(_squeezed(new)) and shared >= len(_squeezed(old))


# The office's template, copied: 「标题：…」⏎「正文：…」; the labels are no part of the title or the text.
_TITLE_LABEL = re.compile(r"^(?:标题|题目)\s*[:：]\s*")
_TEXT_LABEL = re.compile(r"^\s*正文\s*[:：]\s*")
_TITLE_MARKS = ("《》", "【】", "「」", "“”")  # a title in 《》, or as often in 【】「」“”
# 《》 typed where a keyboard has none: <<标题>>, ＜＜标题＞＞ (in a title; an article keeps what it was written with).
_BOOK_MARKS = re.compile(r"<<|＜＜|>>|＞＞")
_LEADING_BOOK_TITLE = re.compile(r"\A(?:<<|＜＜)([^<>＜＞]*)(?:>>|＞＞)")
_CLAUSE_AFTER_SPACE = re.compile(r"\s\S*，")
_TEXT_LABEL_INSIDE = re.compile(r"正文\s*+[:：]")


def _one_line_draft(line: str) -> tuple[str, str] | None:
    """The title and the text of a draft on one line: 「《标题》正文…」 (or 【】「」“”) or 「标题：… 正文：…」.
    Without patterns that try every split of a run of blanks: a line of blanks may be 60,000 long."""
    line = _LEADING_BOOK_TITLE.sub(r"《\1》", line, count=1)  # 「<<标题>>正文…」
    closing = next((marks[1] for marks in _TITLE_MARKS if line.startswith(marks[0])), None)
    if closing is not None:
        end = line.find(closing, 1)
        title, text = line[1:end], line[end + 1:].strip()
        # Headlines open with 【栏目】 and “quoted words” too: after those marks, only prose is an article.
        prose = closing == "》" or "。" in text or len(text) > TITLE_LIKE_CHARS
        return (title, text) if end > 1 and line[0] not in title and text and prose else None
    label = _TITLE_LABEL.match(line)
    text_label = _TEXT_LABEL_INSIDE.search(line, label.end()) if label else None
    if label is None or text_label is None:
        return None
    title, text = line[label.end():text_label.start()].strip(), line[text_label.end():].strip()
    return (title, text) if title and text else None


def retitled(text: str) -> tuple[str | None, str]:
    """The template under 修改: a first line 「标题：…」 gives the draft a new title; the text is what follows it,
    without its 「正文：」 label (nothing: the title alone changes)."""
    head, _, rest = text.strip().partition("\n")
    label = _TITLE_LABEL.match(head.strip())
    if label is None:
        return None, text
    title = head.strip()[label.end():].strip()
    if not title:
        raise UsageError("「标题：」后面没有写标题。改标题请这样写：第一行「修改 #编号」，第二行「标题：新标题」；"
                         "只改标题不必附正文。")
    if len(title) > TITLE_MAX_CHARS:
        raise UsageError(f"标题有 {len(title)} 个字，最多 {TITLE_MAX_CHARS} 个字。请缩短后重发。")
    return check_title(title), _TEXT_LABEL.sub("", rest, count=1)


def _holds_a_sentence(title: str) -> bool:
    """The article's first sentence on the 投稿 line: a full stop inside, or a line longer than titles are whose
    part after a space is a sentence (「标题 5月10日上午，……演练。」). 「坪石镇 守护绿水青山，建设美丽乡村。」 is a
    title with a stray full stop."""
    bare = title.rstrip("。")
    return "。" in bare or (bare != title and len(bare) > TITLE_LIKE_CHARS and _CLAUSE_AFTER_SPACE.search(bare)
                           is not None)


def _sentence_in_title(title: str) -> str:
    head, _, rest = title.partition(" ")
    lines = f"\n投稿 {head}\n{rest}\n（接着写正文）" if rest else ""
    return ("没有保存：标题里有句号「。」，像是把正文的第一句写进了标题行。「投稿」这一行只写标题，正文从第二行写起"
            + (f"，例如：{lines}" if lines else "。"))


def one_line_form(title: str, text: str = "") -> str:
    """The draft on one line, as 投稿 reads it where Enter sends: the title in 《》, or labelled when it holds 《》."""
    text = text or "正文……"
    return f"投稿 标题：{title} 正文：{text}" if "《" in title or "》" in title else f"投稿《{title}》{text}"


def returned_to(session: Session, member: Member) -> list[Draft]:
    """The drafts returned to `member` to revise, oldest first."""
    return list(session.scalars(select(Draft).where(Draft.author_id == member.id, Draft.state == DraftState.returned)
                                .order_by(Draft.id).limit(LIST_LIMIT)))


def just_submitted(session: Session, member: Member, now: datetime) -> Draft | None:
    """The member's draft of the last hour that 续稿 may still add to: a paragraph sent alone belongs to it."""
    since = now - timedelta(hours=1)
    return session.scalar(select(Draft).where(Draft.author_id == member.id, Draft.created_at >= since,
                                              Draft.state.in_(_APPENDABLE_STATES)).order_by(Draft.id.desc()).limit(1))


def wrote_any(session: Session, member: Member) -> bool:
    return session.scalar(select(exists().where(Draft.author_id == member.id))) or False


def check_title(title: str) -> str:
    # A file's name may hold a line break, which a Subject may not; a full stop ends a sentence, not a title.
    title = _TITLE_LABEL.sub("", _book_marks(one_line(title)).strip().rstrip("。"))
    if len(title) > 2 and title[0] + title[-1] in _TITLE_MARKS and title[0] not in title[1:-1]:
        title = title[1:-1].strip()  # 「投稿 《标题》」: every reply puts the title in 《》 itself
    if not title:
        raise UsageError("请在「投稿」后写标题，下一行起写正文。例如：\n投稿 乐昌开展地质灾害应急演练\n（正文）")
    if len(title) > TITLE_MAX_CHARS:
        raise UsageError(f"标题有 {len(title)} 个字，最多 {TITLE_MAX_CHARS} 个字。请缩短标题后重新投稿。")
    return title


def _book_marks(title: str) -> str:
    return _BOOK_MARKS.sub(lambda mark: "《" if mark.group() in ("<<", "＜＜") else "》", title)


def _not_appendable(draft: Draft) -> str:
    """Why 续稿 is refused in this state, and who can still change the text."""
    editor = f"编辑{draft.editor.name if draft.editor else ''}"
    if draft.state == DraftState.withdrawn:
        return "已撤回，不能再续稿。要重新提交请发送「投稿 标题」，换行写完整正文。"
    if draft.state == DraftState.pending:  # nobody edits it while it waits: the approver sends it back first
        return (f"正在等审核，不能再续稿。需要改动请联系审核人退回，退回后您发送「修改 {draft.number}」，"
                "换行写完整正文。")
    if draft.state == DraftState.approved:
        return f"当前已批准，不能再续稿。需要改动请联系{editor}（批准后改动要重新审核）。"
    return f"{DraftState(draft.state).label}，不能再续稿。需要更正请直接联系媒体。"  # it has left the office


def append(session: Session, draft_id: int, member: Member, text: str, now: datetime) -> DraftVersion:
    """续稿: the newest text plus `text`, as a new version; only the author, only before review."""
    draft = get(session, draft_id)
    if draft.author_id != member.id:
        raise Refused(f"只有作者本人可以续稿 {draft.number}。编辑请用「修改 {draft.number}」，换行写完整正文。",
                      draft.id)
    if draft.state == DraftState.returned:
        raise Refused(f"稿件 {draft.number} 已退回，请发送「修改 {draft.number}」，换行写修改后的完整正文。", draft.id)
    if draft.state not in _APPENDABLE_STATES:
        raise Refused(f"稿件 {draft.number} {_not_appendable(draft)}", draft.id)
    text = article(text)
    if not meaningful(text):
        raise UsageError(f"请在「续稿 {draft.number}」的下一行写要追加的正文（同一条消息里换行）。")
    newest = current_version(session, draft)
    if newest.text.endswith(f"\n{text}"):  # sent again (the reply was slow): the article would hold it twice
        raise Refused(f"稿件 {draft.number} 的最新版本 v{newest.number} 末尾已是这段正文，没有重复追加。"
                      f"发送「稿件 {draft.number} 全文」可查看。", draft.id)
    if same_article(newest.text, text):  # the corrected article pasted whole: it would be there twice
        raise Refused(f"没有追加：这段正文有不少句子与稿件 {draft.number} 现有的正文相同，像是改过的全文。"
                      f"续稿只追加新的段落；更正请告诉{editor_named(draft)}，由编辑修改，"
                      f"或发送「撤回 {draft.number}」后重新投稿。", draft.id)
    between = "\n\n" if "\n\n" in newest.text else "\n"  # as the author parts the paragraphs: a blank line or not
    combined = f"{newest.text}{between}{text}"
    number = draft.current_version + 1
    if not compare_and_set(session, draft, (draft.state,), current_version=number, updated_at=now):
        raise Refused(f"稿件 {draft.number} 刚被他人修改。请发送「稿件 {draft.number}」查看最新版本后再续稿。",
                      draft.id)
    version = add_version(session, draft, number, combined, member, now)
    audit.record(session, now, member.userid, "append", draft_id=draft.id, from_state=draft.state,
                 to_state=draft.state, version=number)
    if draft.editor is not None:
        outbox.notify(session, [draft.editor.userid],
                      f"稿件 {draft.number}《{draft.title}》作者续稿，现为 v{number}"
                      f"（{word_count(combined)} 字）。发送「稿件 {draft.number} v{newest.number}..v{number}」"
                      "看追加的内容。",
                      f"draft:{draft.id}:v{number}:appended", now)
    return version


def get(session: Session, draft_id: int, *, lock: bool = False) -> Draft:
    """The draft; with `lock`, its row stays locked until the transaction ends (on PostgreSQL: FOR NO KEY
    UPDATE, so rows that merely refer to the draft can still be written) and is read after the lock."""
    draft = None
    if draft_id <= MAX_DRAFT_NUMBER:
        if lock:
            session.execute(select(Draft.id).where(Draft.id == draft_id).with_for_update(key_share=True))
        draft = session.get(Draft, draft_id, populate_existing=lock)
    if draft is None:
        raise NotFound(f"没有稿件 #{draft_id}。发送「稿件」查看您的稿件和待办。")
    return draft


def current_version(session: Session, draft: Draft) -> DraftVersion:
    return session.scalars(select(DraftVersion).where(DraftVersion.draft_id == draft.id,
                                                      DraftVersion.number == draft.current_version)).one()


def version(session: Session, draft: Draft, number: int) -> DraftVersion:
    found = session.scalar(select(DraftVersion).where(DraftVersion.draft_id == draft.id,
                                                      DraftVersion.number == number))
    if found is None:
        existing = f"现有 v1–v{draft.current_version}" if draft.current_version > 1 else "只有 v1"
        raise NotFound(f"稿件 {draft.number} 没有 v{number}，{existing}。")
    return found


def none_sent(session: Session, draft: Draft) -> bool:
    """Whether a draft given to outlets (投递) reached none: no e-mail of it was handed over (an e-mail's sent_at is
    set once it was, or may have been) or is being handed over now; then it may still be corrected (修改, the
    approval void) or withdrawn, as before 投递."""
    if draft.state != DraftState.submitted:
        return False
    rows = session.execute(select(Submission.state, Submission.sent_at).where(Submission.draft_id == draft.id))
    return all(sent_at is None and state != SubmissionState.sending for state, sent_at in rows)


def may_withdraw(session: Session, draft: Draft) -> bool:
    """Whether 撤回 may still take the draft back: before 投递, or after it while no e-mail of it left."""
    return draft.state in WITHDRAWABLE or none_sent(session, draft)


def approved_version(session: Session, draft: Draft) -> DraftVersion:
    """The version the approval is bound to (its hash)."""
    return session.scalars(select(DraftVersion).where(DraftVersion.draft_id == draft.id,
                                                      DraftVersion.hash == draft.approved_hash)
                           .order_by(DraftVersion.number.desc())).first() or current_version(session, draft)


def versions(session: Session, draft: Draft) -> list[DraftVersion]:
    return list(session.scalars(select(DraftVersion).where(DraftVersion.draft_id == draft.id)
                                .order_by(DraftVersion.number)))


def may_see(member: Member, draft: Draft) -> bool:
    """Who may read the draft and record what outlets did with it: its author, its editor (any editor while it
    has none: they may take it up, so they read it first), whoever approved it, admins and approvers (the deputy
    director oversees every draft)."""
    return (member.id in (draft.author_id, draft.editor_id, draft.approved_by_id) or Role.approver in member.roles
            or may_edit(draft, member))


def holder(draft: Draft) -> str:
    """Who has to act next, in words."""
    match draft.state:
        case DraftState.editing:
            return f"编辑 {draft.editor.name}" if draft.editor else "待分配编辑"
        case DraftState.returned:
            return f"作者 {draft.author.name}"
        case DraftState.pending:
            return "审核人"
        case DraftState.approved:
            return f"待编辑 {draft.editor.name}投递" if draft.editor else "待投递"
        case _:
            return ""


@dataclass(frozen=True)
class Listing:
    authored: list[Draft]
    authored_total: int
    queue: list[Draft]
    queue_total: int


def listing(session: Session, member: Member) -> Listing:
    """The member's own drafts and the drafts waiting for them, newest first."""
    count_queue, newest_queue = _queue(Role.editor in member.roles, Role.approver in member.roles,
                                       Role.admin in member.roles)
    me = {"member_id": member.id, "userid": member.userid}
    authored_total, queue_total = session.scalar(_COUNT_MINE, me) or 0, session.scalar(count_queue, me) or 0
    # Most members have nothing waiting for them: a count of 0 needs no list.
    return Listing(list(session.scalars(_NEWEST_MINE, me)) if authored_total else [], authored_total,
                   list(session.scalars(newest_queue, me)) if queue_total else [], queue_total)


def editor_for(session: Session, author: Member) -> Member | None:
    """Who edits the author's new draft: their department's own editor while that member is an active editor
    and not the author (三审分离), else the active editor with the fewest drafts in editing (never the author)."""
    return session.scalar(_EDITOR_FOR, {"author_id": author.id, "department": author.department})


def _locked_editor_for(session: Session, author: Member) -> Member | None:
    """editor_for, its choice's row held until the draft commits: a role taken away at the same moment either waits
    for this draft (and hands it over) or is seen here, and another editor is chosen."""
    while (editor := editor_for(session, author)) is not None:  # each round's query sees the role changes waited for
        if session.scalar(_STILL_EDITOR, {"editor_id": editor.id}):
            return editor
    return None


def compare_and_set(session: Session, draft: Draft, states: tuple[str, ...], **values: Any) -> bool:
    """Update the draft only if it is still in one of `states` at the version we read; reload it."""
    result = session.execute(
        update(Draft)
        .where(Draft.id == draft.id, Draft.state.in_(states), Draft.current_version == draft.current_version)
        .values(**values).execution_options(synchronize_session=False))
    session.refresh(draft)
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def add_version(session: Session, draft: Draft, number: int, text: str, author: Member,
                 now: datetime) -> DraftVersion:
    """Every version of every draft, whichever command wrote it, is within the length a draft may have."""
    if len(text) > TEXT_MAX_CHARS:
        raise UsageError(f"正文有 {len(text)} 个字符，超过上限 {TEXT_MAX_CHARS} 个字符。请精简后再提交。")
    version = DraftVersion(draft_id=draft.id, number=number, text=text, hash=content_hash(text),
                           author_id=author.id, created_at=now)  # by id, as in submit
    session.add(version)
    return version


def has_editor(draft: Draft) -> bool:
    """Whether the draft's editor still edits: one who left, or lost the role, is none."""
    return draft.editor is not None and members.is_editor(draft.editor)


def acting_editor(draft: Draft, member: Member) -> int | None:
    """The draft's editor once `member` takes an editor's step on it: its editor, while they still edit; else
    the member, if an editor and not its author (an admin does not become its editor)."""
    if has_editor(draft):
        return draft.editor_id
    return member.id if Role.editor in member.roles and draft.author_id != member.id else draft.editor_id


def may_edit(draft: Draft, member: Member) -> bool:
    """Its editor while they still edit (one who lost the role edits nothing), any editor while it has none,
    or an admin."""
    return member.may(Role.admin) or (Role.editor in member.roles and acting_editor(draft, member) == member.id)


def editor_or_admins(session: Session, draft: Draft) -> list[str]:
    """Who acts for the draft's editor and hears what they must act on: its editor while they still edit, else the
    admins (a sent draft is not handed over when its editor leaves or stops editing)."""
    return [draft.editor.userid] if draft.editor is not None and has_editor(draft) else members.admin_userids(session)


def editor_named(draft: Draft) -> str:
    """「编辑 李四」, or just 「编辑」 for a draft without one: for replies that send a member to its editor."""
    return f"编辑 {draft.editor.name}" if draft.editor else "编辑"


# The drafts their editor acts on again: in editing; returned or pending (back to the editor once the author
# revised it); approved (投递).
_EDITORS_DRAFTS = (DraftState.editing, DraftState.returned, DraftState.pending, DraftState.approved)


def hand_over(session: Session, member: Member, now: datetime, actor: str | None) -> list[Draft]:
    """A member who is no longer an active editor (a role taken away, left the office) passes on the drafts
    they edit, each as 投稿 would assign it; the new editor is told, and with nobody to take one the admins."""
    if members.is_editor(member):
        return []
    drafts = list(session.scalars(select(Draft).where(Draft.editor_id == member.id, Draft.state.in_(_EDITORS_DRAFTS))
                                  .order_by(Draft.id)))
    for draft in drafts:
        editor = editor_for(session, draft.author)
        draft.editor, draft.updated_at = editor, now
        event = audit.record(session, now, actor, "hand_over", draft_id=draft.id,
                             comment=f"{member.name} → {editor.name if editor else '待分配'}")
        session.flush()  # the next draft's choice counts this one; the event's id keys this one's notice
        if editor is None:
            _tell_admins_unassigned(session, draft, now, f"{event.id}")
            continue
        outbox.notify(session, [editor.userid],
                      f"稿件 {draft.number}《{draft.title}》（{DraftState(draft.state).label}）的编辑 {member.name} "
                      "已不再担任编辑，改由您负责。"
                      f"发送「稿件 {draft.number}」查看。", f"draft:{draft.id}:handed_over:{event.id}", now)
    return drafts


def _tell_admins_unassigned(session: Session, draft: Draft, now: datetime, occasion: str = "submitted") -> None:
    admins = members.admin_userids(session)
    outbox.notify(session, admins,
                  f"稿件 {draft.number}《{draft.title}》暂无可分配的编辑（除作者外没有编辑）。"
                  "请为成员设置编辑角色；在此之前稿件等待分配，任何编辑都可以接手。",
                  f"draft:{draft.id}:unassigned:{occasion}", now)


def newest(session: Session, limit: int) -> list[Draft]:
    return list(session.scalars(select(Draft).order_by(Draft.id.desc()).limit(limit)))
