"""A review of the day's later changes (2a87a07..9ba8bc6): the year's end and the work group, as users meet them.
Each test says what a user did and what went wrong; each first failed on the code as reviewed."""

from __future__ import annotations

from bot.runtime import Runtime
from models import DraftState
from tests.conftest import ChatDriver, FrozenClock
from tests.test_aibot import draft_state, in_group
from tests.test_publishing import approved_draft
from tests.test_year_end import at, print_recorded_late


def test_the_quarter_notes_correction_command_is_refused(newsroom: Runtime, clock: FrozenClock) -> None:
    """On 2 April a correspondent records 「刊发 #1 韶关日报 https://…」 without the day. The new note says it
    counts in 第2季度 and, if it appeared last quarter, to send 「刊发 #1 韶关日报 3月31日」. He sends exactly that
    (with the real day, 3月30日): the bot refuses it with the usage text (a link or a page is required), so the
    command the bot itself gave does not work. Expected: the day corrected (or the note giving a command that
    works, with the link)."""
    chat = ChatDriver(newsroom)
    at(clock, 2026, 3, 25)
    number = approved_draft(chat)
    at(clock, 2026, 4, 2)
    reply = chat.as_member("zhangsan").says(f"刊发 #{number} 韶关日报 https://www.sgrb.example/1.html")
    assert "3月31日" in reply, reply
    suggested = reply.split("请发送「")[1].split("」")[0]
    corrected = chat.as_member("zhangsan").says(suggested.replace("3月31日", "3月30日"))
    assert "已更正" in corrected, corrected


def test_approving_a_draft_by_its_own_title_is_refused_when_another_has_the_same_title(chat: ChatDriver) -> None:
    """Two departments' weekly 《工作动态》 wait (#1 by 张三, #2 by 李四 — one title for two articles is allowed).
    王五 writes 「批准 #1《工作动态》同意」, naming #1 by its number and its own title. The new title check finds
    the *other* pending 《工作动态》 and refuses: 「这条写的是稿件 #2《工作动态》…请写明编号重发，例如「批准 2」」 —
    sending the wrong one for approval. Expected: #1 approved (its own title names no other draft)."""
    chat.as_member("zhangsan").says("投稿 工作动态\n5月11日，办公室组织学习了新修订的保密法。")
    chat.as_member("lisi").says("投稿 工作动态\n5月11日，执法监察大队开展了卫片图斑核查。")
    chat.as_member("lisi").says("送审 #1")
    chat.as_member("zhaoliu").says("送审 #2")
    reply = chat.as_member("wangwu").says("批准 #1《工作动态》同意")
    assert draft_state(chat.runtime, 1) == DraftState.approved, reply
    assert "批准 2" not in reply, reply


def test_an_author_asked_for_a_short_brief_cannot_send_it(chat: ChatDriver) -> None:
    """The editor returns a 400-character article: 「请压缩成80字以内的简讯（电视台滚动字幕用）」. The author sends
    「修改 #1」 with the 60-character brief. The bot refuses it as 「a reply to the comment」 and says only how to
    send the old text back unchanged: there is no way at all to hand in the shorter text the editor asked for.
    Expected: saved (perhaps with a warning), or a way to confirm it."""
    long_text = "5月11日上午，乐昌市自然资源局在坪石镇开展耕地保护宣传活动，发放资料，解答群众咨询。" * 10
    chat.as_member("zhangsan").says(f"投稿 耕地保护宣传进坪石\n{long_text}")
    assert "退回给作者" in chat.as_member("lisi").says("退回 #1 请压缩成80字以内的简讯，电视台滚动字幕用")
    brief = "5月11日，乐昌市自然资源局在坪石镇开展耕地保护宣传，发放资料500余份，解答群众咨询80余人次。"
    reply = chat.as_member("zhangsan").says(f"修改 #1\n{brief}")
    assert draft_state(chat.runtime, 1) == DraftState.editing, reply


def test_a_link_quoting_a_number_shows_the_title_of_a_draft_the_member_may_not_see(chat: ChatDriver) -> None:
    """张三's draft #1 is being edited; 小李 (another correspondent) may not see it (「稿件 #1」 is refused to her).
    In the group she quotes any message with 「#1」 in it (her own, say) and pastes a link: the bot answers
    「您引用的是稿件 #1《…》」, showing the title of a draft she may not read — and offers her 「刊发 #1 …」. The
    other paths (稿件, the bare-link list) show a member only drafts she may see. Expected: no title, or only for
    a draft she may see."""
    chat.as_member("zhangsan").says("投稿 关于某干部违纪问题的调查\n5月11日，局纪检组对某干部问题进行了调查。")
    refused = chat.as_member("xiaoli").says("稿件 #1")
    assert "违纪" not in refused, refused
    reply = in_group(chat, "xiaoli", "https://www.example.com/a/1.html", quoted="#1 这个链接是哪篇？")
    assert "违纪" not in reply, reply


def test_a_late_record_that_moves_points_between_quarters_says_本次不加分(newsroom: Runtime,
                                                                         clock: FrozenClock) -> None:
    """多方采用按最高计. A draft appeared in 韶关日报 on 30 March and in 南方网 on 2 April; 南方网 was recorded first
    (5 points in 第2季度). On 3 April the editor records the 韶关日报 print of 3月30日: 3 points move into the
    第1季度 settlement and ranking (导出 2026Q1, 排行 Q1) and out of 第2季度. The reply and the group's 用稿反馈 say
    「本次不加分」 — the very message the year's fix replaced, for the same move between two settlements of the
    office (quarters are settled too). Expected: the move said, as between years."""
    chat = ChatDriver(newsroom)
    _, reply = print_recorded_late(chat, clock, (2026, 3, 20), (2026, 4, 2), (2026, 4, 3), "3月30日")
    assert "2026年第1季度积分：3" in chat.as_member("zhangsan").says("积分 2026Q1")
    assert "不加分" not in reply, reply


def test_reading_another_draft_while_quoting_a_notice_is_refused(chat: ChatDriver) -> None:
    """In the group 张三 quotes 「稿件 #1 已送审」 and types 「稿件 2」 to look at his other draft (稿件 only reads;
    a bare number is how the help writes it too). The new clash check refuses: 「您引用的是稿件 #1 的消息，但这条
    开头写的是「2」，没有执行」. Nothing could go wrong by showing #2 — the number typed is the one he means, and
    the clash was added for commands that act (退回 2 处…). Expected: #2 shown."""
    for title in ("甲稿", "乙稿"):
        chat.as_member("zhangsan").says(f"投稿 {title}\n今天上午，{title}的活动在坪石镇举行。")
    chat.as_member("lisi").says("送审 #1")
    reply = in_group(chat, "zhangsan", "稿件 2", quoted="稿件 #1 已送审，已通知审核人：王五、周七。")
    assert "乙稿" in reply, reply


def test_a_one_line_append_opening_with_a_list_number_is_refused(chat: ChatDriver) -> None:
    """张三 quotes the bot's 「已收到投稿 #1《甲稿》」 and sends the phone form 「续稿：1、加强组织领导，……」 — the
    next part of his article is a numbered list. The quote gives #1 and the typed 「1、」 is taken for the draft
    number (equal, so the colon is dropped and nothing is put in): the bot refuses 「「续稿 #1」这一行只写编号…
    多写了「加强组织领导…」」, and the one-line form it then teaches is what he sent. Expected: appended, as
    「续稿：下午，…」 is (the list item quoted as text)."""
    chat.as_member("zhangsan").says("投稿 甲稿\n今天上午，甲稿的活动在坪石镇举行。")
    reply = in_group(chat, "zhangsan", "续稿：1、加强组织领导，成立工作专班。",
                     quoted="已收到投稿 #1《甲稿》，25 字。")
    assert reply.startswith("已追加到稿件 #1"), reply


def test_an_approval_with_its_number_typed_is_refused_for_mentioning_another_draft(chat: ChatDriver) -> None:
    """#1《甲稿》 and #2《乙稿》 wait. 王五 types the number himself: 「批准 #1 同意，与《乙稿》错开一天刊发」 — a
    comment about the other article. Nothing is quoted and the number is explicit, yet the bot refuses: 「这条
    写的是稿件 #2《乙稿》，但编号（或引用的消息）是 #1，没有批准。请写明编号重发，例如「批准 #2」」 — he did write
    the number, and the advice points to approving #2. Expected: #1 approved with the comment (the check is for a
    number taken from a quote)."""
    for title in ("甲稿", "乙稿"):
        chat.as_member("zhangsan").says(f"投稿 {title}\n今天上午，{title}的活动在坪石镇举行。")
    chat.as_member("lisi").says("送审 #1")
    chat.as_member("zhaoliu").says("送审 #2")
    reply = chat.as_member("wangwu").says("批准 #1 同意，与《乙稿》错开一天刊发")
    assert draft_state(chat.runtime, 1) == DraftState.approved, reply


def test_a_link_naming_its_draft_while_quoting_another_post_is_steered_to_the_quoted_one(chat: ChatDriver) -> None:
    """张三 quotes the group's 用稿反馈 of #1 (to reply in its thread) and writes 「#2 也被南方网转载了 https://…」.
    For commands a #N in the message wins over the quote; for a bare link the new quoted path wins: the bot
    answers 「您引用的是稿件 #1《…》：如是它的刊发链接，请发送：刊发 #1 媒体名称 …」 — the command to copy records
    #2's link on #1 (its points, its 用稿反馈). Before, the typed #2 was used. Expected: #2, as written."""
    approved_draft(chat, "乐昌开展世界地球日宣传")
    approved_draft(chat, "乐昌开展防灾减灾日宣传")
    chat.as_member("zhangsan").says("刊发 #1 韶关日报 https://www.sgrb.com/a/1.html")
    feedback = "**用稿反馈**：#1《乐昌开展世界地球日宣传》\n> 媒体：韶关日报（市级）"
    reply = in_group(chat, "zhangsan", "#2 也被南方网转载了 https://news.southcn.com/a/2.html", quoted=feedback)
    assert "刊发 #2" in reply, reply


def test_a_title_only_投稿_with_a_column_mark_and_a_comma_is_saved_as_an_article(chat: ChatDriver) -> None:
    """On a phone 张三 types the title line 「投稿 【党建引领】建强支部堡垒，助力乡村振兴」 and Enter sends it before
    the article (a headline of two clauses, as most are). The one-line 【】 form now needs prose after 】, and a
    comma is taken for prose: the bot saves draft #1 titled 《党建引领》 whose whole article is the headline, and
    gives it to an editor. Expected: 「没有正文」, nothing saved (as for 「投稿 【党建引领】乐昌…」)."""
    reply = chat.as_member("zhangsan").says("投稿 【党建引领】建强支部堡垒，助力乡村振兴")
    assert "没有保存" in reply, reply


def test_revoking_a_late_publication_says_积分不变_while_points_move_back_between_years(newsroom: Runtime,
                                                                                     clock: FrozenClock) -> None:
    """多方采用按最高计. 韶关日报 of 12月30日 (recorded late) and 南方网 of 4 January: 3 points in 2026, 2 in 2027. On
    8 January the admin revokes the 韶关日报 record (wrong outlet). 3 points leave the 2026 ranking and settlement
    and go back to 2027, but 撤销刊发 (unlike 刊发 and its corrections now) still reads the total only: the reply
    says 「积分不变」 and the group's correction 「本稿现为 5 分」. Expected: the move between years said."""
    chat = ChatDriver(newsroom)
    number, _ = print_recorded_late(chat, clock, (2026, 12, 20), (2027, 1, 4), (2027, 1, 6), "12月30日")
    at(clock, 2027, 1, 8)
    reply = chat.as_member("admin").says(f"撤销刊发 #{number} 韶关日报 登错了媒体")
    assert "2026年积分" not in chat.as_member("zhangsan").says("积分 2026")
    assert "积分不变" not in reply, reply


def test_the_revocation_post_carries_no_draft_number(chat: ChatDriver) -> None:
    """用稿反馈 posts now carry the draft's number so that quoting one names the draft. The admin revokes a
    publication recorded on the wrong outlet; the group gets 「用稿反馈（更正）：《…》在南方网的刊发登记已撤销」.
    张三 quotes that post and sends the right record, 「刊发 韶关日报 https://…」: the post has no number, so the
    bot answers 「请写稿件编号」. Expected: the quoted post's draft used, as for the other 用稿反馈 posts."""
    from tests.test_calendar import group_messages

    approved_draft(chat, "乐昌开展世界地球日宣传")
    chat.as_member("zhangsan").says("刊发 #1 南方网 https://news.southcn.com/a/1.html")
    chat.as_member("admin").says("撤销刊发 #1 南方网 应为韶关日报")
    post = group_messages(chat.runtime)[-1].payload["markdown"]["content"]
    assert "撤销" in post, post
    reply = in_group(chat, "zhangsan", "刊发 韶关日报 https://www.sgrb.com/a/1.html", quoted=post)
    assert reply.startswith("已登记稿件 #1"), reply
