"""The work group (工作群) as the office lives in it — the AI bot in the group and the bot's posts there."""

from __future__ import annotations

import re

from bot.runtime import Runtime
from models import DraftState
from tests.conftest import ChatDriver, FrozenClock
from tests.fake_wecom import FakeWeCom
from tests.test_aibot import draft_state, in_group, live_bot  # noqa: F401  (live_bot: a fixture)
from tests.test_calendar import group_messages
from tests.test_delivery import drain
from tests.test_publishing import approved_draft

NOTICE_1 = "稿件 #1 已送审，已通知审核人：王五、周七。"


def test_a_quoted_drafts_notice_loses_to_a_count_typed_in_the_comment(chat: ChatDriver) -> None:
    """周七 quotes 「稿件 #1 已送审」 in the group and writes 「退回 2 处数据不对」 (two figures are wrong). The bot
    returns draft #2 — which nobody named — with the comment 「处数据不对」, and #1 stays pending. The quote names
    #1, the words name no draft: like 「退回 3号稿的数据不对」 (refused as a clash), nothing should be returned to
    the wrong author."""
    for title in ("甲稿", "乙稿"):
        chat.as_member("zhangsan").says(f"投稿 {title}\n今天上午，{title}的活动在坪石镇举行。")
    chat.as_member("lisi").says("送审 #1")
    chat.as_member("zhaoliu").says("送审 #2")
    reply = in_group(chat, "zhouqi", "退回 2 处数据不对，请核实", quoted=NOTICE_1)
    assert draft_state(chat.runtime, 2) == DraftState.pending, reply
    assert "#1" in reply, reply


def test_a_link_quoting_a_feedback_post_is_steered_to_another_draft(chat: ChatDriver) -> None:
    """南方网 reprints #1. 张三 quotes the group's 用稿反馈 of #1 and pastes the reprint's link. The bot ignores
    the quote and offers only #2 as 「可登记的稿件」 — the reply to copy registers the reprint for the wrong
    article (points and 用稿反馈 for #2). Expected: the draft the quoted post is about (its title is in it)."""
    approved_draft(chat, "乐昌开展世界地球日宣传")
    approved_draft(chat, "乐昌开展防灾减灾日宣传")
    in_group(chat, "zhangsan", "刊发 #1 韶关日报 https://www.sgrb.com/a/1.html")
    feedback = group_messages(chat.runtime)[-1].payload["markdown"]["content"]
    assert "乐昌开展世界地球日宣传" in feedback
    reply = in_group(chat, "zhangsan", "https://news.southcn.com/a/2.html", quoted=feedback)
    assert "#1" in reply, reply


def test_published_quoting_a_feedback_post_does_not_say_which_number(chat: ChatDriver) -> None:
    """张三 quotes the 用稿反馈 of his article in the group and writes 「刊发 南方网 https://…」 for its reprint. The
    post carries no draft number, and the bot answers 「请写稿件编号，例如：刊发 #12」: which number, nobody in
    the group can tell from the post. Expected: the quoted post's draft is used (as a quoted notice's #N is), or
    at least the reply names its number."""
    approved_draft(chat, "乐昌开展世界地球日宣传")
    in_group(chat, "zhangsan", "刊发 #1 韶关日报 https://www.sgrb.com/a/1.html")
    feedback = group_messages(chat.runtime)[-1].payload["markdown"]["content"]
    reply = in_group(chat, "zhangsan", "刊发 南方网 https://news.southcn.com/a/2.html", quoted=feedback)
    assert re.search(r"#1(?![0-9])", reply), reply


def test_a_failed_file_asked_for_in_the_group_tells_the_group_who_lost_a_role(
        live_bot: Runtime, fake_wecom: FakeWeCom, clock: FrozenClock) -> None:  # noqa: F811
    """李四 (editor) asks for 「审批表 #1」 in the group; the file is to come 1:1. Before it is built, the admin
    takes his editor role away (1:1). The failure notice goes back into the work group and reads 「…原因：lisi
    要文件之后已停用或不再有相应角色，文件没有发出。」: a userid and a personnel change, office business the
    engine refuses to show the group (「成员」 is refused there, strangers' userids are hidden). Expected: the
    notice about a private file goes 1:1, or says nothing internal in the group."""
    from bot.messages import Incoming

    chat = ChatDriver(live_bot)
    chat.as_member("zhangsan").says("投稿 甲稿\n今天上午，甲稿的活动在坪石镇举行。")
    asked = live_bot.commands.handle(Incoming(
        "aibot", "lisi", "aibot:form-1", text="审批表 #1", chat_type="group", chat_id="CHATID",
        response_url=f"{fake_wecom.base_url}/cgi-bin/aibot/response?response_code=FORM1")).text
    assert "审批表" in asked, asked
    assert "已" in chat.as_member("admin").says("成员 角色 lisi 通讯员")
    drain(live_bot)
    told_group = [c.body["markdown"]["content"] for c in fake_wecom.of("aibot/response", accepted_only=True)
                  if c.body]
    told_group += [str(c.body) for c in fake_wecom.of("appchat/send") + fake_wecom.of("webhook/send") if c.body]
    assert not any("lisi" in text or "角色" in text for text in told_group), told_group
    told_lisi = [c.body["text"]["content"] for c in fake_wecom.of("message/send", accepted_only=True)
                 if c.body and c.body.get("touser") == "lisi"]
    assert any("您要的文件未能发出" in text for text in told_lisi), told_lisi  # 1:1, where the file was to go


def test_approve_naming_a_title_quoting_another_drafts_notice_approves_the_quoted_one(chat: ChatDriver) -> None:
    """#1《甲稿》 and #3《丙稿》 wait. 王五 scrolls the group, quotes 「稿件 #1 已送审」 and writes 「批准《丙稿》」.
    The bot approves #1《甲稿》 — the draft he did not name — and tells its author and editor to send it.
    「批准 3号稿件」 quoting #1 is refused as a clash (tests/test_aibot.py); a title in 《》 is how the office names
    an article, and should be read the same way: nothing approved, the clash named."""
    for title in ("甲稿", "乙稿", "丙稿"):
        chat.as_member("zhangsan").says(f"投稿 {title}\n今天上午，{title}的活动在坪石镇举行。")
    chat.as_member("lisi").says("送审 #1")
    chat.as_member("lisi").says("送审 #3")
    reply = in_group(chat, "wangwu", "批准《丙稿》", quoted=NOTICE_1)
    assert draft_state(chat.runtime, 1) == DraftState.pending, reply


def test_one_line_append_quoting_the_drafts_receipt_is_refused(chat: ChatDriver) -> None:
    """张三 quotes the bot's 「已收到投稿 #1《甲稿》」 in the group and sends the phone form the help teaches,
    「续稿：下一段正文。」, leaving the number to the quote as for any other command. The colon is dropped before
    the quoted #1 is put in, and the bot refuses: 「「续稿 #1」这一行只写编号…」 — the one-line form it then
    asks for is what he sent. Expected: appended to #1 (as 「续稿 #1：下一段正文。」 would be)."""
    chat.as_member("zhangsan").says("投稿 甲稿\n今天上午，甲稿的活动在坪石镇举行。")
    reply = in_group(chat, "zhangsan", "续稿：下午，参加活动的干部又到田间查看了苗情。",
                     quoted="已收到投稿 #1《甲稿》，25 字。")
    assert reply.startswith("已追加到稿件 #1"), reply
