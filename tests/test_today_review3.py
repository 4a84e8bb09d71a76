"""A review of the day's own changes (3296d92..8c07bd5): each test first proved a flaw in them."""

from __future__ import annotations

from sqlalchemy import select

from bot.runtime import Runtime
from models import Draft, DraftState, DraftVersion
from tests.conftest import ChatDriver, FrozenClock
from tests.test_aibot import in_group

ART = ("5月10日上午，乐昌市自然资源局在坪石镇开展地质灾害应急演练，全镇干部群众二百余人参加。"
       "演练模拟强降雨引发山体滑坡，各小组按预案转移群众，现场秩序井然。")


def texts(runtime: Runtime) -> list[tuple[int, str, str, str]]:
    """Each draft's number, title, state and newest text."""
    with runtime.sessions.begin() as session:
        return [(d.id, d.title, d.state, session.scalars(select(DraftVersion.text).where(
            DraftVersion.draft_id == d.id, DraftVersion.number == d.current_version)).one())
            for d in session.scalars(select(Draft).order_by(Draft.id))]


def test_a_title_that_opens_with_a_quoted_phrase_is_cut_into_title_and_text(chat: ChatDriver) -> None:
    """On the phone (Enter sends) a correspondent sends the title alone first, as the bot's own refusal taught
    them before today: 「投稿 “小网格”撬动大治理」 — a headline that opens with a quoted phrase, as Chinese
    headlines often do (“双报到”…, 【党建引领】…). The new 【】「」“” marks read it as the one-line form: a draft
    titled 《小网格》 whose whole article is 「撬动大治理」 is saved and given to an editor. Expected, as before today:
    nothing saved, 「没有正文」 (the text comes in the next message)."""
    reply = chat.as_member("zhangsan").says("投稿 “小网格”撬动大治理")
    assert texts(chat.runtime) == [], reply


def test_a_title_that_opens_with_a_column_tag_is_cut_into_title_and_text(chat: ChatDriver) -> None:
    """Same with a column tag: 「投稿 【党建引领】乐昌市自然资源局开展主题党日活动」 sent alone becomes draft
    《党建引领》 with the real title as its whole text."""
    reply = chat.as_member("zhangsan").says("投稿 【党建引领】乐昌市自然资源局开展主题党日活动")
    assert texts(chat.runtime) == [], reply


def test_an_author_answering_a_return_on_one_line_replaces_the_article(chat: ChatDriver) -> None:
    """The editor returns #1 「请核实参加人数」. The author checks and, on the phone, answers the way the draft's
    detail now teaches (「修改 1：完整正文」): 「修改 #1：已核实，人数无误」. Before today this line was refused
    (「这一行只写编号」); now the one sentence is saved as the whole article (v2) and the draft goes back to the
    editor with the article gone. Expected: a one-line 修改 that is far shorter than the article it replaces is
    refused (or at least not saved as the new text) — the author meant a reply, not the new full text."""
    chat.as_member("zhangsan").says(f"投稿 乐昌开展地质灾害应急演练\n{ART}")
    editor = texts(chat.runtime)[0]
    with chat.runtime.sessions.begin() as session:
        editor_id = session.get(Draft, 1).editor.userid
    chat.as_member(editor_id).says("退回 #1 请核实参加人数")
    reply = chat.as_member("zhangsan").says("修改 #1：已核实，人数无误")
    assert texts(chat.runtime)[0][3] == ART, (reply, editor)


def test_bare_listing_quoting_a_message_about_two_drafts_is_refused(chat: ChatDriver) -> None:
    """In the work group a member quotes the editor's 「#1 和 #2 已改好，请审核」 and writes 「@机器人 稿件」 to see
    their list. The new several-drafts guard (meant for bare 批准) stops every command that takes a number, so
    the harmless listing is refused: 「您引用的消息提到了 #1、#2，这条没有写编号，没有执行」. Expected: the listing
    (稿件 with nothing after it lists, it acts on nothing)."""
    for title in ("甲稿", "乙稿"):
        chat.as_member("zhangsan").says(f"投稿 {title}\n今天上午，{title}的活动在坪石镇举行。")
    reply = in_group(chat, "zhangsan", "稿件", quoted="#1 和 #2 已改好，请审核")
    assert "没有执行" not in reply, reply


def test_a_weekly_roundup_containing_an_earlier_short_item_is_refused_as_a_repeat(chat: ChatDriver,
                                                                                  clock: FrozenClock) -> None:
    """Monday the office's correspondent sends a short 「工作动态」 item (approved the same day). Friday she sends
    the week's 「工作动态」 roundup, which opens with Monday's sentence and goes on with the rest of the week. The
    new containment check calls it 「这篇稿件已投过……标题相同，正文与它重合」 and saves nothing, telling her to
    「续稿 #1」 — which the approved #1 refuses. She cannot submit the roundup under the office's usual title.
    Expected (as the docstring before today said): a title used again with other text is another article."""
    from tests.test_publishing import approved_draft

    monday = "5月11日，局党组召开专题会议，部署汛期地质灾害防治工作。"
    approved_draft(chat, "工作动态", monday)
    clock.advance(days=4)
    roundup = (f"{monday}\n5月12日，我局在坪石镇开展地质灾害应急演练，全镇干部群众二百余人参加。\n"
               "5月14日，我局开展“全国防灾减灾日”宣传活动，发放资料三千余份。")
    reply = chat.as_member("zhangsan").says(f"投稿 工作动态\n{roundup}")
    assert len(texts(chat.runtime)) == 2, reply


def test_a_title_with_a_place_name_a_comma_and_a_stray_full_stop_is_refused(chat: ChatDriver) -> None:
    """A correspondent types the headline as the county papers print it, place and slogan parted by a space, and
    ends it with 。 out of habit: 「投稿 坪石镇 守护绿水青山，建设美丽乡村。」 then the article below. The new
    first-sentence check refuses it (「标题里有句号……像是把正文的第一句写进了标题行」) and proposes 「投稿 坪石镇」
    with the slogan as the first line of the article. Its own docstring calls 「守护绿水青山，建设美丽乡村。」 a
    title with a stray full stop; a place name before it does not make it a sentence. Expected: saved, title
    without the 。 (as 「投稿 标题。」 is)."""
    reply = chat.as_member("zhangsan").says(f"投稿 坪石镇 守护绿水青山，建设美丽乡村。\n{ART}")
    assert len(texts(chat.runtime)) == 1, reply


def test_the_admins_listing_tells_them_to_add_the_approver_role_without_saying_roles_are_replaced(
        chat: ChatDriver) -> None:
    """Both approvers are on leave (roles taken off); #1 is sent for approval. The admin sends 「稿件」: the new
    line for a draft nobody may approve says 「请给一位没有参与此稿的成员加上审核角色（成员 角色）」. Following it,
    「成员 角色 lisi 审核」 strips 李四's 编辑/通讯员 roles and hands his drafts to others — the very trap this
    commit fixed in 催办 and the admins' notice (NAME_AN_APPROVER: 「角色要写全，未写的会被去掉」). Expected: the
    listing says the same as the notice."""
    from bot.domain import members

    with chat.runtime.sessions.begin() as session:
        for userid in ("wangwu", "zhouqi"):
            members.set_roles(session, userid, frozenset(), chat.runtime.clock(), actor="admin")
    chat.as_member("zhangsan").says(f"投稿 乐昌开展地质灾害应急演练\n{ART}")
    with chat.runtime.sessions.begin() as session:
        editor = session.get(Draft, 1).editor.userid
    chat.as_member(editor).says("送审 #1")
    assert texts(chat.runtime)[0][2] == DraftState.pending
    reply = chat.as_member("admin").says("稿件")
    assert "暂无可审核的人" in reply, reply
    assert "未写的会被去掉" in reply or "要写全" in reply, reply


def test_a_correspondent_who_acknowledges_with_yiyue_is_told_to_approve(chat: ChatDriver) -> None:
    """The author reads the editor's return notice and answers 「已阅。」 (the office's usual acknowledgement).
    The new near-word 已阅 → 批准 makes the bot answer 「您是要发送「批准」吗？请照此格式重发」 — a command she
    may not use, for a word that in the office means 'read', not 'approved'. Expected: no 批准 suggested to a
    member who is not an approver (or 已阅 not taken as 批准 at all)."""
    reply = chat.as_member("zhangsan").says("已阅。")
    assert "批准" not in reply, reply
