"""The work group reviewed as the office lives in it: members @ the bot and each other, quote its posts, and read
its long replies page by page (found by the group review)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.messages import Incoming
from bot.runtime import Runtime
from models import DraftVersion
from tests.conftest import ChatDriver
from tests.test_aibot import BOT, bot, bot_runtime, client, in_group  # noqa: F401  (fixtures)
from tests.test_publishing import approved_draft
from tests.test_review import events
from tests.wecom_sim import AiBotSimulator, aibot_say


@pytest.mark.parametrize(("text", "expected"), [
    ("刊发 #1 韶关日报 https://www.sgrb.com/a/1.html @张三\u2005", "已登记稿件 #1 在韶关日报"),
    ("积分 @张三\u2005", "2026年"),
    ("排行 2026 @张三\u2005@赵六\u2005", "2026年"),
    ("统计 @所有人\u2005", "2026年5月：投稿"),
    ("稿件 @张三", "我的稿件"),
    ("学习 @所有人", "学习内容"),
])
def test_a_member_mentioned_after_a_command_in_the_group_is_no_part_of_it(
        text: str, expected: str, client: TestClient, bot: AiBotSimulator,  # noqa: F811
        bot_runtime: Runtime) -> None:  # noqa: F811
    """In the group, people @ the colleague a message is for: 李四 records 张三's article with
    「@审稿机器人 刊发 #1 韶关日报 https://… @张三」, 张三 asks 「@审稿机器人 积分 @张三」 as WeCom's mention list
    offers it. The bot refused every one of them (「「@张三」无法识别」, 「时间应写成 2026…不是「@张三」」), and
    the group had to learn to send each without the mention. Expected: a mention at the end of the command line is
    no argument (as 「送审 #1 @王五」 already is), and the command runs."""
    chat = ChatDriver(bot_runtime)
    approved_draft(chat)
    sender = "lisi" if text.startswith("刊发") else "zhangsan"
    reply = aibot_say(client, bot, bot.text(sender, f"@{BOT} {text}"))
    assert expected in reply and "无法识别" not in reply and "不是「" not in reply and "用法" not in reply, reply


def test_a_comment_keeps_a_mention_inside_it(client: TestClient, bot: AiBotSimulator,  # noqa: F811
                                             bot_runtime: Runtime) -> None:  # noqa: F811
    """The mention inside a 退回's reason is part of what the approver wrote; only the trailing ones go."""
    chat = ChatDriver(bot_runtime)
    chat.as_member("zhangsan").says("投稿 标题\n今天上午，活动在坪石镇举行。")
    chat.as_member("lisi").says("送审 #1")
    reply = aibot_say(client, bot, bot.text("wangwu", f"@{BOT} 退回 #1 请@张三 核实第二段数据 @李四\u2005"))
    assert "已将稿件 #1 退回" in reply, reply
    assert events(chat)[-1][3] == "请@张三 核实第二段数据"


def test_more_in_the_group_after_a_colleagues_long_reply_says_whose_it_is(chat: ChatDriver) -> None:
    """钱主任 asks 「帮助」 in the group; its first page ends 「发送「更多」看下一页」 for all to read. 张三 sends
    「@审稿机器人 更多」 as told and is answered 「没有更多内容了。长回复的后续页面保留 24 小时，请重新发送原来的
    命令」: there are more pages, they are minutes old, and 张三 sent no command to resend. Expected: he is told
    「更多」 goes on with his own replies only, whose reply that was, and the command to send for his own."""
    first = in_group(chat, "admin", "帮助")
    assert "发送「更多」看下一页" in first
    reply = in_group(chat, "zhangsan", "更多")
    assert "钱主任" in reply and "请发送「帮助」" in reply and "保留 24 小时" not in reply, reply
    assert "（续「帮助」）" in in_group(chat, "admin", "更多")  # the admin's own pages are still his


def test_a_photo_of_the_printed_page_with_published_is_not_called_a_drafts_picture(chat: ChatDriver) -> None:
    """李四 records 张三's article in the group with a 图文 message: 「刊发 #1 韶关日报 第3版」 and a photo of the
    page. The reply opens 「图片没有保存。配图请插入 Word 文档（.docx），随稿件发给我，投递时会一并发给媒体。」 — advice
    for a draft's pictures, which tells the group the page photo would go to the outlets. Expected: only that the
    photo was not kept (the text was read); the Word-file advice is for 投稿, 续稿 and 修改."""
    approved_draft(chat)
    reply = chat.runtime.commands.handle(Incoming("aibot", "lisi", "mixed:1", text="刊发 #1 韶关日报 第3版",
                                                  chat_type="group", chat_id="wrkgroup", images=1)).text
    assert "已登记稿件 #1 在韶关日报" in reply and "图片没有保存" in reply, reply
    assert "配图" not in reply and "投递时" not in reply, reply


@pytest.mark.parametrize("line", ["投稿《乐昌开展防汛演练》今天上午，全市开展防汛演练。来源 @乐昌发布",
                                  "投稿 标题：乐昌开展防汛演练 正文：今天上午，全市开展防汛演练。 @乐昌发布"])
def test_a_one_line_draft_in_the_group_keeps_its_last_word(line: str, client: TestClient, bot: AiBotSimulator,  # noqa: F811
                                                           bot_runtime: Runtime) -> None:  # noqa: F811
    """张三 sends a one-line draft in the group whose article ends crediting 「@乐昌发布」 (a WeChat account): the
    trailing-mention rule took it for a colleague mentioned and cut it from the article. Expected: the line of an
    article (投稿, 续稿, 修改) loses nothing at its end."""
    assert "已收到投稿 #1" in aibot_say(client, bot, bot.text("zhangsan", f"@{BOT} {line}"))
    with bot_runtime.sessions.begin() as session:
        assert session.scalars(select(DraftVersion.text)).one().endswith("@乐昌发布")
