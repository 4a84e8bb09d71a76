"""批准 with a comment, on comments a deputy director writes: a yes approves, a no, a not-yet or a question
approves nothing (bot/domain/approval_comments.py: _DOUBT and _YES_PHRASES); what else a reply to a review can say."""

from __future__ import annotations

import pytest

from models import Draft, DraftState
from tests.conftest import ChatDriver
from tests.test_aibot import in_group

YES = [
    "同意发布", "同意", "可以", "好的", "已阅，同意", "同意，注意核实数据", "原则同意", "同意，请核实数据后投递",
    "同意报送", "可以发", "阅，同意", "拟同意", "同意，辛苦了", "写得不错，同意", "没问题，发吧",
    "同意，发布前请再校对一遍", "同意，注意人名职务准确", "同意，数据以统计局公布为准", "OK", "行", "可",
    "好，发吧", "同意，抓紧报送", "同意，务必今天下午前报送", "同意，注意不要出现错别字", "同意，无意见",
    "无异议", "同意，未发现问题", "已审，同意发布", "审核通过", "同意，不用改了", "同意，没什么问题",
    "很好，同意", "同意，按程序报送", "同意发，别漏了附件", "同意，发布时请勿泄露群众个人信息",
    "同意，不得出现涉密内容", "经审核，内容不涉密，同意发布", "同意，不涉及敏感信息", "同意，文责自负", "同意！",
    "同意，无需修改", "同意，不需再改", "同意，请注意时效性", "可以，署名加上通讯员", "同意，尽快发出去吧",
    "同意，报《乐昌日报》和县融媒体中心", "没意见，同意", "同意，注意别把职务写错", "同意，不必再送我看",
    "同意，这个稿子没什么要改的", "同意，没啥问题", "同意，特别注意数据准确", "同意，分别报日报和融媒体",
    "经研究，同意发布", "数据已核实，同意", "同意，别忘了配图", "同意，标题《荔枝为何这么甜？》很好",
    "同意，无修改意见", "已阅，没有修改意见", "这版可以了，同意发布", "同意，这版写得很好",
    "同意，以下两点请注意：一是核实数据，二是注意署名", "行文精炼，同意", "内容精简，同意发布",
    "同意，机构调整部分表述准确", "同意，篇幅已压缩到位",
    "同意，确认无误", "经核对确认无误，同意发布", "同意，内容无问题", "同意，未发现不妥之处", "同意，无不当之处",
    "同意，没有不妥", "经局党组研究，同意发布", "经局务会研究同意", "已请示局长，同意发布",
    "已与县委宣传部沟通，同意发布", "同意，已经主要领导审定", "同意，一字不改", "同意，注意把关",
    "同意，抓紧发，别耽误了", "同意，不用再给我看了", "同意，署名局办公室", "同意，以局办公室名义报送",
    "同意，先报日报，再投南方网", "同意，注意防范舆情风险", "同意，注意敏感信息不要外泄",
    "同意，报日报、南方网等媒体后在群里说一声", "同意，人名职务等请核实后投递", "同意，发布后把链接再发到群里",
    "经研究，同意", "同意，不涉及敏感信息",
    "同意\n@李四 请尽快投递韶关日报、南方网和乐昌融媒体中心，争取本周内见报，辛苦了",
    "\n同意。请注意核实文中数据和人名职务，确保准确后报送日报和南方网。",
]

NO = [
    "先放一放", "再斟酌", "有待商榷", "稍后再议", "暂缓", "请修改后再报", "需要再改", "请补充",
    "先压一压", "缓一缓", "等我看完再说", "待领导审定后再发", "请核实数据后再报我", "数据有误，请核实",
    "标题太长，请压缩后再送", "需请示书记", "此稿内容敏感，慎发", "我再看看", "再改改", "有问题，请改",
    "第三段表述欠妥", "要报县委审定", "请与宣传部沟通后再定", "留待下周", "再议", "等局长回来再定",
    "是否涉密请先确认", "请改正错别字后再发", "请按意见修改", "晚点再发", "可否再压缩一些", "数据对得上",
    "先别发", "不同意", "原则同意，请修改后再报", "同意，但标题要改", "基本同意，数据核实后再发",
    "同意，待书记审定后发", "同意，但先别急着发", "暂不发布", "请重新核实后再报", "改一下标题", "重写", "作废",
    "是否合适", "这篇不要出现在报纸上", "不得发布", "请勿投递", "此稿不涉及本局，不发",
    "同意，但数据有误的地方改正后再发", "不通过", "请退回修改", "数据核实了吗", "可以吗", "不 同意",
    "同意，删去第三段", "同意，删了第三段再发", "同意，第二段去掉", "同意，标题换成《乐昌举行地灾演练》",
    "同意。标题：乐昌举行地灾演练", "同意，人数应为300人", "同意，把日期更正为5月12日", "同意，精简后投递",
    "同意，压缩到800字以内", "同意，调整一下标题", "按以下文字发：今天上午，乐昌市在坪石镇举行地质灾害应急演练。",
    "同意，文字再精炼一些", "同意，最后一段砍掉", "同意，第三段拿掉再发", "同意，300人写成300余人",
    "同意，人名修正后发", "同意，把第二段和第三段合并", "同意，文中有两处错别字，请校正",
    "同意，但局长名字写错了", "同意，但第二段的数字错了", "人名写错了", "领导排序错了", "错字较多", "病句较多",
    "前后数据矛盾", "内容失实", "此稿涉密", "注意保密，此稿涉密", "内容敏感", "舆情风险较大", "和昨天的稿子重复了",
    "引用数据过时", "照片太模糊", "篇幅过长", "套话太多", "下周再发", "同意，下周一再发",
    "同意，等县委常委会开完后发", "同意，先报县委宣传部审核", "报郑局长阅", "先放着", "先压着", "先等一等", "等通知",
    "面谈", "请到我办公室来一趟", "此稿不涉及我局不宜发", "已请示局长暂不发布", "已请示局长，等回复",
    "同意，已报县委宣传部审定",
]


@pytest.mark.parametrize(("comment", "yes"), [(c, True) for c in YES] + [(c, False) for c in NO])
def test_a_comment_approves_only_when_it_says_yes(chat: ChatDriver, comment: str, yes: bool) -> None:
    chat.as_member("zhangsan").says("投稿 乐昌开展地质灾害应急演练\n今天上午，演练在坪石镇举行。")
    assert "已送审" in chat.as_member("lisi").says("送审 #1")
    reply = chat.as_member("wangwu").says(f"批准 #1 {comment}")
    with chat.runtime.sessions.begin() as session:
        approved = session.get(Draft, 1).state == DraftState.approved
    assert approved == yes, reply
    assert reply.startswith("已批准稿件 #1" if yes else "没有批准稿件 #1：意见里有「")


def state(chat: ChatDriver, number: int) -> str:
    with chat.runtime.sessions.begin() as session:
        return session.get(Draft, number).state


def pending_one(chat: ChatDriver) -> None:
    chat.as_member("zhangsan").says("投稿 乐昌开展地质灾害应急演练\n今天上午，演练在坪石镇举行。")
    assert "已送审" in chat.as_member("lisi").says("送审 #1")


REWRITTEN = ("今天上午，乐昌市自然资源局在坪石镇举行地质灾害应急演练，200余人参加。演练模拟了山体滑坡险情，"
             "检验了应急队伍的反应能力和各部门的协同配合，参演人员迅速转移受威胁群众，现场处置有序，"
             "达到了预期的演练效果。")


@pytest.mark.parametrize("text", [f"批准 #1 同意\n{REWRITTEN}", f"批准 #1 {REWRITTEN}"])
def test_an_article_pasted_under_批准_approves_nothing(chat: ChatDriver, text: str) -> None:
    """The approver's own wording under 批准 is no comment: v1 would go out, not what they sent."""
    pending_one(chat)
    reply = chat.as_member("wangwu").says(text)
    assert state(chat, 1) == DraftState.pending, reply
    assert reply.startswith("没有批准稿件 #1：意见超过 100 字，像是改过的正文"), reply
    assert "修改 #1" in reply


def test_a_quote_naming_a_draft_in_words_approves_that_draft_or_nothing(chat: ChatDriver) -> None:
    """「批准」 quoting 「3号稿已改好，请审核」 while #1 alone waits: #3 is meant, #1 is not approved."""
    for title in ("甲稿", "乙稿", "丙稿"):
        chat.as_member("zhangsan").says(f"投稿 {title}\n今天上午，{title}的活动在坪石镇举行。")
    chat.as_member("lisi").says("送审 #1")
    for quoted in ("领导，3号稿已改好，请审核", "第三篇请领导审核一下", "稿件3已经改好了，请领导审阅"):
        reply = in_group(chat, "wangwu", "批准", quoted=quoted)
        assert state(chat, 1) == DraftState.pending, (quoted, reply)
        assert reply.startswith("稿件 #3 当前编辑中，不能批准"), reply


@pytest.mark.parametrize("text", ["退回 #1 和 #2 数据都不对", "退回 #1 与 #2 内容重复，请合并成一篇"])
def test_退回_naming_a_second_draft_returns_the_first_and_says_so(chat: ChatDriver, text: str) -> None:
    """「退回 #1 和 #2 …」 left #2 waiting while the approver thought it returned; 「与 #2 内容重复」 is a reason. The
    first is returned either way, and the reply says the other was not."""
    chat.as_member("zhangsan").says("投稿 甲稿\n今天上午，演练在坪石镇举行。")
    chat.as_member("xiaoli").says("投稿 乙稿\n今天下午，规划股开展业务培训。")
    chat.as_member("lisi").says("送审 #1")
    chat.as_member("zhaoliu").says("送审 #2")
    reply = chat.as_member("wangwu").says(text)
    assert reply.endswith("只退回了稿件 #1：意见里提到的 #2 没有退回。如也要退回，请另发「退回 2 原因」。"), reply
    assert (state(chat, 1), state(chat, 2)) == (DraftState.returned, DraftState.pending)


def two_pending(chat: ChatDriver) -> None:
    for title in ("甲稿", "乙稿", "丙稿"):
        chat.as_member("zhangsan").says(f"投稿 {title}\n今天上午，{title}的活动在坪石镇举行。")
    chat.as_member("lisi").says("送审 #1")
    chat.as_member("lisi").says("送审 #3")


@pytest.mark.parametrize("quoted", ["王局，#3 已改好，这是荔枝系列报道第二篇，请审核",
                                    "#3 已按要求压缩，稿件 800 字，请王局审核", "王局，今天第1篇稿子 #3 请审核"])
def test_a_quotes_number_wins_over_words_that_count_or_order(chat: ChatDriver, quoted: str) -> None:
    two_pending(chat)
    reply = in_group(chat, "wangwu", "批准", quoted=quoted)
    assert state(chat, 3) == DraftState.approved, (quoted, reply)


def test_a_quote_counting_drafts_names_none(chat: ChatDriver) -> None:
    """「今天送审稿件 2 篇」 counts drafts: it approved #2 alone."""
    two_pending(chat)
    reply = in_group(chat, "wangwu", "批准", quoted="王局，今天送审稿件 2 篇，请抽空审核")
    assert reply.startswith("待您审核的稿件有 2 篇，没有批准任何一篇"), reply


def test_the_same_draft_named_twice_is_one_draft(chat: ChatDriver) -> None:
    pending_one(chat)
    reply = chat.as_member("wangwu").says("批准 #1 同意，请尽快投递#1")
    assert state(chat, 1) == DraftState.approved, reply
    assert reply.endswith("已通知作者和编辑。")


def test_an_approver_sending_批准_again_is_told_they_approved_it(chat: ChatDriver) -> None:
    """The second 批准 #1 of the same approver read 「已由 王五 批准，不能再批准」, as if someone else had."""
    pending_one(chat)
    assert chat.as_member("wangwu").says("批准 #1").startswith("已批准稿件 #1")
    assert chat.as_member("wangwu").says("批准 #1") == "稿件 #1 您已批准（v1），无需重复批准。"
    assert chat.as_member("zhouqi").says("批准 #1").startswith("稿件 #1 已由 王五 批准，不能再批准。")
