"""专题: series of reports (组织策划系列报道), their drafts and their counts."""

from __future__ import annotations

from sqlalchemy import select

from models import Draft, DraftTopic, Topic
from tests.conftest import ChatDriver


def publish(chat: ChatDriver, number: int) -> None:
    chat.as_member("admin").says(f"送审 #{number}")
    chat.as_member("wangwu").says(f"批准 #{number}")
    assert "已登记" in chat.as_member("zhangsan").says(f"刊发 #{number} 韶关日报 https://www.sgrb.example/{number}")


def test_admins_name_series_authors_put_drafts_in_and_the_year_counts_them(chat: ChatDriver) -> None:
    assert "还没有专题" in chat.as_member("zhangsan").says("专题")
    assert "已添加专题「垦造水田」" in chat.as_member("admin").says("专题 添加 垦造水田")
    assert "已添加专题「地质灾害防治AB」" in chat.as_member("admin").says("专题 添加 地质灾害防治ＡＢ")
    chat.as_member("admin").says("专题 停用 地质灾害防治AB")
    chat.as_member("admin").says("专题 添加 地质灾害防治")
    for n in (1, 2, 3):
        chat.as_member("zhangsan").says(f"投稿 第{n}篇\n正文")
    assert "稿件 #1《第1篇》已归入专题「垦造水田」" in chat.as_member("zhangsan").says("专题 #1 垦造水田")
    assert "已在专题「垦造水田」中，无需重复设置" in chat.as_member("zhangsan").says("专题 #1 垦造水田")
    chat.as_member("zhangsan").says("专题 #2 地质灾害防治")
    with chat.runtime.sessions.begin() as session:
        editor = session.get(Draft, 2).editor.userid
    assert "已归入专题「垦造水田」" in chat.as_member(editor).says("专题 ＃２ 垦造水田")  # its editor moves it
    chat.as_member("zhangsan").says("专题 #3 垦造水田")
    assert "#3《第3篇》已移出专题" in chat.as_member("zhangsan").says("专题 #3 无")
    publish(chat, 1)
    listing = chat.as_member("xiaoli").says("专题")
    assert "2026年专题（系列报道）：\n垦造水田：投稿 2 篇，刊发 1 篇\n地质灾害防治：投稿 0 篇，刊发 0 篇" in listing
    assert "2025年专题（系列报道）：\n垦造水田：投稿 0 篇，刊发 0 篇" in chat.as_member("xiaoli").says("专题 2025")
    drafts = chat.as_member("xiaoli").says("专题 垦造水田")
    assert drafts.startswith("专题「垦造水田」共 2 篇稿件：\n#2《第2篇》编辑中\n#1《第1篇》已刊发")
    detail = chat.as_member("zhangsan").says("稿件 #1")
    assert "专题：垦造水田" in detail and "设专题：垦造水田" in detail
    assert "已停用专题「地质灾害防治」" in chat.as_member("admin").says("专题 停用 地质灾害防治")
    assert "地质灾害防治" not in chat.as_member("xiaoli").says("专题")  # retired, and nothing in it this year
    assert "已停用专题「垦造水田」" in chat.as_member("admin").says("专题 停用 垦造水田")
    assert "垦造水田（已停用）：投稿 2 篇，刊发 1 篇" in chat.as_member("xiaoli").says("专题")
    assert "专题「垦造水田」共 2 篇稿件" in chat.as_member("xiaoli").says("专题 垦造水田")  # still listed
    retired = "专题「垦造水田」已停用。要重新使用请管理员发送「专题 添加 垦造水田」"
    assert retired in chat.as_member("zhangsan").says("专题 #3 垦造水田")
    assert retired in chat.as_member("admin").says("专题 停用 垦造水田")
    assert "已添加专题「垦造水田」" in chat.as_member("admin").says("专题 添加 垦造水田")  # taken up again
    assert "垦造水田：投稿 2 篇" in chat.as_member("xiaoli").says("专题 2026")


def test_bad_series_commands_say_what_to_type_and_change_nothing(chat: ChatDriver) -> None:
    chat.as_member("zhangsan").says("投稿 一篇\n正文")
    chat.as_member("admin").says("专题 添加 垦造水田")
    assert "只有管理员可以添加或停用专题" in chat.as_member("zhangsan").says("专题 添加 拆旧复垦")
    assert "用法：专题 添加 专题名称" in chat.as_member("admin").says("专题 添加")
    for name in ("无", "2026年防汛", "#5", "12"):
        refused = chat.as_member("admin").says(f"专题 添加 {name}")
        assert "不能以数字或 # 开头，也不能是「添加」「停用」「无」" in refused
    assert "名称不能有空格" in chat.as_member("admin").says("专题 添加 垦造 水田")
    assert "无法识别「垦造 水田」（专题名称不能有空格）" in chat.as_member("admin").says("专题 垦造 水田")
    assert "稿件 #1 不在任何专题中" in chat.as_member("zhangsan").says("专题 #1 无")
    assert "已经有专题「垦造水田」" in chat.as_member("admin").says("专题 添加 垦造水田")
    assert "没有专题「拆旧复垦」。现有专题：垦造水田" in chat.as_member("zhangsan").says("专题 #1 拆旧复垦")
    assert "没有专题「拆旧复垦」" in chat.as_member("zhangsan").says("专题 拆旧复垦")
    assert "用法：专题 #1 专题名称" in chat.as_member("zhangsan").says("专题 #1")
    assert "只有稿件 #1 的作者、编辑或管理员可以设置专题" in chat.as_member("xiaoli").says("专题 #1 垦造水田")
    assert "没有稿件 #9" in chat.as_member("zhangsan").says("专题 #9 垦造水田")
    assert "没有稿件 #2026" in chat.as_member("zhangsan").says("专题 2026 垦造水田")  # a number and a name: a draft
    assert "2026年专题" in chat.as_member("zhangsan").says("专题 2026")  # a number alone: a year
    assert "时间应写成 2026、2026Q3 或 三季度" in chat.as_member("zhangsan").says("专题 12")
    chat.as_member("zhangsan").says("撤回 #1")
    assert "已撤回，不能设置专题" in chat.as_member("zhangsan").says("专题 #1 垦造水田")
    with chat.runtime.sessions.begin() as session:
        assert session.scalars(select(DraftTopic)).all() == []
        assert [t.name for t in session.scalars(select(Topic))] == ["垦造水田"]


def test_a_theme_days_series_is_opened_once_and_only_under_a_name_a_series_may_have(chat: ChatDriver) -> None:
    from bot.domain import topics
    from models import AuditEvent

    now = chat.runtime.clock()
    with chat.runtime.sessions.begin() as session:
        first = topics.of_theme_day(session, "全国土地日", now)
        assert first is not None and topics.of_theme_day(session, "全国土地日", now) is first
        assert topics.of_theme_day(session, "12·4宪法日", now) is None  # a name may not begin with a digit
        assert topics.of_theme_day(session, "主题" * 20, now) is None  # too long
    with chat.runtime.sessions.begin() as session:
        assert session.scalars(select(Topic.name)).all() == ["全国土地日"]
        assert session.scalars(select(AuditEvent.comment).where(AuditEvent.action == "topic.add")).all() == [
            "全国土地日"]


def test_a_withdrawn_draft_is_no_part_of_its_series(chat: ChatDriver) -> None:
    """专题 said 投稿 2 where 统计 said 1, a duplicate withdrawn (found by a review of a busy year)."""
    chat.as_member("admin").says("专题 添加 垦造水田")
    for n in (1, 2):
        chat.as_member("zhangsan").says(f"投稿 垦造水田第{n}篇\n正文{n}")
        chat.as_member("zhangsan").says(f"专题 #{n} 垦造水田")
    assert "已撤回" in chat.as_member("zhangsan").says("撤回 #2")
    assert "垦造水田：投稿 1 篇" in chat.as_member("xiaoli").says("专题")
    assert "2026年5月：投稿 1 篇" in chat.as_member("admin").says("统计")
    drafts = chat.as_member("xiaoli").says("专题 垦造水田")
    assert drafts.startswith("专题「垦造水田」共 1 篇稿件：\n#1《垦造水田第1篇》") and "#2" not in drafts
