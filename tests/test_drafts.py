"""投稿, 续稿 and 稿件 driven through the engine, as members would chat."""

from __future__ import annotations

from sqlalchemy import select

from bot.documents import extract_text
from bot.domain import members
from models import AuditEvent, Draft, DraftVersion, Role
from tests.conftest import ChatDriver, FrozenClock


def test_submit_assigns_least_loaded_editor_and_notifies(chat: ChatDriver) -> None:
    reply = chat.as_member("zhangsan").says("投稿 乐昌：开展地质灾害应急演练\n今天上午，演练在坪石镇举行。\n第二段。")
    assert "#1《乐昌：开展地质灾害应急演练》" in reply
    assert "18 字" in reply  # every character but blanks
    assert "编辑：李四" in reply
    [message] = chat.outbox()
    assert message.recipient == "lisi"
    assert "新稿件 #1" in message.payload["text"]["content"]
    # lisi now has one draft in editing; the next goes to zhaoliu.
    assert "编辑：赵六" in chat.as_member("xiaoli").says("投稿 第二篇\n正文")


def test_only_active_editors_are_assigned_and_only_drafts_in_editing_count(chat: ChatDriver) -> None:
    zhangsan = chat.as_member("zhangsan")
    assert "编辑：李四" in zhangsan.says("投稿 第一篇\n正文")
    chat.as_member("lisi").says("送审 #1")  # no longer lisi's to edit: both editors are free, the lower id wins
    assert "编辑：李四" in zhangsan.says("投稿 第二篇\n正文")
    with chat.runtime.sessions.begin() as session:
        members.require(session, "zhaoliu").active = False
    assert "编辑：李四" in zhangsan.says("投稿 第三篇\n正文")  # zhaoliu has none, but is inactive
    with chat.runtime.sessions.begin() as session:
        members.require(session, "lisi").active = False
    assert "暂无可分配的编辑" in zhangsan.says("投稿 第四篇\n正文")  # an admin may edit, but is not assigned


def test_body_keeps_chinese_punctuation_and_title_keeps_raw_form(chat: ChatDriver) -> None:
    chat.as_member("zhangsan").says("投稿　乐昌：唱响主旋律\n正文：第一段（一）。")  # 「正文：」 is a label
    with chat.runtime.sessions.begin() as session:
        draft = session.scalars(select(Draft)).one()
        version = session.scalars(select(DraftVersion)).one()
        assert draft.title == "乐昌：唱响主旋律"
        assert version.text == "第一段（一）。"
        assert version.number == 1 and len(version.hash) == 64


def test_a_manual_line_break_or_page_break_stays_a_break(chat: ChatDriver) -> None:
    """Word's Shift+Enter pastes as U+000B and a .txt page break is U+000C: they were deleted, gluing the lines
    (「…自然资源局承办：…」) in the draft, its e-mail and its .docx (found by a review)."""
    chat.as_member("zhangsan").says("投稿 乐昌开展地灾演练\n主办：乐昌市自然资源局\x0b承办：坪石镇人民政府\x0c第二页。")
    with chat.runtime.sessions.begin() as session:
        text = session.scalars(select(DraftVersion.text)).one()
    assert text == "主办：乐昌市自然资源局\n承办：坪石镇人民政府\n第二页。"
    pages = "第一页最后一段。\x0c第二页第一段。".encode("gb18030")
    assert extract_text("稿件.txt", pages) == "第一页最后一段。\n第二页第一段。"


def test_every_paragraph_keeps_its_indent_the_first_one_too(chat: ChatDriver) -> None:
    chat.as_member("zhangsan").says("投稿 首行缩进\n\n　　第一段。\n　　第二段。\n\n")
    assert "已保存稿件 #1 的 v2" in chat.as_member("lisi").says("修改 #1\n　　第一段，改。\n　　第二段。")
    chat.as_member("lisi").says("退回 #1 请补充")
    with chat.runtime.sessions.begin() as session:
        texts = [v.text for v in session.scalars(select(DraftVersion).order_by(DraftVersion.number))]
    assert texts == ["　　第一段。\n　　第二段。", "　　第一段，改。\n　　第二段。"]
    same = chat.as_member("zhangsan").says("修改 #1\n　　第一段，改。\n　　第二段。\n")  # a blank line is no change
    assert "正文与 v2 相同：稿件 #1 原样交回编辑" in same


def test_author_who_is_the_only_editor_is_never_assigned(chat: ChatDriver) -> None:
    chat.as_member("admin").says("帮助")  # any message; admin exists
    reply = chat.as_member("lisi").says("投稿 编辑自己的稿\n正文")
    assert "编辑：赵六" in reply  # lisi is an editor but is the author


def test_no_eligible_editor_waits_unassigned_and_tells_admins(chat: ChatDriver) -> None:
    with chat.runtime.sessions.begin() as session:
        members.set_roles(session, "zhaoliu", frozenset(), chat.runtime.clock(), actor="admin")
        members.set_roles(session, "lisi", frozenset({Role.correspondent}), chat.runtime.clock(), actor="admin")
    reply = chat.as_member("zhangsan").says("投稿 无人编辑\n正文")
    assert "暂无可分配的编辑" in reply
    [message] = chat.outbox()
    assert message.recipient == "admin" and "暂无可分配的编辑" in message.payload["text"]["content"]


def test_submit_errors_say_what_to_type(chat: ChatDriver) -> None:
    zhangsan = chat.as_member("zhangsan")
    assert "请在「投稿」后写标题" in zhangsan.says("投稿")
    assert "下一行起写正文" in zhangsan.says("投稿 只有标题")
    assert "最多 100 个字" in zhangsan.says("投稿 " + "长" * 101 + "\n正文")
    assert chat.count(Draft) == 0


def test_q16_roles_are_checked_and_refusals_audited(chat: ChatDriver) -> None:
    reply = chat.as_member("wangwu").says("投稿 审核人投稿\n正文")
    assert "需要通讯员角色" in reply and "审核" in reply
    with chat.runtime.sessions.begin() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action.startswith("refused"))).one()
        assert (event.actor, event.action) == ("wangwu", "refused:投稿")
    assert chat.count(Draft) == 0


def test_append_adds_a_version_for_the_author_only(chat: ChatDriver) -> None:
    chat.as_member("zhangsan").says("投稿 长稿\n第一部分")
    assert "现为 v2" in chat.as_member("zhangsan").says("续稿 #1\n第二部分")
    assert "只有作者本人" in chat.as_member("lisi").says("续稿 #1\n编辑想续")
    assert "请写稿件编号" in chat.as_member("zhangsan").says("续稿\n没有编号")
    assert "下一行写要追加的正文" in chat.as_member("zhangsan").says("续稿 #1")
    assert "没有稿件 #7" in chat.as_member("zhangsan").says("续稿 #7\n正文")
    with chat.runtime.sessions.begin() as session:
        texts = session.scalars(select(DraftVersion.text).order_by(DraftVersion.number)).all()
        assert texts == ["第一部分", "第一部分\n第二部分"]
        assert session.get(Draft, 1).current_version == 2
    assert [m.payload["text"]["content"][:8] for m in chat.outbox()][-1].startswith("稿件 #1")
    # Paragraphs parted by a blank line: what is appended is parted the same way.
    chat.as_member("xiaoli").says("投稿 空行分段\n第一段。\n\n第二段。")
    chat.as_member("xiaoli").says("续稿 #2\n第三段。")
    with chat.runtime.sessions.begin() as session:
        assert session.scalars(select(DraftVersion.text).where(DraftVersion.draft_id == 2)
                               .order_by(DraftVersion.number)).all()[-1] == "第一段。\n\n第二段。\n\n第三段。"


def test_list_and_detail_show_state_holder_and_history(chat: ChatDriver) -> None:
    zhangsan = chat.as_member("zhangsan")
    zhangsan.says("投稿 第一篇\n正文一")
    zhangsan.says("投稿 第二篇\n正文二")
    listing = zhangsan.says("稿件")
    assert listing.index("#2《第二篇》编辑中") < listing.index("#1《第一篇》编辑中")
    assert "待我处理（1）" in chat.as_member("lisi").says("我的稿件")
    chat.runtime.clock.advance(hours=3)
    detail = zhangsan.says("稿件＃１")  # full-width forms and no space
    assert "状态：编辑中（编辑 李四，已 3 小时）" in detail
    assert "作者：张三（办公室）" in detail
    assert "v1 05-12 10:00 张三 3字" in detail  # Shanghai time
    assert "张三 投稿" in detail


def test_detail_is_private_to_the_people_involved(chat: ChatDriver) -> None:
    chat.as_member("zhangsan").says("投稿 内部稿件\n正文")
    assert "无权查看" in chat.as_member("xiaoli").says("稿件 #1")
    assert "内部稿件" in chat.as_member("wangwu").says("稿件 #1")  # the deputy director sees every draft
    assert "内部稿件" in chat.as_member("admin").says("稿件 #1")
    assert "内部稿件" in chat.as_member("lisi").says("稿件 #1")


def test_refusals_do_not_push_the_history_out_of_view(chat: ChatDriver) -> None:
    chat.as_member("zhangsan").says("投稿 历史\n正文")
    for _ in range(6):
        chat.as_member("xiaoli").says("稿件 #1")
    detail = chat.as_member("zhangsan").says("稿件 #1")
    assert "张三 投稿" in detail and "refused" not in detail


def test_huge_draft_numbers_are_simply_not_found(chat: ChatDriver) -> None:
    assert "没有稿件 #99999999999" in chat.as_member("zhangsan").says("稿件 99999999999")
    assert "没有稿件 #99999999999" in chat.as_member("zhangsan").says("续稿 #99999999999\n正文")
    assert "没有稿件 #99999999999999999999。" in chat.as_member("zhangsan").says("稿件 #99999999999999999999")
    assert "请写稿件编号" in chat.as_member("zhangsan").says("续稿 #" + "9" * 101 + "\n正文")


def test_every_way_of_writing_a_version_keeps_to_the_length_and_needs_words(chat: ChatDriver) -> None:
    from bot.domain.drafts import TEXT_MAX_CHARS

    chat.as_member("zhangsan").says("投稿 标题\n正文")
    too_long = "字" * (TEXT_MAX_CHARS + 1)
    assert f"超过上限 {TEXT_MAX_CHARS}" in chat.as_member("lisi").says(f"修改 #1\n{too_long}")
    assert f"超过上限 {TEXT_MAX_CHARS}" in chat.as_member("zhangsan").says(f"续稿 #1\n{too_long}")
    assert f"超过上限 {TEXT_MAX_CHARS}" in chat.as_member("zhangsan").says(f"投稿 另一篇\n{too_long}")
    assert "请在标题的下一行起写正文" in chat.as_member("zhangsan").says("投稿 空的\n\u200b")
    assert "请在「修改 #1」的下一行写修改后的完整正文" in chat.as_member("lisi").says("修改 #1\n……")
    with chat.runtime.sessions.begin() as session:
        assert session.scalars(select(DraftVersion.number)).all() == [1]



def test_the_listing_reaches_past_ten_drafts_with_more(chat: ChatDriver) -> None:
    """The oldest drafts waited longest: they are on the pages read with 更多, not cut off."""
    zhangsan = chat.as_member("zhangsan")
    for n in range(1, 13):
        zhangsan.says(f"投稿 第{n}篇\n正文{n}")
    listing = zhangsan.says("稿件")
    while "发送「更多」" in listing.rsplit("\n", 1)[-1]:
        listing += zhangsan.says("更多")
    assert "#1《第1篇》" in listing and "#12《第12篇》" in listing and "另有" not in listing


def test_what_waits_for_a_member_is_listed_however_much_they_wrote_since(chat: ChatDriver) -> None:
    """A draft returned in January, 52 drafts later, was only 「另有 N 篇更早的」, its number long forgotten; an
    editor's oldest (overdue) drafts beyond fifty dropped the same way (found by a review of a busy year)."""
    assert "已将 李四" in chat.as_member("admin").says("成员 部门编辑 办公室 lisi")  # one editor on duty
    zhangsan = chat.as_member("zhangsan")
    zhangsan.says("投稿 一月的稿\n正文")
    chat.as_member("lisi").says("退回 #1 请补充数据")
    for n in range(2, 54):
        zhangsan.says(f"投稿 第{n}篇\n正文{n}")

    def read_all(who: str) -> str:
        listing = chat.as_member(who).says("稿件")
        while "发送「更多」" in listing.rsplit("\n", 1)[-1]:
            listing += chat.as_member(who).says("更多")
        return listing

    mine = read_all("zhangsan")
    assert "待我处理（1）：\n#1《一月的稿》已退回" in mine and "……另有 3 篇更早的" in mine
    queue = read_all("lisi")
    assert "待我处理（52）" in queue and "#2《第2篇》" in queue and "另有" not in queue


def test_overdue_drafts_head_the_queue(chat: ChatDriver, clock: FrozenClock) -> None:
    """Newest first, an editor's overdue drafts were on the last page of a long queue (a review of the day's
    change): they come first, marked."""
    chat.as_member("admin").says("成员 部门编辑 办公室 lisi")
    chat.as_member("zhangsan").says("投稿 第一篇\n正文一")
    clock.advance(days=7)
    for n in (2, 3):
        chat.as_member("zhangsan").says(f"投稿 第{n}篇\n正文{n}")
    queue = chat.as_member("lisi").says("稿件").split("\n")
    assert queue[0] == "待我处理（3）：" and queue[1].startswith("#1《第一篇》编辑中（") and "已超时" in queue[1]
    assert queue[2].startswith("#3《第3篇》") and queue[3].startswith("#2《第2篇》")


def test_an_editor_sees_approved_drafts_waiting_for_their_投递(chat: ChatDriver) -> None:
    chat.as_member("zhangsan").says("投稿 待投递的稿\n正文")
    chat.as_member("lisi").says("送审 #1")
    chat.as_member("wangwu").says("批准 #1")
    assert "待编辑 李四投递" in chat.as_member("zhangsan").says("稿件 #1")
    listing = chat.as_member("lisi").says("稿件")
    assert "待我处理（1）：\n#1《待投递的稿》已批准" in listing, listing
    approver = chat.as_member("wangwu").says("稿件")  # who never writes is not told they have not written
    assert approver == "目前没有待您处理的稿件。\n发送「稿件 #编号」查看详情。"


def test_help_offers_续稿_only_to_who_may_write(chat: ChatDriver) -> None:
    assert "续稿" not in chat.as_member("wangwu").says("帮助")
    assert "续稿" in chat.as_member("zhangsan").says("帮助")


def test_a_long_paragraph_fills_the_first_page_of_全文(chat: ChatDriver) -> None:
    paragraph = "　　" + "乐昌市自然资源局开展地质灾害应急演练，" * 60  # one paragraph, as pasted from Word
    chat.as_member("zhangsan").says("投稿 长稿\n" + paragraph)
    first = chat.as_member("zhangsan").says("稿件 #1 全文")
    assert "（第 1/" in first and "乐昌市自然资源局开展地质灾害应急演练" in first
    assert len(first.encode()) <= 2048


def test_a_page_break_keeps_a_flag_and_a_joined_emoji_whole(chat: ChatDriver) -> None:
    chat.as_member("zhangsan").says("投稿 表情\n" + "　　第二段👩\u200d🚒🇨🇳" * 300)
    pages = [chat.as_member("zhangsan").says("稿件 #1 全文")]
    while "已全部显示" not in pages[-1] and len(pages) < 10:
        pages.append(chat.as_member("zhangsan").says("更多"))
    for page in pages:
        body = "\n".join(line for line in page.split("\n") if not line.startswith("（"))
        assert body.count("\U0001F1E8") == body.count("\U0001F1F3"), body[-40:]
        assert body.count("\u200d") == body.count("\U0001F692"), body[-40:]


def test_more_the_next_day_says_the_page_is_of_then(chat: ChatDriver) -> None:
    zhangsan = chat.as_member("zhangsan")
    for n in range(1, 31):
        zhangsan.says(f"投稿 {n}号稿：" + "乐昌市自然资源局扎实推进垦造水田项目建设" * 2 + f"\n正文{n}")
    assert "（第 1/3 页" in zhangsan.says("稿件")
    chat.runtime.clock.advance(hours=16)
    page = zhangsan.says("更多")
    assert page.startswith("（16 小时前的回复，状态以当时为准）\n（续「稿件」）"), page[:80]
    assert len(page.encode()) <= 2048


def test_an_approved_draft_without_an_editor_waits_for_every_editor(chat: ChatDriver) -> None:
    """Any editor may 投递 a draft that has none: it is in each one's 待我处理."""
    chat.as_member("admin").says("帮助")
    with chat.runtime.sessions.begin() as session:
        members.require(session, "lisi").active = members.require(session, "zhaoliu").active = False
    assert "暂无可分配的编辑" in chat.as_member("zhangsan").says("投稿 无人编辑的稿\n正文")
    chat.as_member("admin").says("送审 #1")
    assert "已批准" in chat.as_member("wangwu").says("批准 #1")
    with chat.runtime.sessions.begin() as session:
        members.require(session, "zhaoliu").active = True
    assert "#1《无人编辑的稿》已批准" in chat.as_member("zhaoliu").says("稿件")


BODY = "今天上午，乐昌市自然资源局在北乡镇开展演练。\n\n共有50人参加。"


def versions(chat: ChatDriver) -> list[str]:
    with chat.runtime.sessions.begin() as session:
        return [v.text for v in session.scalars(select(DraftVersion).order_by(DraftVersion.id))]


def test_a_续稿_sent_again_is_not_appended_twice(chat: ChatDriver) -> None:
    """The reply was slow and the author sent it again: the paragraph must not be in the article twice."""
    zhangsan = chat.as_member("zhangsan")
    zhangsan.says("投稿 演练\n正文第一段。")
    assert "现为 v2" in zhangsan.says("续稿 #1\n第二段内容。")
    again = zhangsan.says("续稿 #1\n第二段内容。")
    assert again == "稿件 #1 的最新版本 v2 末尾已是这段正文，没有重复追加。发送「稿件 #1 全文」可查看。"
    assert zhangsan.says("稿件 #1 全文").count("第二段内容。") == 1
    assert "现为 v3" in zhangsan.says("续稿 #1\n第三段。")  # a new paragraph is appended as before
    assert "现为 v4" in zhangsan.says("续稿 #1\n第二段内容。")  # …and one that repeats an earlier, not the last


def test_the_same_draft_sent_again_is_not_a_second_draft_for_a_second_editor(chat: ChatDriver,
                                                                            clock: FrozenClock) -> None:
    zhangsan = chat.as_member("zhangsan")
    assert "已收到投稿 #1" in zhangsan.says("投稿 演练\n" + BODY)
    again = zhangsan.says("投稿 演练\n" + BODY)
    assert again.startswith("这篇稿件已投过：#1《演练》，标题和正文都相同，没有重复投稿。要补充内容请发送「续稿 #1」")
    assert chat.count(Draft) == 1
    assert "已收到投稿 #2" in zhangsan.says("投稿 演练（二）\n" + BODY)  # another title: another article
    # another author: two texts this short may agree by chance (a forwarded article is refused: test_event_day)
    assert "已收到投稿 #3" in chat.as_member("xiaoli").says("投稿 演练\n" + BODY)
    assert "已撤回" in zhangsan.says("撤回 #1")
    assert "已收到投稿 #4" in zhangsan.says("投稿 演练\n" + BODY)  # withdrawn, then sent again: a new draft
    clock.advance(days=7, minutes=1)
    assert "已收到投稿 #5" in zhangsan.says("投稿 演练\n" + BODY)  # a week on it is the author's own choice


def test_two_text_commands_in_one_message_run_neither(chat: ChatDriver) -> None:
    zhangsan = chat.as_member("zhangsan")
    reply = zhangsan.says("投稿 乙\n正文乙\n投稿 丙\n正文丙")
    assert reply.startswith("一条消息只能发一条「投稿」命令，这条有 2 条，都没有执行。")
    assert "这条有 2 条，都没有执行" in zhangsan.says("线索 甲镇垦造水田验收\n线索 乙镇地灾演练")
    assert "已记录线索" in zhangsan.says("线索 甲镇垦造水田验收\n详情：下月中旬")  # its details on the next line
    assert chat.count(Draft) == 0 and versions(chat) == []
    assert "已收到投稿 #1" in zhangsan.says("投稿 乙\n投稿须知里写的格式，我们照做了。")  # a word in the text


def test_a_full_stop_after_the_arguments_is_read_past(chat: ChatDriver) -> None:
    zhangsan = chat.as_member("zhangsan")
    zhangsan.says("投稿 演练\n" + BODY)
    for said in ("积分 2026", "统计 5月", "排行 今年", "稿件 #1", "稿件 #1 全文"):
        assert zhangsan.says(f"{said}。") == zhangsan.says(said), said


def test_a_title_typed_in_book_title_marks_is_shown_in_one_pair(chat: ChatDriver) -> None:
    reply = chat.as_member("zhangsan").says("投稿 《乐昌开展地灾应急演练》\n" + BODY)
    assert "《乐昌开展地灾应急演练》" in reply and "《《" not in reply
    assert all("《《" not in str(row.payload) for row in chat.outbox())
    assert "《《求是》刊发我局文章》" in chat.as_member("xiaoli").says("投稿 《求是》刊发我局文章\n" + BODY + "（完）")


def test_the_input_methods_commonest_slip_gets_the_command_suggested(chat: ChatDriver) -> None:
    """稿 and 搞 are both typed gao."""
    zhangsan = chat.as_member("zhangsan")
    assert "投稿 乐昌开展演练" in zhangsan.says("投搞 乐昌开展演练\n正文")
    assert "稿件 #1" in zhangsan.says("搞件 #1")
    assert "续稿 #1" in zhangsan.says("续搞 #1\n正文")


def test_the_templates_labels_and_a_draft_on_one_line(chat: ChatDriver) -> None:
    """A newcomer copies the office's template (标题：…⏎正文：…), or types it all on one line where Enter sends
    (found by a review of a newcomer's month): the labels are no part of the title or the text."""
    xiaoli = chat.as_member("xiaoli")
    assert "#1《乐昌开展地灾演练》" in xiaoli.says("投稿 标题：乐昌开展地灾演练\n正文：今天上午，演练在坪石镇举行。")
    assert "#2《坪石镇垦造水田验收》" in xiaoli.says("投稿《坪石镇垦造水田验收》今天上午，项目通过验收。")
    assert "#3《世界地球日宣传》" in xiaoli.says("投稿 标题：世界地球日宣传 正文：4月22日上午，我局开展宣传。")
    with chat.runtime.sessions.begin() as session:
        texts = session.scalars(select(DraftVersion.text).order_by(DraftVersion.id)).all()
    assert texts == ["今天上午，演练在坪石镇举行。", "今天上午，项目通过验收。", "4月22日上午，我局开展宣传。"]
    assert "请在标题的下一行起写正文" in xiaoli.says("投稿 只有标题")


def test_a_photo_is_said_to_be_not_kept_and_where_photos_go(chat: ChatDriver) -> None:
    from bot.messages import Incoming

    reply = chat.runtime.commands.handle(Incoming("app", "xiaoli", "img:1", kind="image")).text
    assert reply.startswith("图片没有保存。配图请插入 Word 文档（.docx），随稿件发给我")


def test_a_member_without_the_role_is_told_who_the_admins_are(chat: ChatDriver) -> None:
    assert "如需开通请联系管理员（钱主任）" in chat.as_member("wangwu").says("投稿 标题\n正文")


def test_help_for_a_member_without_the_correspondents_role_says_how_to_get_it(chat: ChatDriver) -> None:
    """A newcomer synced from WeCom has no role: 帮助 offered file drafts that would be refused (found by a review)."""
    with chat.runtime.sessions.begin() as session:
        members.set_roles(session, "xiaoli", frozenset(), chat.runtime.clock(), "admin")
    help_text = chat.as_member("xiaoli").says("帮助")
    assert "文件投稿" not in help_text and "投稿需要通讯员角色，如需开通请联系管理员（钱主任）" in help_text
    assert "也可直接发 .docx/.txt 文件投稿" in chat.as_member("zhangsan").says("帮助")
