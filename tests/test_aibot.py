"""The AI bot in the work group: its callback with real crypto, quoting, privacy, stream replies, files."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from bot.app import create_app
from bot.messages import Incoming
from bot.runtime import Runtime
from bot.wecom.crypto import CallbackCrypto, aes_key, encrypt_file
from models import AuditEvent, Draft, DraftState, DraftVersion, InboundMessage, OutboxMessage
from tests.conftest import ChatDriver, FrozenClock, row_counts
from tests.fake_wecom import FakeWeCom
from tests.test_crypto_vectors import E_ENCRYPT, E_PLAINTEXT
from tests.test_delivery import drain
from tests.test_file_drafts import docx_bytes
from tests.test_review import events
from tests.wecom_sim import AES_KEY, TOKEN, AiBotSimulator, WeComSimulator, aibot_say, say

BOT = "审稿机器人"


@pytest.fixture
def bot_runtime(office: Runtime) -> Runtime:
    office.settings = office.settings.model_copy(update={
        "aibot_token": SecretStr(TOKEN), "aibot_aes_key": SecretStr(AES_KEY), "aibot_name": BOT,
        "aibot_url_hosts": "127.0.0.1"})
    return office


@pytest.fixture
def client(bot_runtime: Runtime, clock: FrozenClock) -> Iterator[TestClient]:
    with TestClient(create_app(bot_runtime, dispatcher=False, wall_clock=clock.timestamp)) as test_client:
        yield test_client


@pytest.fixture
def bot(clock: FrozenClock) -> AiBotSimulator:
    return AiBotSimulator(now=clock.timestamp)


def draft_state(runtime: Runtime, number: int) -> str:
    with runtime.sessions.begin() as session:
        return session.get(Draft, number).state


def test_vector_e_decrypts_through_the_endpoint_and_the_stream_reply_round_trips(
        client: TestClient, clock: FrozenClock, bot_runtime: Runtime) -> None:
    clock.current = clock.current.fromtimestamp(1700000000, clock.current.tzinfo)
    query = {"msg_signature": "579292079dda6c8a197c70925dbf441dee066bab", "timestamp": "1700000000",
             "nonce": "987654321"}
    response = client.post("/wecom/aibot", params=query, content=json.dumps({"encrypt": E_ENCRYPT}))
    assert response.status_code == 200
    envelope = json.loads(response.text)
    box = CallbackCrypto(TOKEN, AES_KEY, "")
    box.verify(envelope["msgsignature"], str(envelope["timestamp"]), envelope["nonce"], envelope["encrypt"])
    reply = json.loads(box.decrypt(envelope["encrypt"]))
    assert reply["stream"] == {"id": "CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=", "finish": True,
                               "content": reply["stream"]["content"]}
    assert "需要审核角色" in reply["stream"]["content"]  # vector E is zhangsan saying "@审稿机器人 批准"
    assert json.loads(E_PLAINTEXT)["text"]["content"] == "@审稿机器人 批准"
    with bot_runtime.sessions.begin() as session:
        assert session.scalars(select(InboundMessage.key)).all() == ["aibot:CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI="]


@pytest.mark.parametrize("part", ["encrypt", "nonce", "timestamp", "signature"])
def test_q01_aibot_tampering_is_rejected_with_no_rows(part: str, client: TestClient, bot: AiBotSimulator,
                                                      bot_runtime: Runtime) -> None:
    before = row_counts(bot_runtime)
    callback = bot.callback(bot.text("zhangsan", "@审稿机器人 稿件"))
    query, body = dict(callback.query), callback.body
    if part == "encrypt":
        data = json.loads(body)
        data["encrypt"] = data["encrypt"][:10] + ("A" if data["encrypt"][10] != "A" else "B") + data["encrypt"][11:]
        body = json.dumps(data).encode()
    else:
        key = {"nonce": "nonce", "timestamp": "timestamp", "signature": "msg_signature"}[part]
        query[key] = query[key][:-1] + ("1" if query[key][-1] != "1" else "2")
    assert client.post("/wecom/aibot", params=query, content=body).status_code in (400, 403)
    assert row_counts(bot_runtime) == before


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"encrypt": 5}', b"[" * 5000 + b"]" * 5000,
                                  b'{"encrypt": "' + b"A" * 70000 + b'"}'])
def test_q06_aibot_bad_bodies_are_4xx_with_no_rows(body: bytes, client: TestClient, clock: FrozenClock,
                                                   bot_runtime: Runtime) -> None:
    before = row_counts(bot_runtime)
    query = {"msg_signature": "0" * 40, "timestamp": str(int(clock.timestamp())), "nonce": "1"}
    assert client.post("/wecom/aibot", params=query, content=body).status_code in (400, 413)
    assert row_counts(bot_runtime) == before


def test_url_verification(client: TestClient, bot: AiBotSimulator) -> None:
    envelope = bot.crypto.encrypt_message("4242", "123", "1700000000")
    import xmltodict
    from wechatpy.crypto import _get_signature

    echostr = xmltodict.parse(envelope)["xml"]["Encrypt"]
    params = {"msg_signature": _get_signature(TOKEN, "1700000000", "123", echostr), "timestamp": "1700000000",
              "nonce": "123", "echostr": echostr}
    assert client.get("/wecom/aibot", params=params).text == "4242"


def test_group_scenario_submit_send_and_approve_by_quoting(client: TestClient, bot: AiBotSimulator,
                                                           bot_runtime: Runtime, clock: FrozenClock) -> None:
    app = WeComSimulator(now=clock.timestamp)
    assert "已收到投稿 #1" in say(client, app, "zhangsan", "投稿 乐昌开展国家安全教育日宣传\n4月15日，……")
    assert "已收到投稿 #2" in say(client, app, "xiaoli", "投稿 第二篇\n正文")
    sent = aibot_say(client, bot, bot.text("lisi", f"@{BOT} 送审 #1"))
    assert sent.startswith("稿件 #1 已送审")
    assert "已送审" in aibot_say(client, bot, bot.text("zhaoliu", f"@{BOT} 送审 #2"))
    # Two drafts wait for wangwu; quoting the request for #1 says which one.
    assert "已由" not in (refused := aibot_say(client, bot, bot.text("xiaoli", f"@{BOT} 批准", quote=sent)))
    assert "需要审核角色" in refused
    payload = bot.text("wangwu", f"@{BOT} 批准", quote=sent)
    replies = {aibot_say(client, bot, payload) for _ in range(3)}  # WeCom retries: one effect
    assert len(replies) == 1 and replies.pop().startswith("已批准稿件 #1")
    assert (draft_state(bot_runtime, 1), draft_state(bot_runtime, 2)) == (DraftState.approved, DraftState.pending)
    with bot_runtime.sessions.begin() as session:
        approvals = session.scalars(select(AuditEvent).where(AuditEvent.action == "approve")).all()
        assert [(e.actor, e.draft_id) for e in approvals] == [("wangwu", 1)]
        assert len(session.scalars(select(OutboxMessage).where(
            OutboxMessage.dedupe_key.like("draft:1:approved:%"))).all()) == 2


def test_explicit_number_wins_over_the_quote(client: TestClient, bot: AiBotSimulator, bot_runtime: Runtime,
                                             clock: FrozenClock) -> None:
    app = WeComSimulator(now=clock.timestamp)
    say(client, app, "zhangsan", "投稿 一\n正文")
    say(client, app, "xiaoli", "投稿 二\n正文")
    say(client, app, "lisi", "送审 #1")
    say(client, app, "zhaoliu", "送审 #2")
    reply = aibot_say(client, bot, bot.text("wangwu", f"@{BOT} 批准 #2 同意", quote="稿件 #1 已送审"))
    assert reply.startswith("已批准稿件 #2")
    assert draft_state(bot_runtime, 1) == DraftState.pending


def test_the_group_never_sees_a_drafts_text(client: TestClient, bot: AiBotSimulator, clock: FrozenClock) -> None:
    app = WeComSimulator(now=clock.timestamp)
    say(client, app, "zhangsan", "投稿 保密的稿子\n内部数据：一二三")
    for command in ("稿件 #1", "稿件 #1 全文", "稿件 #1 v1"):
        reply = aibot_say(client, bot, bot.text("zhangsan", f"@{BOT} {command}"))
        assert "内部数据" not in reply and "单聊" in reply and "#1《保密的稿子》编辑中" in reply
    single = aibot_say(client, bot, bot.text("zhangsan", f"@{BOT} 稿件 #1 全文", chat="single"))
    assert "内部数据：一二三" in single


def test_mixed_messages_and_stream_refresh(client: TestClient, bot: AiBotSimulator) -> None:
    payload = bot.text("zhangsan", "")
    payload.update({"msgtype": "mixed", "mixed": {"msg_item": [
        {"msgtype": "text", "text": {"content": f"@{BOT} 帮助"}}, {"msgtype": "image", "image": {"url": "x"}}]}})
    del payload["text"]
    first = aibot_say(client, bot, payload)
    assert "您可以使用" in first
    refresh = {"msgid": "poll-1", "msgtype": "stream", "stream": {"id": payload["msgid"]},
               "from": {"userid": "zhangsan"}}
    assert aibot_say(client, bot, refresh) == first


def test_a_photo_inside_a_mixed_draft_is_said_not_to_be_kept(client: TestClient, bot: AiBotSimulator) -> None:
    """投稿, a photo and its caption in one 图文 message: the draft took the text, and the reply said nothing of the
    photo, which the correspondent believed went with it (found by a review of what WeCom sends)."""
    payload = bot.text("zhangsan", "", chat="single")
    payload.update({"msgtype": "mixed", "mixed": {"msg_item": [
        {"msgtype": "text", "text": {"content": "投稿 乐昌开展植树活动\n3月12日，干部职工到坪石镇植树。"}},
        {"msgtype": "image", "image": {"url": "x"}}, {"msgtype": "text", "text": {"content": "图为活动现场。"}}]}})
    del payload["text"]
    reply = aibot_say(client, bot, payload)
    assert reply.startswith("图片没有保存。配图请插入 Word 文档（.docx），随稿件发给我") and "已收到投稿 #1" in reply


def test_unconfigured_aibot_answers_503(office: Runtime) -> None:
    with TestClient(create_app(office, dispatcher=False)) as plain:
        assert plain.post("/wecom/aibot?msg_signature=a&timestamp=1&nonce=1").status_code == 503


@pytest.fixture
def live_bot(live: Runtime) -> Runtime:
    """Real transports to the fake WeCom, with the AI bot configured."""
    live.settings = live.settings.model_copy(update={
        "aibot_token": SecretStr(TOKEN), "aibot_aes_key": SecretStr(AES_KEY), "aibot_name": BOT,
        "aibot_url_hosts": "127.0.0.1"})
    live.transports = live._transports()
    return live


def test_a_file_in_1to1_with_the_ai_bot_becomes_a_draft_answered_on_the_response_url(
        live_bot: Runtime, fake_wecom: FakeWeCom, clock: FrozenClock) -> None:
    fake_wecom.aibot_files["f1"] = encrypt_file(aes_key(AES_KEY), docx_bytes("乐昌开展安全生产月活动", "正文第一段。"))
    bot = AiBotSimulator(now=clock.timestamp)
    payload = bot.text("zhangsan", "", chat="single",
                       response_url=f"{fake_wecom.base_url}/cgi-bin/aibot/response?response_code=R1")
    payload.update({"msgtype": "file", "file": {"url": f"{fake_wecom.base_url}/aibot-files/f1"}})
    del payload["text"]
    with TestClient(create_app(live_bot, dispatcher=False, wall_clock=clock.timestamp)) as client:
        assert aibot_say(client, bot, payload).startswith("已收到文件，正在读取")
    drain(live_bot)
    with live_bot.sessions.begin() as session:
        draft = session.scalars(select(Draft)).one()
        assert draft.title == "乐昌开展安全生产月活动"  # a nameless file: its first line
    [answer] = fake_wecom.of("aibot/response", accepted_only=True)
    assert answer.body is not None and answer.body["msgtype"] == "markdown"
    assert answer.body["markdown"]["content"].startswith("已根据文件创建稿件 #1《乐昌开展安全生产月活动》")


def ai_bot_file(fake_wecom: FakeWeCom, bot: AiBotSimulator, name: str, data: bytes) -> dict[str, object]:
    """A 1:1 file message to the AI bot: no file name, as WeCom sends it."""
    fake_wecom.aibot_files[name] = encrypt_file(aes_key(AES_KEY), data)
    payload = bot.text("zhangsan", "", chat="single",
                       response_url=f"{fake_wecom.base_url}/cgi-bin/aibot/response?response_code={name}")
    payload.update({"msgtype": "file", "file": {"url": f"{fake_wecom.base_url}/aibot-files/{name}"}})
    del payload["text"]
    return payload


def test_a_title_after_a_nameless_file_was_read_retitles_its_draft(
        live_bot: Runtime, fake_wecom: FakeWeCom, clock: FrozenClock) -> None:
    """The title came from the text's first line, and 「投稿 标题」 seconds later still replaces it."""
    bot = AiBotSimulator(now=clock.timestamp)
    with TestClient(create_app(live_bot, dispatcher=False, wall_clock=clock.timestamp)) as client:
        data = docx_bytes("4月22日，我局开展宣传。", "正文。")
        received = aibot_say(client, bot, ai_bot_file(fake_wecom, bot, "f1", data))
        assert "标题取自文件名或正文第一行；如需另定标题，请接着发送「投稿 标题」" in received
        drain(live_bot)
        reply = aibot_say(client, bot, bot.text("zhangsan", f"@{BOT} 投稿 乐昌开展世界地球日宣传", chat="single"))
    # Its first line is a sentence, no title: the draft was 「文件投稿」, and the sentence stays in the text.
    assert "已将稿件 #1 的标题改为《乐昌开展世界地球日宣传》（原为《文件投稿》）" in reply, reply
    with live_bot.sessions.begin() as session:
        assert session.scalars(select(Draft.title)).all() == ["乐昌开展世界地球日宣传"]


def test_a_late_answer_makes_no_link_of_a_members_title(
        live_bot: Runtime, fake_wecom: FakeWeCom, clock: FrozenClock) -> None:
    bot = AiBotSimulator(now=clock.timestamp)
    data = "[点我领奖](http://evil.example)\n正文第一段。".encode()
    with TestClient(create_app(live_bot, dispatcher=False, wall_clock=clock.timestamp)) as client:
        aibot_say(client, bot, ai_bot_file(fake_wecom, bot, "f2", data))
    drain(live_bot)
    [answer] = fake_wecom.of("aibot/response", accepted_only=True)
    assert "《［点我领奖］(http://evil.example)》" in answer.body["markdown"]["content"]  # type: ignore[index]


def test_a_long_msgid_leaves_room_in_the_file_jobs_keys(bot_runtime: Runtime, clock: FrozenClock) -> None:
    """VARCHAR(200) on PostgreSQL: `file:` + the message's key + `:done:userid` must fit."""
    bot = AiBotSimulator(now=clock.timestamp)
    payload = bot.text("zhangsan", "", chat="single", msgid="m" * 190)
    payload.update({"msgtype": "file", "file": {"url": "http://127.0.0.1/aibot-files/x"}})
    del payload["text"]
    with TestClient(create_app(bot_runtime, dispatcher=False, wall_clock=clock.timestamp)) as client:
        assert aibot_say(client, bot, payload).startswith("已收到文件")
    with bot_runtime.sessions.begin() as session:
        [key] = session.scalars(select(OutboxMessage.dedupe_key)).all()
    assert len(key) + len(":done:zhangsan") <= 200, len(key)


def test_a_used_or_expired_response_url_falls_back_to_a_private_app_message(
        live_bot: Runtime, fake_wecom: FakeWeCom, clock: FrozenClock) -> None:
    from bot import outbox
    from bot.messages import Incoming

    fake_wecom.used_response_codes.add("USED")
    with live_bot.sessions.begin() as session:
        for code, chat in (("USED", "single"), ("OLD", "single")):
            msg = Incoming("aibot", "zhangsan", f"k-{code}", chat_type=chat,
                           response_url=f"{fake_wecom.base_url}/cgi-bin/aibot/response?response_code={code}")
            route = outbox.reply_route(msg, clock() - (timedelta(hours=2) if code == "OLD" else timedelta()))
            outbox.reply(session, "zhangsan", route, f"迟到的回复{code}", f"late:{code}", clock())
    drain(live_bot)
    assert [c.params["response_code"] for c in fake_wecom.of("aibot/response")] == ["USED"]  # OLD: not tried
    assert [c.body["markdown"]["content"] for c in fake_wecom.of("message/send", accepted_only=True) if c.body] == [
        "迟到的回复USED", "迟到的回复OLD"]


def test_more_in_the_group_never_continues_a_private_reply(client: TestClient, bot: AiBotSimulator,
                                                           clock: FrozenClock) -> None:
    app = WeComSimulator(now=clock.timestamp)
    say(client, app, "zhangsan", "投稿 长稿\n" + "\n".join(f"机密段落{n}：" + "字" * 60 for n in range(40)))
    assert "发送「更多」" in aibot_say(client, bot, bot.text("zhangsan", f"@{BOT} 稿件 #1 全文", chat="single"))
    assert aibot_say(client, bot, bot.text("zhangsan", f"@{BOT} 更多")).startswith("没有更多内容了。")
    assert "机密段落" in aibot_say(client, bot, bot.text("zhangsan", f"@{BOT} 更多", chat="single"))


def test_an_unclear_chat_is_treated_as_the_group(client: TestClient, bot: AiBotSimulator,
                                                 clock: FrozenClock, bot_runtime: Runtime) -> None:
    say(client, WeComSimulator(now=clock.timestamp), "zhangsan", "投稿 保密\n内部数据")
    payload = bot.text("zhangsan", f"@{BOT} 稿件 #1 全文")
    del payload["chattype"]  # chatid present, chattype missing
    assert "内部数据" not in aibot_say(client, bot, payload)
    with bot_runtime.sessions.begin() as session:
        recorded = session.scalars(select(InboundMessage).where(InboundMessage.channel == "aibot")).one()
        assert (recorded.chat_type, recorded.chat_id) == ("group", "CHATID")


def test_quotes_that_name_several_drafts_or_disagree_with_the_text_are_not_used(
        client: TestClient, bot: AiBotSimulator, bot_runtime: Runtime, clock: FrozenClock) -> None:
    app = WeComSimulator(now=clock.timestamp)
    for author in ("zhangsan", "xiaoli"):
        say(client, app, author, f"投稿 {author}的稿\n正文")
    say(client, app, "lisi", "送审 #1")
    say(client, app, "zhaoliu", "送审 #2")
    listing = aibot_say(client, bot, bot.text("wangwu", f"@{BOT} 批准"))
    assert "没有批准任何一篇" in listing
    again = aibot_say(client, bot, bot.text("wangwu", f"@{BOT} 批准", quote=listing))
    assert "您引用的消息提到了 #1、#2，这条没有写编号，没有批准任何稿件" in again  # no guessing
    reply = aibot_say(client, bot, bot.text("wangwu", f"@{BOT} 批准 同意发布 #2", quote="稿件 #1 已送审"))
    assert reply.startswith("已批准稿件 #2")  # the number in the text wins, wherever it stands
    assert (draft_state(bot_runtime, 1), draft_state(bot_runtime, 2)) == (DraftState.pending, DraftState.approved)
    with bot_runtime.sessions.begin() as session:
        comment = session.scalars(select(AuditEvent.comment).where(AuditEvent.action == "approve")).one()
        assert comment == "同意发布"


def test_a_quote_is_read_as_it_shows(client: TestClient, bot: AiBotSimulator, bot_runtime: Runtime,
                                     clock: FrozenClock) -> None:
    """A zero-width space in 「#2\u200b1」 (it shows as #21) or a link's #1 must not steer 批准 to a draft."""
    app = WeComSimulator(now=clock.timestamp)
    for author in ("zhangsan", "xiaoli"):
        say(client, app, author, f"投稿 {author}的稿\n正文")
    say(client, app, "lisi", "送审 #1")
    say(client, app, "zhaoliu", "送审 #2")
    hidden = aibot_say(client, bot, bot.text("wangwu", f"@{BOT} 批准", quote="请审核稿件 #2\u200b1"))
    assert "#21" in hidden
    link = aibot_say(client, bot, bot.text("wangwu", f"@{BOT} 批准", quote="见 https://news.example/a#1"))
    assert "没有批准任何一篇" in link  # no number in the quote: the bare 批准 lists the two waiting
    after_link = aibot_say(client, bot, bot.text("wangwu", f"@{BOT} 批准", quote="https://mp.weixin.qq.com/s/AbC，这是#2的稿子"))
    assert after_link.startswith("已批准稿件 #2")
    assert (draft_state(bot_runtime, 1), draft_state(bot_runtime, 2)) == (DraftState.pending, DraftState.approved)


_GROUP_KEYS = itertools.count()


def in_group(chat: ChatDriver, userid: str, text: str, quoted: str = "") -> str:
    """A message to the AI bot in the work group (the mention already taken off), quoting `quoted`."""
    return chat.runtime.commands.handle(Incoming("aibot", userid, f"group:{next(_GROUP_KEYS)}", text=text,
                                                 chat_type="group", chat_id="wrkgroup", quoted=quoted)).text


def two_pending(chat: ChatDriver) -> None:
    """#1 and #3 waiting for the approvers (#2 is still being edited)."""
    for title in ("甲稿", "乙稿", "丙稿"):
        chat.as_member("zhangsan").says(f"投稿 {title}\n今天上午，{title}的活动在坪石镇举行。")
    chat.as_member("lisi").says("送审 #1")
    chat.as_member("lisi").says("送审 #3")


def test_a_quote_never_overrides_a_draft_named_in_words(chat: ChatDriver) -> None:
    """「批准 3号稿件」 quoting #1's notice approved #1, with 「3号稿件」 as its comment (found by a review)."""
    two_pending(chat)
    notice = "稿件 #1 已送审，已通知审核人：王五、周七。"
    for userid, text in (("wangwu", "批准 3号稿件"), ("zhouqi", "退回 3号稿的数据不对"), ("wangwu", "批准 第3篇"),
                         ("wangwu", "批准 三号稿件"), ("wangwu", "批准 第三篇"), ("zhouqi", "退回 稿件3 数据不对")):
        reply = in_group(chat, userid, text, quoted=notice)
        assert "您引用的是稿件 #1 的消息" in reply and "没有执行" in reply, reply
        assert (draft_state(chat.runtime, 1), draft_state(chat.runtime, 3)) == (DraftState.pending,) * 2
    # The same draft in words, or numbers that name something else, are no clash: the quote is used.
    assert in_group(chat, "wangwu", "批准 一号稿件可以发，请于15号前见报，按10号文件要求，本周已发2篇",
                    quoted=notice).startswith("已批准稿件 #1")
    assert "已将稿件 #3 退回" in in_group(chat, "zhouqi", "退回 5月3号的数据不对，改稿3次了，定稿 2026年5月12日",
                                       quoted="稿件 #3 已送审，已通知审核人：王五、周七。")


def test_a_near_word_quoting_a_draft_is_suggested_with_its_number(chat: ChatDriver) -> None:
    """「同意」 quoting #3's notice is answered 「批准 #3」: the plain 「批准」 would list both drafts waiting."""
    two_pending(chat)
    reply = in_group(chat, "wangwu", "同意", quoted="稿件 #3 已送审，已通知审核人：王五、周七。")
    assert "您是要发送「批准 #3」吗" in reply, reply
    assert "「批准」吗" in in_group(chat, "wangwu", "同意")
    assert "「批准 #1」吗" in in_group(chat, "wangwu", "同意 #1", quoted="稿件 #3 已送审")  # the typed number wins
    assert "「批准」吗" in in_group(chat, "wangwu", "同意 1号稿件", quoted="稿件 #3 已送审")  # so does one in words


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("审稿 机器人", "＠审稿 机器人 帮助", "您可以使用"),
    (BOT, f"@张三 @{BOT} 帮助", "您可以使用"),
    (BOT, f"帮助 @{BOT}", "您可以使用"),
])
def test_mentions_are_removed_wherever_and_however_typed(name: str, text: str, expected: str, office: Runtime,
                                                        clock: FrozenClock) -> None:
    office.settings = office.settings.model_copy(update={
        "aibot_token": SecretStr(TOKEN), "aibot_aes_key": SecretStr(AES_KEY), "aibot_name": name})
    bot = AiBotSimulator(now=clock.timestamp)
    with TestClient(create_app(office, dispatcher=False, wall_clock=clock.timestamp)) as client:
        assert expected in aibot_say(client, bot, bot.text("zhangsan", text))


@pytest.mark.parametrize("alone", [f"@{BOT}", f"@{BOT}\u2005", f"\u3000@{BOT}", f"@{BOT}\u00a0"])
def test_the_bots_mention_on_a_line_below_is_no_text_of_the_command(alone: str, client: TestClient,
                                                                     bot: AiBotSimulator, bot_runtime: Runtime) -> None:
    """「退回 #1⏎@审稿机器人」: the mention typed on a line of its own is no comment, now that the lines below a
    command are read with it."""
    chat = ChatDriver(bot_runtime)
    chat.as_member("zhangsan").says("投稿 标题\n正文")
    chat.as_member("lisi").says("送审 #1")
    returned = aibot_say(client, bot, bot.text("wangwu", f"退回 #1\n{alone}"))  # WeCom puts U+2005 after it
    assert "退回必须写明意见" in returned and draft_state(bot_runtime, 1) == DraftState.pending
    assert aibot_say(client, bot, bot.text("wangwu", f"批准 #1\n同意\n@{BOT}")).startswith("已批准稿件 #1")
    assert events(chat)[-1][3] == "同意"


def test_q06_aibot_hostile_decrypted_payloads_are_clean_rejections(client: TestClient, bot: AiBotSimulator,
                                                                   bot_runtime: Runtime) -> None:
    before = row_counts(bot_runtime)
    for payload in ('{"msgid": "s\\ud800", "msgtype": "text", "from": {"userid": "zhangsan"}}',
                    '{"msgid": 5, "msgtype": "text", "from": "zhangsan"}', "[1, 2]", "not json"):
        callback = bot.callback(payload)
        assert client.post("/wecom/aibot", params=callback.query, content=callback.body).status_code == 400
    assert row_counts(bot_runtime) == before


def test_enter_chat_gets_a_text_reply_and_unknown_streams_an_empty_answer(client: TestClient,
                                                                         bot: AiBotSimulator) -> None:
    payload = bot.text("zhangsan", "", chat="single")
    payload.update({"msgtype": "event", "event": {"eventtype": "enter_chat"}})
    callback = bot.callback(payload)
    reply = bot.reply(client.post("/wecom/aibot", params=callback.query, content=callback.body).text)
    assert reply["msgtype"] == "text" and "帮助" in reply["text"]["content"]  # type: ignore[index]
    refresh = bot.callback({"msgid": "p", "msgtype": "stream", "stream": {"id": "nope"}, "from": {"userid": "x"}})
    response = client.post("/wecom/aibot", params=refresh.query, content=refresh.body)
    assert response.status_code == 200 and response.text == ""


def test_very_long_msgids_are_kept_whole(client: TestClient, bot: AiBotSimulator, bot_runtime: Runtime) -> None:
    first = bot.text("zhangsan", f"@{BOT} 帮助", msgid="m" * 300)
    second = bot.text("zhangsan", f"@{BOT} 稿件", msgid="m" * 299 + "n")
    assert "您可以使用" in aibot_say(client, bot, first)
    assert "您还没有投稿" in aibot_say(client, bot, second)  # not mistaken for the first
    callback = bot.callback(first)
    stream_id = bot.reply(client.post("/wecom/aibot", params=callback.query,
                                      content=callback.body).text)["stream"]["id"]  # type: ignore[index]
    refresh = {"msgid": "poll", "msgtype": "stream", "stream": {"id": stream_id}, "from": {"userid": "zhangsan"}}
    assert "您可以使用" in aibot_say(client, bot, refresh)


def test_urls_on_other_hosts_are_ignored(client: TestClient, bot: AiBotSimulator, bot_runtime: Runtime) -> None:
    payload = bot.text("zhangsan", "", chat="single", response_url="http://10.0.0.1/steal")
    payload.update({"msgtype": "file", "file": {"url": "http://169.254.169.254/latest/meta-data"}})
    del payload["text"]
    assert aibot_say(client, bot, payload).startswith("已收到文件")
    with bot_runtime.sessions.begin() as session:
        job = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "file")).one()
        assert (job.payload["url"], job.payload["reply"]) == ("", None)


def test_a_late_reply_to_a_group_message_falls_back_to_the_group(live_bot: Runtime, fake_wecom: FakeWeCom,
                                                                  clock: FrozenClock,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from bot import outbox
    from bot.messages import Incoming

    with live_bot.sessions.begin() as session:
        msg = Incoming("aibot", "zhangsan", "k", chat_type="group", chat_id="CHATID",
                       response_url=f"{fake_wecom.base_url}/cgi-bin/aibot/response?response_code=G")
        outbox.reply(session, "zhangsan", outbox.reply_route(msg, clock() - timedelta(hours=2)), "群里的迟到回复",
                     "late:group", clock())
    drain(live_bot)
    assert fake_wecom.of("aibot/response") == [] and fake_wecom.of("message/send") == []
    assert "[本地模式·未发送] 发到 group：群里的迟到回复" in capsys.readouterr().out


def test_the_group_hears_no_office_business_and_no_userids(client: TestClient, bot: AiBotSimulator) -> None:
    refused = aibot_say(client, bot, bot.text("admin", f"@{BOT} 成员"))
    assert "「成员」是管理命令，回复含内部信息，请在与机器人的单聊中发送" in refused and "zhangsan" not in refused
    assert "zhangsan" in aibot_say(client, bot, bot.text("admin", f"@{BOT} 成员", chat="single"))
    stranger = aibot_say(client, bot, bot.text("stranger", f"@{BOT} 稿件"))
    assert "还未登记为本系统成员" in stranger and "stranger" not in stranger


def test_more_goes_on_only_in_the_group_where_the_long_reply_was(client: TestClient, bot: AiBotSimulator) -> None:
    assert "发送「更多」" in aibot_say(client, bot, bot.text("admin", f"@{BOT} 帮助", chat_id="GROUP_A"))
    assert aibot_say(client, bot, bot.text("admin", f"@{BOT} 更多", chat_id="GROUP_B")).startswith("没有更多内容了")
    assert "（续「帮助」）" in aibot_say(client, bot, bot.text("admin", f"@{BOT} 更多", chat_id="GROUP_A"))


def test_the_article_below_the_command_keeps_its_at_signs(client: TestClient, bot: AiBotSimulator,
                                                          bot_runtime: Runtime) -> None:
    text = f"@{BOT} 投稿 标题\n联系邮箱：news＠example.cn，欢迎＠我们 @{BOT}"
    assert "已收到投稿 #1" in aibot_say(client, bot, bot.text("zhangsan", text, chat="single"))
    with bot_runtime.sessions.begin() as session:
        assert session.get(Draft, 1).title == "标题"
        assert session.scalars(select(DraftVersion.text)).one() == f"联系邮箱：news＠example.cn，欢迎＠我们 @{BOT}"


def test_a_title_makes_no_link_in_a_stream_reply(client: TestClient, bot: AiBotSimulator) -> None:
    reply = aibot_say(client, bot, bot.text("zhangsan", f"@{BOT} 投稿 标题[点我](http://evil.example)\n正文",
                                            chat="single"))
    assert "《标题［点我］(http://evil.example)》" in reply


def test_an_ai_bot_without_its_name_is_warned_of_at_start(office: Runtime, caplog: pytest.LogCaptureFixture) -> None:
    office.settings = office.settings.model_copy(update={
        "aibot_token": SecretStr(TOKEN), "aibot_aes_key": SecretStr(AES_KEY), "aibot_name": ""})
    office.announce_mode()
    assert "未设置 NEWSBOT_AIBOT_NAME" in caplog.text
    caplog.clear()
    office.settings = office.settings.model_copy(update={"aibot_name": BOT})
    office.announce_mode()
    assert "NEWSBOT_AIBOT_NAME" not in caplog.text

