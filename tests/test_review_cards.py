"""The deputy director approving on a phone (层层把关): the review card's 批准/退回 buttons, clicked late, twice,
on an old card, or by one who is no approver any more. Each test: what a user does, what happened, what should."""

from __future__ import annotations

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
