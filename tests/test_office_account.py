"""Practices of the office's own account (lechang-publicity-work-2019.txt) driven through the chat as the office
would run them. Found by a review: each docstring says what went wrong before."""

from __future__ import annotations

from sqlalchemy import select

import models
from bot.runtime import Runtime
from tests.conftest import ChatDriver, Mailbox
from tests.test_delivery import drain

BODY = "乐昌市国土资源局今天组织开展地质灾害应急演练。" * 20  # 460 characters
OUTLETS = ["局微信公众号", "乐昌市政府网", "韶关日报", "韶关市国土资源局网站", "广东省自然资源厅网站", "南方网"]


def approved(chat: ChatDriver, title: str, body: str = BODY) -> tuple[int, str]:
    """投稿 by 张三, 送审 by its editor, 批准 by 王五 (拟稿 → 有经验通讯员 → 分管副局长)."""
    chat.as_member("zhangsan").says(f"投稿 {title}\n{body}")
    with chat.runtime.sessions.begin() as session:
        draft = session.scalars(select(models.Draft).order_by(models.Draft.id.desc())).first()
        number, editor = draft.id, session.get(models.Member, draft.editor_id).userid
    assert "已送审" in chat.as_member(editor).says(f"送审 #{number}")
    assert "已批准" in chat.as_member("wangwu").says(f"批准 #{number}")
    return number, editor


def test_the_投递_advice_for_one_outlets_format_can_be_followed_after_the_others_were_sent(
        newsroom: Runtime, mailbox: Mailbox) -> None:
    """一稿多投 「根据…投稿格式和用途需求」: the editor sends to 全部; the three outlets that take the draft get it
    and 韶关日报 is refused (标题 28 字 > 24) with 「改标题请发送「修改 #1」，换行写「标题：新标题」；改后需重新批准」.
    Doing exactly that is refused 「稿件 #1 当前已投递，不能修改」, and so is a longer text for 省厅/南方网: once any
    outlet has the draft, no version fitting another outlet can be made, and the reply's own advice was a dead end."""
    chat = ChatDriver(newsroom)
    for i, outlet in enumerate(OUTLETS):
        chat.as_member("admin").says(f"媒体 修改 {outlet} 邮箱=o{i}@example.com")
    number, editor = approved(chat, "乐昌市国土资源局召开2026年度地质灾害防治工作部署会议")
    alone = chat.as_member(editor).says(f"投递 #{number} 韶关日报")  # nothing went out: 修改 mends it
    assert f"要投这些媒体，请发送「修改 #{number}」改正文（标题另起一行写「标题：新标题」），改后需重新批准" in alone
    reply = chat.as_member(editor).says(f"投递 #{number} 全部")
    assert "已排队投递：局微信公众号、乐昌市政府网、韶关市国土资源局网站" in reply
    # …and once other outlets have it, the advice is not the 修改 it would refuse
    assert "修改 #" not in reply and "本稿已投递其他媒体，不能再修改" in reply, reply
    drain(newsroom)  # the e-mails leave (queued, a 修改 would still stop them: test_today_review5)
    assert "不能修改" in chat.as_member(editor).says(f"修改 #{number}\n标题：乐昌部署2026年地质灾害防治工作")


def test_adding_an_important_date_to_the_theme_days_does_not_silently_drop_the_seeded_ones(chat: ChatDriver) -> None:
    """主题宣传 (学雷锋、地球日、土地日、安全生产月、全国普法日) and 「结合纪念改革开放40周年等重要节点」: the admin
    adds one node with the command 帮助 shows, `日程 设置 theme_day_calls days=12-18 改革开放纪念日`. The reply
    「已修改 theme_day_calls：…days=12-18 改革开放纪念日」 does not say that the eight seeded theme days, the account's
    five among them, are gone: no call for 学雷锋日 or 全国土地日 goes out again. (学习 设置 shows what it replaced.)"""
    reply = chat.as_member("admin").says("日程 设置 theme_day_calls days=12-18 改革开放纪念日")
    assert "主题日整体替换，去掉了 8 个：3-5 学雷锋日、3-22 世界水日" in reply, reply
    assert reply.endswith("如要保留，请发送：日程 设置 theme_day_calls days=3-5 学雷锋日;3-22 世界水日;"
                          "4-15 全民国家安全教育日;4-22 世界地球日;5-12 全国防灾减灾日;6-1 安全生产月;6-25 全国土地日;"
                          "12-4 国家宪法日/全国普法日;12-18 改革开放纪念日"), reply
    again = chat.as_member("admin").says(reply.rsplit("如要保留，请发送：", 1)[1])  # copied as it is
    assert "去掉了" not in again and "12-18 改革开放纪念日" in again and "3-5 学雷锋日" in again


def test_the_recorders_reply_says_why_a_front_page_in_a_city_paper_adds_one_point(chat: ChatDriver) -> None:
    """新闻用稿奖励办法: 南方网 (省级 5) publishes first, then 韶关日报 on its 第1版 (市级 3 × 头版 2 = 6). The one who
    records it reads only 「积分 +1」, with no word of the draft's total or of 多方采用按最高计 — the group's
    用稿反馈 says 「本稿累计 6 分（本次 +1 分，多方采用按最高计）」, and a third outlet's reply 「多方采用按最高计，本次
    不加分」. A correspondent told +1 for a front page believes the 奖励办法 was applied wrongly."""
    number, editor = approved(chat, "乐昌国土局开展地质灾害应急演练")
    assert "积分 +5" in chat.as_member(editor).says(f"刊发 #{number} 南方网 https://news.southcn.com/a/1.html")
    reply = chat.as_member(editor).says(f"刊发 #{number} 韶关日报 第1版")
    assert "积分 +1（本稿累计 6 分，多方采用按最高计）" in reply, reply


def test_the_monthly_meetings_default_agenda_has_the_training_the_account_holds_it_for(chat: ChatDriver) -> None:
    """「每月召开一次宣传工作例会，从多角度、全方位开展宣传培训工作，交流讨论最新的新闻线索和用稿动态，写作小组成员之间
    相互交流自己的写稿经验」: the seeded agenda is 「交流讨论最新的新闻线索和用稿动态；写稿经验交流」 — the training,
    the first of the three, is left out of 例会 and of every meeting notice."""
    reply = chat.as_member("zhangsan").says("例会")
    assert "议程：" in reply
    agenda = reply.split("议程：", 1)[1].split("\n", 1)[0]
    assert agenda == "宣传培训；交流讨论最新的新闻线索和用稿动态；写稿经验交流", agenda


def test_a_department_whose_only_member_edits_is_told_how_to_make_them_its_correspondent(chat: ChatDriver) -> None:
    """product.md's roles: 编辑 = 「局有经验通讯员」, yet 投稿 takes the correspondent's role: 地籍股's only member,
    赵六, edits and cannot 投稿, so the department has nobody who submits. A review proposed counting the editor;
    another found that 成员 then said 地籍股 had a correspondent whose 投稿 is refused. 成员 names the department and
    says how to make its editor its correspondent too."""
    reply = chat.as_member("admin").says("成员")
    assert "地籍股：赵六（zhaoliu，编辑）" in reply
    assert ("还没有通讯员的部门：地籍股（每个部门应推荐一名通讯员；部门里的编辑也写稿的，请给其加上通讯员角色："
            "成员 角色 账号 编辑 通讯员）") in reply, reply
    assert "「投稿」需要通讯员角色" in chat.as_member("zhaoliu").says("投稿 地籍测绘新进展\n正文")
    chat.as_member("admin").says("成员 角色 zhaoliu 编辑 通讯员")
    assert "还没有通讯员的部门" not in chat.as_member("admin").says("成员")
