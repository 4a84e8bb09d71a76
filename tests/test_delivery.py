"""Real delivery to a fake WeCom API: the client, the transports and the retry policy by errcode."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select, update

from bot import outbox
from bot.app import create_app
from bot.config import Settings
from bot.runtime import MEMBER_LIMITS, Runtime
from bot.wecom.client import TokenStore, WeComClient
from bot.wecom.transports import SendWindowLimit
from models import Draft, Member, OutboxMessage, OutboxState
from tests.conftest import ChatDriver, FrozenClock
from tests.fake_wecom import AGENT_ID, CORP_ID, SECRET, WEBHOOK_KEY, FakeWeCom
from tests.wecom_sim import WeComSimulator, say


def queue_texts(runtime: Runtime, *items: tuple[str, str]) -> None:
    with runtime.sessions.begin() as session:
        for n, (userid, content) in enumerate(items):
            outbox.enqueue(session, channel=outbox.APP, recipient=userid, payload=outbox.text(content),
                           dedupe_key=f"test:{n}:{content}", now=runtime.clock())


def rows(runtime: Runtime) -> list[OutboxMessage]:
    with runtime.sessions.begin() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def drain(runtime: Runtime) -> None:
    dispatcher = runtime.dispatcher()
    while dispatcher.run_once():
        pass


def sent_texts(fake: FakeWeCom) -> list[tuple[str, str]]:
    """What WeCom accepted, in order."""
    return [(c.body["touser"], c.body["text"]["content"]) for c in fake.of("message/send", accepted_only=True)
            if c.body]


def test_an_app_message_is_a_message_send_with_agentid_and_duplicate_check(live: Runtime,
                                                                           fake_wecom: FakeWeCom) -> None:
    queue_texts(live, ("lisi", "你好"))
    drain(live)
    [call] = fake_wecom.of("message/send")
    assert call.body == {"msgtype": "text", "text": {"content": "你好"}, "touser": "lisi", "agentid": AGENT_ID,
                         "enable_duplicate_check": 1, "duplicate_check_interval": 1800}
    assert call.params["access_token"].startswith("tok-")
    assert [r.state for r in rows(live)] == [OutboxState.sent]


def test_the_same_words_again_are_numbered_so_wecom_delivers_them(live: Runtime, fake_wecom: FakeWeCom,
                                                                  clock: FrozenClock) -> None:
    """WeCom drops a message identical to one the member got in the last 30 minutes. A second notice of the same
    words (投递 failing again) is numbered and arrives; a row sent again after a crash is still dropped."""
    fake_wecom.clock = clock.timestamp
    for _ in range(3):
        with live.sessions.begin() as session:
            outbox.notify(session, ["lisi"], "稿件 #1 投递南方网失败", f"fail:{len(rows(live))}", clock())
        drain(live)
        clock.advance(minutes=5)
    assert [body["text"]["content"] for _, body in fake_wecom.delivered["lisi"]] == [
        "稿件 #1 投递南方网失败", "稿件 #1 投递南方网失败\n（第2次通知）", "稿件 #1 投递南方网失败\n（第3次通知）"]
    with live.sessions.begin() as session:  # the dispatcher died after WeCom took the last one: it goes again
        session.execute(update(OutboxMessage).where(OutboxMessage.id == rows(live)[-1].id)
                        .values(state=OutboxState.pending))
    drain(live)
    assert len(fake_wecom.delivered["lisi"]) == 3 and len(fake_wecom.dropped) == 1
    clock.advance(minutes=31)  # past WeCom's interval the words are new again
    with live.sessions.begin() as session:
        outbox.notify(session, ["lisi"], "稿件 #1 投递南方网失败", "fail:later", clock())
    drain(live)
    assert fake_wecom.delivered["lisi"][-1][1]["text"]["content"] == "稿件 #1 投递南方网失败"


def test_a_repeat_queued_during_a_long_outage_still_arrives(live: Runtime, fake_wecom: FakeWeCom,
                                                            clock: FrozenClock) -> None:
    """WeCom counts its 30 minutes from the send: a notice still waiting in the queue counts, however old."""
    fake_wecom.clock = clock.timestamp
    fake_wecom.down()
    for n in range(2):  # 35 minutes apart, both queued while WeCom is away
        with live.sessions.begin() as session:
            outbox.notify(session, ["lisi"], "稿件 #1 投递南方网失败", f"fail:{n}", clock())
        drain(live)
        clock.advance(minutes=35)
    fake_wecom.up()
    for _ in range(6):
        clock.advance(minutes=20)
        drain(live)
    assert len(fake_wecom.delivered["lisi"]) == 2 and fake_wecom.dropped == []


def test_late_answers_falling_back_to_app_messages_are_numbered_too(live: Runtime, fake_wecom: FakeWeCom,
                                                                    clock: FrozenClock) -> None:
    """Two files that could not be read, answered after their response_urls expired: both go as app messages."""
    fake_wecom.clock = clock.timestamp
    gone = {"response_url": "http://127.0.0.1:9/expired", "expires_at": (clock() - timedelta(minutes=1)).isoformat(),
            "group": False}
    with live.sessions.begin() as session:
        for n in (1, 2):
            outbox.reply(session, "lisi", gone, "抱歉，您发来的文件暂时无法读取。", f"unreadable:{n}", clock())
    drain(live)
    assert len(fake_wecom.delivered["lisi"]) == 2 and fake_wecom.dropped == []


def test_words_that_spell_like_wildcards_are_compared_as_written(live: Runtime) -> None:
    """The stored JSON is searched with LIKE: %, _, / and escapes in the words match only themselves."""
    words = '进度 50%_完成/「引号"」\\n第二行\n第三行'
    for n, content in enumerate((words, "进度 50X完成", words)):
        with live.sessions.begin() as session:
            outbox.notify(session, ["lisi"], content, f"wild:{n}", live.clock())
    assert [r.payload["text"]["content"] for r in rows(live)] == [words, "进度 50X完成", words + "\n（第2次通知）"]


def test_q10_wecom_down_then_back_delivers_everything_once_in_order(live: Runtime, fake_wecom: FakeWeCom,
                                                                     clock: FrozenClock) -> None:
    queue_texts(live, *[("lisi", f"第{n}条") for n in range(5)], ("zhaoliu", "另一位"))
    drain(live)  # first the token: fine; then make the API fail in every way it can
    fake_wecom.down()
    queue_texts(live, *[("lisi", f"停机中{n}") for n in range(3)])
    drain(live)  # refused connections
    assert {r.state for r in rows(live)[6:]} == {OutboxState.pending}
    fake_wecom.up()
    fake_wecom.fail("message/send", "http502", -1, "hang")
    for _ in range(4):
        clock.advance(minutes=30)
        drain(live)
    assert {r.state for r in rows(live)} == {OutboxState.sent}
    delivered = [text for to, text in sent_texts(fake_wecom) if to == "lisi"]
    assert delivered == [f"第{n}条" for n in range(5)] + [f"停机中{n}" for n in range(3)]


def test_q11_token_expiry_mid_run_costs_one_refresh(live: Runtime, fake_wecom: FakeWeCom) -> None:
    queue_texts(live, ("lisi", "一"))
    drain(live)
    fake_wecom.expire_tokens()  # WeCom revoked it early: the next call gets 42001
    queue_texts(live, ("lisi", "二"), ("lisi", "三"))
    drain(live)
    assert len(fake_wecom.of("gettoken")) == 2
    assert [text for _, text in sent_texts(fake_wecom)] == ["一", "二", "三"]


def test_q13_fifty_concurrent_sends_without_a_token_fetch_it_once(live: Runtime, fake_wecom: FakeWeCom,
                                                                  clock: FrozenClock) -> None:
    clients = [WeComClient(fake_wecom.base_url, CORP_ID, SECRET, AGENT_ID,
                           TokenStore(live.sessions, "shared", clock), timeout=5) for _ in range(5)]
    barrier = threading.Barrier(50)

    def send(n: int) -> None:
        barrier.wait()
        clients[n % 5].send_message(["lisi"], outbox.text(f"并发{n}"))

    threads = [threading.Thread(target=send, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(fake_wecom.of("gettoken")) == 1
    assert len(fake_wecom.of("message/send")) == 50
    for client in clients:
        client.close()


@pytest.mark.parametrize("errcode", [40014, 42001])
def test_q11_a_token_error_refreshes_the_token_once_and_retries(errcode: int, live: Runtime,
                                                                fake_wecom: FakeWeCom) -> None:
    queue_texts(live, ("lisi", "一"))
    drain(live)
    fake_wecom.fail("message/send", errcode)
    queue_texts(live, ("lisi", "二"))
    drain(live)
    assert len(fake_wecom.of("gettoken")) == 2
    assert [text for _, text in sent_texts(fake_wecom)] == ["一", "二"]
    assert rows(live)[1].state == OutboxState.sent and rows(live)[1].attempts == 1


@pytest.mark.parametrize("errcode", [45009, 45033, 130101])
def test_q11_rate_limit_waits_at_least_a_minute(errcode: int, live: Runtime, fake_wecom: FakeWeCom,
                                                    clock: FrozenClock) -> None:
    fake_wecom.fail("message/send", errcode)
    queue_texts(live, ("lisi", "限频"))
    drain(live)
    [row] = rows(live)
    assert row.state == OutboxState.pending and row.next_attempt_at - clock() >= timedelta(seconds=60)


def test_q11_a_rate_limited_gettoken_waits_a_minute_and_is_not_called_bad_credentials(
        live: Runtime, fake_wecom: FakeWeCom, clock: FrozenClock) -> None:
    fake_wecom.fail("gettoken", 45009)
    queue_texts(live, ("lisi", "限频"))
    drain(live)
    [row] = rows(live)
    assert row.state == OutboxState.pending and row.next_attempt_at - clock() >= timedelta(seconds=60)
    assert "NEWSBOT_WECOM_SECRET" not in (row.last_error or "") and "45009" in (row.last_error or "")
    clock.advance(minutes=2)
    drain(live)
    assert [text for _, text in sent_texts(fake_wecom)] == ["限频"]


def test_q11_an_untrusted_ip_keeps_every_message_until_it_is_fixed(live: Runtime, fake_wecom: FakeWeCom,
                                                                   clock: FrozenClock,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    """A configuration problem, as wrong credentials are: its dead letter's alarm to the admins was refused alike
    (the same IP), and every notice queued meanwhile was lost until someone ran `newsbot outbox retry`."""
    fake_wecom.fail("message/send", 60020)
    fake_wecom.fail("message/send", 60020)
    queue_texts(live, ("lisi", "IP 不在白名单"))
    drain(live)
    [row] = rows(live)
    assert row.state == OutboxState.pending and row.attempts == 0
    assert "企业可信IP" in (row.last_error or "") and "固定 IP 的代理" in (row.last_error or "")
    assert "企业可信IP" in caplog.text  # said where the admin looks while WeCom itself refuses
    clock.advance(minutes=11)
    drain(live)
    assert rows(live)[0].state == OutboxState.pending
    clock.advance(minutes=11)  # the IP is trusted now
    drain(live)
    assert rows(live)[0].state == OutboxState.sent and [t for _, t in sent_texts(fake_wecom)] == ["IP 不在白名单"]


@pytest.mark.parametrize(("errcode", "setting"), [(81013, "可见范围"), (86003, "NEWSBOT_GROUP_CHAT_ID"),
                                                  (93000, "NEWSBOT_GROUP_WEBHOOK_KEY")])
def test_q11_a_refusal_tells_the_admins_what_to_fix(errcode: int, setting: str, live: Runtime,
                                                    fake_wecom: FakeWeCom) -> None:
    fake_wecom.fail("message/send", errcode)
    queue_texts(live, ("lisi", "拒收"))
    drain(live)
    dead, notice = rows(live)
    assert dead.state == OutboxState.dead and setting in (dead.last_error or "")
    assert notice.recipient == "admin" and setting in notice.payload["text"]["content"]
    assert "newsbot outbox retry 1" in notice.payload["text"]["content"]


def test_q11_no_valid_recipient_is_a_dead_letter_listed_by_newsbot_outbox(live: Runtime, wecom_settings: Settings,
                                                                          fake_wecom: FakeWeCom,
                                                                          tmp_path: Path) -> None:
    fake_wecom.invalid_users.add("ghost")
    queue_texts(live, ("ghost", "查无此人"))
    drain(live)
    assert rows(live)[0].state == OutboxState.dead and "81013" in (rows(live)[0].last_error or "")
    listed = {m["recipient"]: m for m in json.loads(cli(wecom_settings, tmp_path, "outbox", "list", "--json").stdout)}
    assert listed["ghost"]["state"] == "dead" and "81013" in listed["ghost"]["last_error"]
    assert listed["admin"]["dedupe_key"].startswith("deadletter:")  # and the admins were told


def test_a_notice_to_a_member_who_left_is_no_alarm_for_the_admins(live: Runtime, fake_wecom: FakeWeCom) -> None:
    """The approval of a draft whose author left goes to a userid WeCom refuses: a dead letter, but no news."""
    with live.sessions.begin() as session:
        session.execute(update(Member).where(Member.userid == "zhangsan").values(active=False))
    fake_wecom.invalid_users.add("zhangsan")
    queue_texts(live, ("zhangsan", "您的稿件已批准"))
    drain(live)
    assert [(r.recipient, r.state) for r in rows(live)] == [("zhangsan", OutboxState.dead)]


def test_q19_1500_recipients_cost_two_message_send_calls(live: Runtime, fake_wecom: FakeWeCom) -> None:
    userids = [f"user{n:04d}" for n in range(1500)]
    with live.sessions.begin() as session:
        outbox.broadcast(session, userids, "学习提醒", "study:2026-05", live.clock())
    drain(live)
    calls = fake_wecom.of("message/send")
    assert len(calls) == 2
    assert [len(c.body["touser"].split("|")) for c in calls if c.body] == [1000, 500]
    assert rows(live)[0].recipient == "1500 人"


def test_recipients_wecom_called_invalid_are_logged(live: Runtime, fake_wecom: FakeWeCom,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    """WeCom answers ok and drops them (out of the app's visible range): the log is where an admin sees it."""
    fake_wecom.invalid_users.add("user0001")
    with live.sessions.begin() as session:
        outbox.broadcast(session, ["user0000", "user0001"], "学习提醒", "study:2026-05", live.clock())
    with caplog.at_level("WARNING", logger="bot.wecom.transports"):
        drain(live)
    assert rows(live)[0].state == OutboxState.sent
    assert "WeCom called these userids invalid: user0001" in caplog.text


def test_cards_go_out_with_a_unique_task_id_and_without_the_local_fallback(live: Runtime,
                                                                          fake_wecom: FakeWeCom) -> None:
    card = {"card_type": "button_interaction", "task_id": "d1v1-abc", "main_title": {"title": "待审核"}}
    with live.sessions.begin() as session:
        outbox.notify(session, ["wangwu", "zhouqi"], outbox.template_card(card, "回复「批准 #1」"), "card",
                      live.clock())
    drain(live)
    bodies = [c.body for c in fake_wecom.of("message/send") if c.body]
    assert [b["template_card"]["task_id"] for b in bodies] == ["d1v1-abc-1", "d1v1-abc-2"]
    assert all("fallback" not in b for b in bodies)


def test_q11_a_hanging_api_times_out_and_is_retried(live: Runtime, fake_wecom: FakeWeCom, clock: FrozenClock) -> None:
    queue_texts(live, ("lisi", "一"))
    drain(live)
    fake_wecom.fail("message/send", "hang")
    queue_texts(live, ("lisi", "二"))
    drain(live)
    assert rows(live)[1].state == OutboxState.pending and "Timeout" in (rows(live)[1].last_error or "")
    clock.advance(minutes=1)
    drain(live)
    assert rows(live)[1].state == OutboxState.sent


def group_runtime(settings: Settings, clock: FrozenClock, **update: object) -> Runtime:
    return Runtime.build(settings.model_copy(update=update), clock=clock)


def test_q14_group_robot_never_sends_more_than_20_a_minute(wecom_settings: Settings, fake_wecom: FakeWeCom,
                                                           clock: FrozenClock) -> None:
    runtime = group_runtime(wecom_settings, clock, group_channel="webhook",
                            group_webhook_key=SecretStr(WEBHOOK_KEY))
    with runtime.sessions.begin() as session:
        for n in range(25):
            outbox.enqueue(session, channel=outbox.GROUP, recipient="", payload=outbox.text(f"用稿反馈{n}"),
                           dedupe_key=f"feedback:{n}", now=clock())
    drain(runtime)
    assert len(fake_wecom.of("webhook/send", accepted_only=True)) == 20
    waiting = [r for r in rows(runtime) if r.state == OutboxState.pending]
    assert len(waiting) == 5  # the first waits for the window; the others wait in line behind it
    assert waiting[0].next_attempt_at > clock() + timedelta(seconds=55)
    assert waiting[0].attempts == 0  # waiting for the rate limit is no failed attempt
    clock.advance(seconds=30)
    drain(runtime)
    assert len(fake_wecom.of("webhook/send")) == 20
    clock.advance(seconds=35)
    drain(runtime)
    accepted = fake_wecom.of("webhook/send", accepted_only=True)
    assert [c.body["text"]["content"] for c in accepted if c.body] == [f"用稿反馈{n}" for n in range(25)]
    assert all(c.params["key"] == WEBHOOK_KEY for c in accepted)
    runtime.close()


def test_q14_the_robots_minute_is_any_60_seconds_not_the_clocks(wecom_settings: Settings, fake_wecom: FakeWeCom,
                                                                clock: FrozenClock) -> None:
    """20 sent at 10:00:50 hold the next back until 10:01:50, though 10:01 is a new minute on the clock."""
    runtime = group_runtime(wecom_settings, clock, group_channel="webhook",
                            group_webhook_key=SecretStr(WEBHOOK_KEY))

    def queue(numbers: range) -> None:
        with runtime.sessions.begin() as session:
            for n in numbers:
                outbox.enqueue(session, channel=outbox.GROUP, recipient="", payload=outbox.text(f"用稿反馈{n}"),
                               dedupe_key=f"feedback:{n}", now=clock())

    clock.advance(seconds=50)
    queue(range(20))
    drain(runtime)
    clock.advance(seconds=15)
    queue(range(20, 25))
    drain(runtime)
    assert len(fake_wecom.of("webhook/send")) == 20
    clock.advance(seconds=46)
    drain(runtime)
    assert len(fake_wecom.of("webhook/send", accepted_only=True)) == 25
    runtime.close()


def test_a_member_is_never_sent_more_than_wecom_delivers(live: Runtime, fake_wecom: FakeWeCom,
                                                         clock: FrozenClock) -> None:
    """WeCom drops what an app sends a member beyond 30 a minute: the 31st waits instead of being lost."""
    fake_wecom.clock = clock.timestamp
    queue_texts(live, *[("lisi", f"通知{n}") for n in range(35)], ("zhangsan", "另一位成员的通知"))
    drain(live)
    assert len(fake_wecom.delivered["lisi"]) == 30
    assert len(fake_wecom.delivered["zhangsan"]) == 1  # one member's limit holds up no one else
    waiting = [r for r in rows(live) if r.state == OutboxState.pending]
    assert len(waiting) == 5
    assert waiting[0].next_attempt_at > clock() + timedelta(seconds=55)
    assert waiting[0].attempts == 0  # waiting for the limit is no failed attempt
    clock.advance(seconds=62)
    drain(live)
    assert [body["text"]["content"] for _, body in fake_wecom.delivered["lisi"]] == [f"通知{n}" for n in range(35)]
    assert fake_wecom.dropped == []


def test_a_broadcast_waits_until_every_recipient_has_room(live: Runtime, fake_wecom: FakeWeCom,
                                                         clock: FrozenClock) -> None:
    fake_wecom.clock = clock.timestamp
    queue_texts(live, *[("lisi", f"通知{n}") for n in range(30)])
    drain(live)
    with live.sessions.begin() as session:
        outbox.broadcast(session, ["zhangsan", "lisi"], "本月学习提醒", "study:2026-05", clock())
    drain(live)
    assert fake_wecom.delivered["zhangsan"] == []  # lisi has had 30 this minute
    clock.advance(seconds=62)
    drain(live)
    assert [body["text"]["content"] for _, body in fake_wecom.delivered["zhangsan"]] == ["本月学习提醒"]
    assert len(fake_wecom.delivered["lisi"]) == 31
    assert fake_wecom.dropped == []


def test_the_member_limit_also_holds_1000_an_hour_and_takes_all_slots_or_none(live: Runtime,
                                                                            clock: FrozenClock) -> None:
    windows = SendWindowLimit(live.sessions, MEMBER_LIMITS, clock)
    start, sent = clock(), 0
    while sent < 1000:  # 30 a minute, as fast as the minute limit allows
        if windows.take(["member:lisi"]) is None:
            sent += 1
        else:
            clock.advance(seconds=61)
    assert clock() < start + timedelta(minutes=40)
    wait = windows.take(["member:zhangsan", "member:lisi"])
    assert wait is not None and clock() + wait == start + timedelta(hours=1, seconds=1)
    assert all(windows.take(["member:zhangsan"]) is None for _ in range(30))  # none of its slots was taken
    clock.advance(seconds=wait.total_seconds())
    assert windows.take(["member:lisi"]) is None


def test_group_chat_created_by_the_app(wecom_settings: Settings, fake_wecom: FakeWeCom, clock: FrozenClock,
                                       tmp_path: Path) -> None:
    result = cli(wecom_settings, tmp_path, "group", "create", "宣传工作群", "admin", "lisi", "zhangsan")
    assert result.returncode == 0, result.stderr
    chat_id = result.stdout.strip()
    assert fake_wecom.chats[chat_id]["userlist"] == ["admin", "lisi", "zhangsan"]
    assert "NEWSBOT_GROUP_CHAT_ID=" in result.stderr
    runtime = group_runtime(wecom_settings, clock, group_channel="appchat", group_chat_id=chat_id)
    with runtime.sessions.begin() as session:
        outbox.enqueue(session, channel=outbox.GROUP, recipient="", payload=outbox.text("用稿反馈"),
                       dedupe_key="feedback", now=clock())
    drain(runtime)
    [call] = fake_wecom.of("appchat/send", accepted_only=True)
    assert call.body == {"chatid": chat_id, "msgtype": "text", "text": {"content": "用稿反馈"}}
    assert "至少需要两名成员" in cli(wecom_settings, tmp_path, "group", "create", "群", "admin").stderr
    runtime.close()


def test_members_sync_upserts_and_deactivates_but_keeps_roles(live: Runtime, wecom_settings: Settings,
                                                              fake_wecom: FakeWeCom, tmp_path: Path) -> None:
    fake_wecom.departments = [{"id": 1, "name": "乐昌市自然资源局", "parentid": 0},
                              {"id": 2, "name": "办公室", "parentid": 1}, {"id": 3, "name": "规划股", "parentid": 1}]
    fake_wecom.users = [
        {"userid": "zhangsan", "name": "张三", "department": [3], "main_department": 3, "status": 1},
        {"userid": "lisi", "name": "李四", "department": [2], "main_department": 2, "status": 1},
        {"userid": "newbie", "name": "新同事", "department": [2], "main_department": 2, "status": 1},
        {"userid": "zhaoliu", "name": "赵六", "department": [2], "main_department": 2, "status": 2},
        {"userid": "lisi", "name": "李四", "department": [2, 3], "main_department": 2, "status": 1},  # twice
    ]
    chat = ChatDriver(live)
    for title in ("第一篇", "第二篇"):  # to lisi, then zhaoliu
        chat.as_member("zhangsan").says(f"投稿 {title}\n正文")
    refused = cli(wecom_settings, tmp_path, "members", "sync")  # 4 of 7 would go: looks like a narrowed range
    assert refused.returncode == 2 and "会停用 4/7 名成员，未做任何修改" in refused.stderr
    result = cli(wecom_settings, tmp_path, "members", "sync", "--force")
    assert result.returncode == 0, result.stderr
    assert "新增 1 人，更新 3 人，未变 0 人，停用 4 人" in result.stdout  # xiaoli, wangwu, zhouqi, admin left
    assert "转交稿件 1 篇" in result.stdout  # zhaoliu's, to lisi
    assert "新成员还没有角色，不能投稿：新同事（newbie，办公室）。请在机器人里发送「成员 角色" in result.stdout
    again = cli(wecom_settings, tmp_path, "members", "sync").stdout
    assert "新成员" not in again
    assert "新增 0 人，更新 0 人，未变 4 人，停用 0 人（离职），转交稿件 0 篇" in again  # zhaoliu stays disabled
    with live.sessions.begin() as session:
        editors = {d.title: d.editor.userid for d in session.scalars(select(Draft))}
    assert editors == {"第一篇": "lisi", "第二篇": "lisi"}
    assert [c.params["department_id"] for c in fake_wecom.of("user/list")][-1] == "1"  # the top visible one
    members = {m["userid"]: m for m in json.loads(cli(wecom_settings, tmp_path, "members", "list", "--json").stdout)}
    assert members["zhangsan"]["department"] == "规划股" and members["zhangsan"]["roles"] == ["correspondent"]
    assert members["lisi"]["roles"] == ["correspondent", "editor"]
    assert members["newbie"] == {"userid": "newbie", "name": "新同事", "department": "办公室", "roles": [],
                                 "active": True}
    assert not members["wangwu"]["active"] and not members["zhaoliu"]["active"]
    fake_wecom.users = []
    assert "成员列表为空，未做任何修改" in cli(wecom_settings, tmp_path, "members", "sync", "--force").stderr


def test_a_draft_from_the_encrypted_callback_reaches_its_editor(live: Runtime, fake_wecom: FakeWeCom,
                                                                clock: FrozenClock) -> None:
    wecom = WeComSimulator(now=clock.timestamp, corp_id=CORP_ID)  # the app's real corp id
    with TestClient(create_app(live, dispatcher=False, wall_clock=clock.timestamp)) as client:
        assert "已收到投稿 #1" in say(client, wecom, "zhangsan", "投稿 乐昌开展防灾减灾日宣传\n5月12日，……")
    drain(live)
    [call] = fake_wecom.of("message/send", accepted_only=True)
    assert call.body is not None and call.body["agentid"] == AGENT_ID and call.body["touser"] == "lisi"
    assert call.body["text"]["content"].startswith("新稿件 #1《乐昌开展防灾减灾日宣传》（张三·办公室")


def cli(settings: Settings, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, timeout=60,
                          cwd=cwd, env=cli_env(settings))


def cli_env(settings: Settings) -> dict[str, str]:
    """The environment a `newsbot` subprocess needs to act like `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    values = {"DATABASE_URL": settings.database_url, "WECOM_CORP_ID": settings.wecom_corp_id,
              "WECOM_SECRET": settings.wecom_secret.get_secret_value(),
              "WECOM_AGENT_ID": str(settings.wecom_agent_id or ""), "WECOM_API_BASE_URL": settings.wecom_api_base_url}
    return env | {f"NEWSBOT_{name}": value for name, value in values.items() if value}
