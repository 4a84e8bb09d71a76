"""The deputy director approving on a phone (层层把关): the review card's 批准/退回 buttons, clicked late, twice,
on an old card, or by one who is no approver any more. Each test: what a user does, what happened, what should."""

from __future__ import annotations

import pytest

from bot.domain import review
from models import Draft, DraftState
from tests.conftest import ChatDriver
from tests.test_today_review import LONG


def card_keys(chat: ChatDriver, userid: str) -> list[list[str]]:
    """The button keys of every review card `userid` got, oldest first: [approve, return] each."""
    return [[b["key"] for b in row.payload["template_card"]["button_list"]] for row in chat.outbox()
            if row.recipient == userid and "template_card" in row.payload]


def state(chat: ChatDriver, number: int = 1) -> str:
    with chat.runtime.sessions.begin() as session:
        draft = session.get(Draft, number)
        assert draft is not None
        return str(draft.state)


def test_the_reason_typed_after_the_return_button_is_not_lost(chat: ChatDriver) -> None:
    """The deputy director taps 退回 on the card; the bot answers 「请回复「退回 #1 原因」…」. On the phone he types
    the reason alone, 「标题需要更具体」, as one answers a question. The bot said 「未能识别「标题需要更具体」。发送
    「帮助」查看可用命令。」: nothing about the draft waiting for him or how to send that reason. It should give the
    command with his words in it, ready to send: 「退回 #1 标题需要更具体」."""
    chat.as_member("zhangsan").says("投稿 乐昌开展地灾演练\n" + LONG)
    chat.as_member("lisi").says("送审 #1")
    assert "请回复「退回 #1 原因」" in chat.click("wangwu", card_keys(chat, "wangwu")[-1][1])
    reply = chat.as_member("wangwu").says("标题需要更具体")
    assert "「退回 #1 标题需要更具体」" in reply, reply
    assert state(chat) == DraftState.pending  # a hint: nothing is returned on a guess


def test_the_return_button_of_an_old_card_says_the_draft_changed(chat: ChatDriver) -> None:
    """王五 got the card of v1, and 周七 returned it; the author rewrote it (v2) and the editor sent it again. 王五,
    reading the first card, taps its 退回: the bot asked for 「退回 #1 原因」 as if the card were current, and his
    reason, about v1's text, went back to the author on a v2 he never read. The 批准 of that card says 「这张卡片是
    旧版本」; its 退回 should say so too, naming v2."""
    chat.as_member("zhangsan").says("投稿 乐昌开展地灾演练\n" + LONG)
    chat.as_member("lisi").says("送审 #1")
    [_, old_return] = card_keys(chat, "wangwu")[-1]
    chat.as_member("zhouqi").says("退回 #1 请补充参加人数")
    chat.as_member("zhangsan").says("修改 #1\n" + LONG + "共 200 人参加。")
    chat.as_member("lisi").says("送审 #1")
    reply = chat.click("wangwu", old_return)
    assert "旧版本" in reply and "v2" in reply, reply
    [_, new_return] = card_keys(chat, "wangwu")[-1]
    assert "旧版本" not in chat.click("wangwu", new_return)


def test_a_former_approver_clicking_an_old_card_is_not_told_the_draft_waits(chat: ChatDriver) -> None:
    """周七 is no approver any more (成员 角色 zhouqi 无); the draft on his old card was withdrawn meanwhile. He taps
    批准: the bot said 「稿件 #1 正在等审核人审核，只有审核人可以批准」 — untrue, nothing waits. It should say the
    draft is withdrawn, as it tells anyone else."""
    chat.as_member("zhangsan").says("投稿 乐昌开展地灾演练\n" + LONG)
    chat.as_member("lisi").says("送审 #1")
    [approve, _] = card_keys(chat, "zhouqi")[-1]
    chat.as_member("admin").says("成员 角色 zhouqi 无")
    chat.as_member("zhangsan").says("撤回 #1")
    reply = chat.click("zhouqi", approve)
    assert "正在等审核人审核" not in reply and "已撤回" in reply, reply


def test_a_card_click_that_fails_is_told_by_message_too(chat: ChatDriver, monkeypatch: pytest.MonkeyPatch) -> None:
    """王五 taps 批准 and the bot fails inside (a bug, the database gone a moment): the apology went as the click's
    passive reply, which WeCom documents no way to show, so he saw nothing and thought it approved. Expected: the
    apology comes as a message, as every other answer to a card's button, and nothing is approved."""
    chat.as_member("zhangsan").says("投稿 乐昌开展地灾演练\n" + LONG)
    chat.as_member("lisi").says("送审 #1")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(review, "approve", broken)
    assert chat.click("wangwu", card_keys(chat, "wangwu")[-1][0]) == ""  # no answer under the success's key
    told = [m.payload["text"]["content"] for m in chat.outbox()
            if m.recipient == "wangwu" and m.dedupe_key.startswith("card:")]
    assert told == ["抱歉，处理这条消息时出错了，没有做任何修改。请稍后再试；如果一直出错，请联系管理员。"]
    assert state(chat) == DraftState.pending
