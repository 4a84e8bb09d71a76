"""成员: the admins' member list, role and department changes in chat."""

from __future__ import annotations

from sqlalchemy import select, update

from models import AuditEvent, Draft, Member, Role
from tests.conftest import ChatDriver


def member(chat: ChatDriver, userid: str) -> Member:
    with chat.runtime.sessions.begin() as session:
        found = session.scalar(select(Member).where(Member.userid == userid))
        assert found is not None
        session.expunge(found)
        return found


def test_the_list_shows_departments_roles_and_where_a_correspondent_is_missing(chat: ChatDriver) -> None:
    listing = chat.as_member("admin").says("成员")
    assert listing.startswith("成员 7 人：")
    assert "办公室：张三（zhangsan，通讯员）、钱主任（admin，管理员）" in listing
    assert "还没有通讯员的部门：地籍股（每个部门应推荐一名通讯员；" in listing  # 局领导 approve: they owe none
    assert "需要管理员角色" in chat.as_member("lisi").says("成员")
    assert "成员 [角色 账号 角色…｜部门 账号 部门｜部门编辑 部门 账号]" in chat.as_member("admin").says("帮助 成员")
    assert "没有您可用的命令「成员」" in chat.as_member("lisi").says("帮助 成员")


def test_admins_change_roles_and_departments_by_userid_or_name(chat: ChatDriver) -> None:
    reply = chat.as_member("admin").says("成员 角色 赵六 编辑、通讯员")
    assert "已将 赵六（zhaoliu）的角色设为：通讯员、编辑。" in reply
    assert member(chat, "zhaoliu").role_names == "correspondent|editor"
    assert "已将 小李（xiaoli）的部门设为：办公室。" in chat.as_member("admin").says("成员 部门 xiaoli 办公室")
    listing = chat.as_member("admin").says("成员")
    assert "地籍股：赵六（zhaoliu，通讯员、编辑）" in listing and "规划股" not in listing
    assert "还没有通讯员的部门" not in listing
    assert "的角色设为：无角色" in chat.as_member("admin").says("成员 角色 lisi 无")
    with chat.runtime.sessions.begin() as session:
        changes = list(session.scalars(select(AuditEvent.comment).where(AuditEvent.action.like("member.%"),
                                                                        AuditEvent.actor == "admin")))
    assert changes == ["zhaoliu: editor → correspondent|editor", "xiaoli: 规划股 → 办公室",
                       "lisi: correspondent|editor → -"]


def test_bad_member_commands_say_what_to_type_and_change_nothing(chat: ChatDriver) -> None:
    admin = chat.as_member("admin")
    assert "没有成员「nobody」" in admin.says("成员 角色 nobody 编辑")
    assert "未知角色「主编」。可用角色：通讯员、编辑、审核、管理员（也可写 correspondent、" in admin.says(
        "成员 角色 lisi 主编")
    assert "用法：成员｜成员 角色 zhangsan 通讯员 编辑" in admin.says("成员 删除 lisi")
    assert "用法" in admin.says("成员 角色 lisi")
    assert "部门名称不能为空、不能有空格，最多 64 个字" in admin.says(f"成员 部门 lisi {'股' * 65}")
    assert "唯一的管理员，至少要保留一名管理员" in admin.says("成员 角色 admin 通讯员")
    assert member(chat, "admin").role_names == "admin" and member(chat, "lisi").department == "执法监察大队"
    assert member(chat, "lisi").role_names == "correspondent|editor"
    with chat.runtime.sessions.begin() as session:
        session.add(Member(userid="zhangsan2", name="张三", department="规划股", role_names="correspondent",
                           created_at=chat.runtime.clock()))
    assert "有不止一名成员叫「张三」，请写账号，例如 zhangsan" in admin.says("成员 角色 张三 编辑")
    assert "已将 李四（lisi）的角色设为：管理员" in admin.says("成员 角色 lisi 管理员")
    assert "已将 钱主任（admin）的角色设为：通讯员" in admin.says("成员 角色 admin 通讯员")  # lisi is admin now


def test_a_department_with_its_own_editor_sends_its_drafts_to_them(chat: ChatDriver) -> None:
    admin = chat.as_member("admin")
    assert "不是在职的编辑，不能做部门编辑。先发送「成员 角色 zhangsan 通讯员、编辑」" in admin.says(
        "成员 部门编辑 办公室 zhangsan")
    assert "没有部门「宣传股」的成员" in admin.says("成员 部门编辑 宣传股 lisi")
    assert "已将 赵六（zhaoliu）设为办公室的部门编辑" in admin.says("成员 部门编辑 办公室 赵六")
    assert "办公室（部门编辑：赵六）：" in admin.says("成员")
    for n in range(1, 4):  # the least-loaded rule would alternate between 李四 and 赵六
        assert "编辑：赵六" in chat.as_member("zhangsan").says(f"投稿 办公室第{n}篇\n正文")
    assert "编辑：李四" in chat.as_member("xiaoli").says("投稿 规划股的稿\n正文")  # other departments: least loaded
    admin.says("成员 角色 zhaoliu 通讯员")  # no longer an editor: the rule falls back
    assert "编辑：李四" in chat.as_member("zhangsan").says("投稿 办公室第4篇\n正文")
    assert "办公室（部门编辑：赵六，已不是在职编辑，新稿件按稿件最少分配）" in admin.says("成员")
    admin.says("成员 角色 zhaoliu 编辑")
    assert "编辑：赵六" in chat.as_member("zhangsan").says("投稿 办公室第5篇\n正文")
    assert "已取消办公室的部门编辑" in admin.says("成员 部门编辑 办公室 无")
    assert "部门编辑" not in admin.says("成员").split("修改：")[0]
    admin.says("成员 部门编辑 规划股 lisi")
    admin.says("成员 部门 xiaoli 办公室")  # 规划股 has no member left, but its editor can still be unset
    assert "已取消规划股的部门编辑" in admin.says("成员 部门编辑 规划股 无")


def test_an_editor_who_stops_editing_hands_the_drafts_on(chat: ChatDriver) -> None:
    for title in ("第一篇", "第二篇", "第三篇"):
        chat.as_member("zhangsan").says(f"投稿 {title}\n正文")
    with chat.runtime.sessions.begin() as session:
        editors = {d.id: d.editor.userid for d in session.scalars(select(Draft))}
    assert editors == {1: "lisi", 2: "zhaoliu", 3: "lisi"}
    chat.as_member("lisi").says("退回 #3 请补充时间")  # with the author, coming back to lisi
    reply = chat.as_member("admin").says("成员 角色 lisi 通讯员")
    assert reply.endswith("其负责的稿件已转交：#1 → 赵六，#3 → 赵六")
    told = [m.payload["text"]["content"] for m in chat.outbox() if m.recipient == "zhaoliu"]
    assert "稿件 #1《第一篇》（编辑中）的编辑 李四 已不再担任编辑，改由您负责。" in told[-2]
    assert "钱主任 转交编辑" in chat.as_member("zhaoliu").says("稿件 #1")
    assert "已送审" in chat.as_member("zhaoliu").says("送审 #1")
    assert "只有稿件 #2 的编辑 赵六可以修改" in chat.as_member("lisi").says("修改 #2\n新正文")
    chat.as_member("admin").says("成员 角色 zhaoliu 无")  # nobody left to edit: the admins hear of each
    with chat.runtime.sessions.begin() as session:
        assert session.scalars(select(Draft.editor_id).order_by(Draft.id)).all() == [None, None, None]
        moves = session.scalars(select(AuditEvent.comment).where(AuditEvent.action == "hand_over")
                                .order_by(AuditEvent.id)).all()
    assert moves == ["李四 → 赵六", "李四 → 赵六"] + ["赵六 → 待分配"] * 3  # #1 too, sent for approval
    assert [m.recipient for m in chat.outbox() if m.dedupe_key.startswith("draft:2:unassigned")] == ["admin"]


def test_a_draft_left_with_an_editor_who_left_is_anyones_to_edit(chat: ChatDriver) -> None:
    chat.as_member("zhangsan").says("投稿 第一篇\n正文")
    with chat.runtime.sessions.begin() as session:  # gone before hand-overs existed, or behind the bot's back
        session.execute(update(Member).where(Member.userid == "lisi").values(active=False))
    assert "已送审" in chat.as_member("zhaoliu").says("送审 #1")
    with chat.runtime.sessions.begin() as session:
        assert session.get(Draft, 1).editor.userid == "zhaoliu"


def test_role_and_department_words_that_could_not_be_used_later_are_refused(chat: ChatDriver) -> None:
    admin = chat.as_member("admin")
    assert "「无」表示去掉全部角色，只能单独写" in admin.says("成员 角色 lisi 无 编辑")
    assert "部门名称不能为空、不能有空格" in admin.says("成员 部门 xiaoli 规划 股")
    assert (member(chat, "lisi").role_names, member(chat, "xiaoli").department) == ("correspondent|editor", "规划股")


def test_editors_leaving_together_hand_nothing_to_each_other(chat: ChatDriver) -> None:
    from bot.domain import directory

    for title in ("第一篇", "第二篇", "第三篇"):  # lisi, zhaoliu, lisi
        chat.as_member("zhangsan").says(f"投稿 {title}\n正文")
    staying = [{"userid": u, "name": u, "department": [1], "status": 1} for u in ("zhangsan", "xiaoli", "admin")]
    with chat.runtime.sessions.begin() as session:
        result = directory.sync(session, [{"id": 1, "name": "办公室"}], staying, chat.runtime.clock(), force=True)
        assert result.handed_over == 3 and session.scalars(select(Draft.editor_id)).all() == [None, None, None]
    assert not [m for m in chat.outbox() if m.recipient in ("lisi", "zhaoliu") and "改由您负责" in str(m.payload)]


def office_directory(planning: str, xiaoli_in: int = 3) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """The office as WeCom lists it, with the planning office (id 3) named `planning`."""
    departments = [{"id": n, "name": name} for n, name in
                   enumerate(("办公室", planning, "执法监察大队", "地籍股", "局领导"), start=2)]
    users = [{"userid": userid, "name": name, "main_department": department, "status": 1}
             for userid, name, department in (
                 ("zhangsan", "张三", 2), ("xiaoli", "小李", xiaoli_in), ("lisi", "李四", 4), ("zhaoliu", "赵六", 5),
                 ("wangwu", "王五", 6), ("zhouqi", "周七", 6), ("admin", "钱主任", 2))]
    return departments, users


def test_a_department_renamed_in_wecom_keeps_its_own_editor(chat: ChatDriver) -> None:
    """The own editor is kept by department name: a rename synced from WeCom sent the department's drafts to the
    least-loaded editor without a word (found by a review of rewards)."""
    from bot.domain import directory

    chat.as_member("admin").says("成员 部门编辑 规划股 zhaoliu")
    with chat.runtime.sessions.begin() as session:
        result = directory.sync(session, *office_directory("国土空间规划股"), chat.runtime.clock())
        assert result.renamed == [("规划股", "国土空间规划股")]
    assert "编辑：赵六" in chat.as_member("xiaoli").says("投稿 改名后的第一篇\n正文")
    with chat.runtime.sessions.begin() as session:  # a transfer out of a department that stays is no rename
        result = directory.sync(session, *office_directory("国土空间规划股", xiaoli_in=2), chat.runtime.clock())
        assert result.renamed == []
    assert "编辑：赵六" not in chat.as_member("xiaoli").says("投稿 调到办公室后的一篇\n正文")


def test_a_department_merged_into_one_that_was_there_gives_it_no_editor(chat: ChatDriver) -> None:
    """规划股 dissolved, 小李 now in 办公室, which has no own editor: no rename (found by a review of today's)."""
    from bot.domain import directory

    chat.as_member("admin").says("成员 部门编辑 规划股 zhaoliu")
    departments, users = office_directory("规划股", xiaoli_in=2)
    with chat.runtime.sessions.begin() as session:
        result = directory.sync(session, [d for d in departments if d["name"] != "规划股"], users,
                                chat.runtime.clock())
        assert result.renamed == []


def test_a_csv_that_swaps_two_editors_hands_over_to_the_one_who_edits(chat: ChatDriver) -> None:
    import io

    from bot.domain import members

    chat.as_member("zhangsan").says("投稿 第一篇\n正文")  # lisi's
    swapped = ("userid,name,department,roles\n"
               "lisi,李四,执法监察大队,通讯员\nxiaoli,小李,规划股,编辑\nzhaoliu,赵六,地籍股,通讯员\n")
    with chat.runtime.sessions.begin() as session:
        assert members.import_csv(session, io.StringIO(swapped), chat.runtime.clock()).handed_over == 1
        assert session.get(Draft, 1).editor.userid == "xiaoli"


def test_an_approved_draft_whose_editor_left_goes_out_by_another_editor(chat: ChatDriver) -> None:
    chat.as_member("zhangsan").says("投稿 第一篇\n正文")
    chat.as_member("lisi").says("送审 #1")
    chat.as_member("wangwu").says("批准 #1")
    refused = chat.as_member("zhaoliu").says("投递 #1 韶关日报")
    assert "只有稿件 #1 的编辑 李四或管理员可以投递。请把要投的媒体告诉编辑 李四" in refused
    chat.as_member("admin").says("成员 角色 lisi 通讯员")
    reply = chat.as_member("zhaoliu").says("投递 #1 韶关日报")
    assert "只有稿件" not in reply and "韶关日报" in reply


def test_drafts_waiting_for_approval_or_delivery_are_handed_over_too(chat: ChatDriver) -> None:
    chat.as_member("zhangsan").says("投稿 第一篇\n正文")  # lisi's
    chat.as_member("zhangsan").says("投稿 第二篇\n正文")  # zhaoliu's
    chat.as_member("zhangsan").says("投稿 第三篇\n正文")  # lisi's
    chat.as_member("lisi").says("送审 #1")
    chat.as_member("lisi").says("送审 #3")
    chat.as_member("wangwu").says("批准 #3")
    assert chat.as_member("admin").says("成员 角色 lisi 通讯员").endswith("其负责的稿件已转交：#1 → 赵六，#3 → 赵六")
    told = [m.payload["text"]["content"] for m in chat.outbox() if m.recipient == "zhaoliu"]
    assert "稿件 #3《第三篇》（已批准）的编辑 李四 已不再担任编辑，改由您负责。" in told[-1]
    chat.as_member("wangwu").says("退回 #1 请补充人数")
    chat.as_member("zhangsan").says("修改 #1\n正文，三十人参加")
    assert "请继续编辑" in chat.outbox()[-1].payload["text"]["content"]
    assert chat.outbox()[-1].recipient == "zhaoliu"
    assert "待我处理（3）：\n#3《第三篇》已批准" in chat.as_member("zhaoliu").says("稿件")  # #3 awaits their 投递
    assert "韶关日报" in chat.as_member("zhaoliu").says("投递 #3 韶关日报")


def test_an_editor_who_lost_the_role_can_no_longer_revise(chat: ChatDriver) -> None:
    chat.as_member("zhangsan").says("投稿 第一篇\n正文")  # lisi's
    chat.as_member("lisi").says("送审 #1")
    chat.as_member("wangwu").says("批准 #1")
    with chat.runtime.sessions.begin() as session:  # behind the bot's back: no hand-over ran
        session.execute(update(Member).where(Member.userid == "lisi").values(role_names="correspondent"))
    assert "只有稿件 #1 的编辑 李四可以修改" in chat.as_member("lisi").says("修改 #1\n李四想改")
    assert "「投递」需要编辑角色" in chat.as_member("lisi").says("投递 #1 韶关日报")
    with chat.runtime.sessions.begin() as session:
        draft = session.get(Draft, 1)
        assert (draft.state, draft.current_version, draft.approved_hash is not None) == ("approved", 1, True)


def test_admins_hear_of_a_pending_draft_nobody_may_approve_any_more(chat: ChatDriver) -> None:
    chat.as_member("zhangsan").says("投稿 第一篇\n正文")
    chat.as_member("lisi").says("送审 #1")
    admin = chat.as_member("admin")
    admin.says("成员 角色 wangwu 通讯员")
    assert not [m for m in chat.outbox() if "no-approver" in m.dedupe_key]  # 周七 may still approve
    admin.says("成员 角色 zhouqi 编辑")
    told = [(m.recipient, m.payload["text"]["content"]) for m in chat.outbox() if "no-approver" in m.dedupe_key]
    assert told == [("admin", "稿件 #1《第一篇》待审核，但没有可审核的人（审核人都参与了写作或编辑，或已停用、"
                              "不再担任审核人）。请给一位没有参与此稿的成员加上审核角色：「成员 角色 账号 其现有角色 "
                              "审核」（角色要写全，未写的会被去掉）。")]
    admin.says("成员 部门 zhouqi 办公室")  # no change of roles: nobody is told twice
    assert len([m for m in chat.outbox() if "no-approver" in m.dedupe_key]) == 1
    admin.says("成员 角色 zhaoliu 编辑 审核")  # as told: a new approver, who had no hand in #1
    [card] = [m for m in chat.outbox() if m.recipient == "zhaoliu" and m.dedupe_key.startswith("draft:1:review")]
    assert "待审核：#1《第一篇》" in card.payload["fallback"]
    assert "已批准稿件 #1" in chat.as_member("zhaoliu").says("批准 #1")


def test_admins_hear_again_when_a_draft_loses_its_approvers_a_second_time(chat: ChatDriver) -> None:
    chat.as_member("zhangsan").says("投稿 第一篇\n正文")
    chat.as_member("lisi").says("送审 #1")
    admin = chat.as_member("admin")
    admin.says("成员 角色 wangwu 通讯员")
    admin.says("成员 角色 zhouqi 编辑")  # first loss
    chat.runtime.clock.advance(seconds=60)
    admin.says("成员 角色 zhouqi 审核")
    chat.runtime.clock.advance(seconds=60)
    admin.says("成员 角色 zhouqi 编辑")  # second loss
    assert len([m for m in chat.outbox() if "no-approver" in m.dedupe_key]) == 2


def test_only_a_lost_approver_tells_the_admins_again(chat: ChatDriver) -> None:
    chat.as_member("zhangsan").says("投稿 第一篇\n正文")
    chat.as_member("lisi").says("送审 #1")
    admin = chat.as_member("admin")
    admin.says("成员 角色 wangwu 通讯员")
    admin.says("成员 角色 zhouqi 编辑")
    chat.runtime.clock.advance(seconds=60)
    admin.says("成员 角色 xiaoli 通讯员 编辑")  # unrelated changes: #1 is no more stuck than it was
    admin.says("成员 角色 xiaoli 通讯员")
    assert len([m for m in chat.outbox() if "no-approver" in m.dedupe_key]) == 1


def test_a_csv_gives_new_and_returning_approvers_the_waiting_cards(chat: ChatDriver) -> None:
    import io

    from bot.domain import members

    with chat.runtime.sessions.begin() as session:
        session.execute(update(Member).where(Member.userid == "zhouqi").values(active=False))
    chat.as_member("zhangsan").says("投稿 第一篇\n正文")
    chat.as_member("lisi").says("送审 #1")
    rows = "userid,name,department,roles\nzhouqi,周七,局领导,审核\nxinren,新人,局领导,编辑 审核\n"  # new, last
    with chat.runtime.sessions.begin() as session:
        assert members.import_csv(session, io.StringIO(rows), chat.runtime.clock()).handed_over == 0
    cards = sorted(m.recipient for m in chat.outbox() if m.dedupe_key.startswith("draft:1:review"))
    assert cards == ["wangwu", "xinren", "zhouqi"]


def test_a_new_member_on_the_last_csv_row_takes_no_draft_without_an_editor(chat: ChatDriver) -> None:
    import io

    from bot.domain import members

    with chat.runtime.sessions.begin() as session:  # no editor: the draft waits for one
        session.execute(update(Member).where(Member.userid.in_(["lisi", "zhaoliu"])).values(active=False))
    chat.as_member("zhangsan").says("投稿 第一篇\n正文")
    with chat.runtime.sessions.begin() as session:
        session.execute(update(Member).where(Member.userid.in_(["lisi", "zhaoliu"])).values(active=True))
        result = members.import_csv(session, io.StringIO("userid,name,department,roles\nxinren,新人,局领导,审核\n"),
                                    chat.runtime.clock())
        assert result.handed_over == 0 and session.get(Draft, 1).editor_id is None


def test_hidden_characters_in_imported_names_are_dropped(chat: ChatDriver) -> None:
    """A name pasted with a control or zero-width character would break the .xlsx report and every search."""
    import io

    from bot.domain import members

    with chat.runtime.sessions.begin() as session:
        rows = "userid,name,department,roles\nxinren,新\x01人\u200b,办公室\u2028,通讯员\n"
        members.import_csv(session, io.StringIO(rows), chat.runtime.clock())
    assert (member(chat, "xinren").name, member(chat, "xinren").department) == ("新人", "办公室")


def test_an_admin_cannot_make_themselves_an_approver(chat: ChatDriver) -> None:
    """层层把关: an admin who could grant themselves 审核 could approve a draft alone."""
    admin = chat.as_member("admin")
    refused = admin.says("成员 角色 admin 管理员 审核")
    assert refused == ("管理员不能为自己添加审核角色，本次角色未作修改。"
                       "请由另一位管理员发送「成员 角色 admin 审核 管理员」设置，或联系系统运维人员设置。")
    assert member(chat, "admin").roles == frozenset({Role.admin})
    assert "已" in admin.says("成员 角色 admin 管理员 通讯员")  # other roles may still be taken


def test_an_import_that_would_leave_no_admin_changes_nothing(chat: ChatDriver) -> None:
    import io

    import pytest

    from bot.domain import members
    from bot.domain.errors import UsageError
    from tests.conftest import OFFICE_CSV

    rows = OFFICE_CSV.replace("admin,钱主任,办公室,admin", "admin,钱主任,办公室,通讯员")
    with pytest.raises(UsageError, match="导入后将没有管理员"), chat.runtime.sessions.begin() as session:
        members.import_csv(session, io.StringIO(rows), chat.runtime.clock())
    assert member(chat, "admin").roles == frozenset({Role.admin})
    with chat.runtime.sessions.begin() as session:  # another admin in the same file: the office keeps one
        members.import_csv(session, io.StringIO(rows.replace("wangwu,王五,局领导,approver",
                                                             "wangwu,王五,局领导,approver|admin")),
                           chat.runtime.clock())
    assert member(chat, "admin").roles == frozenset({Role.correspondent})


def test_a_department_typed_with_a_full_stop_or_a_slip_is_not_a_new_department_unseen(chat: ChatDriver) -> None:
    admin = chat.as_member("admin")
    reply = admin.says("成员 部门 张三 规划股。")
    assert reply.startswith("已将 张三（zhangsan）的部门设为：规划股。（") and "新部门" not in reply
    assert "规划股。：" not in admin.says("成员")
    slip = admin.says("成员 部门 张三 规化股")
    assert ("注意：「规化股」是新部门，统计和排行会把它单独列出。"
            "现有部门：办公室、地籍股、局领导、执法监察大队、规划股") in slip


def test_a_draft_returned_to_an_author_who_left_goes_back_to_its_editor(chat: ChatDriver) -> None:
    """Only the author may revise a returned draft: after they left it waited for ever where no list showed it
    (found by a review of never losing a draft). Now it is the editor's again, and the editor is told."""
    from bot.domain import directory

    chat.as_member("xiaoli").says("投稿 乐昌开展地灾演练\n第一段。")
    chat.as_member("lisi").says("退回 #1 请补充参演人数")
    departments, users = office_directory("规划股")
    with chat.runtime.sessions.begin() as session:
        directory.sync(session, departments, [u for u in users if u["userid"] != "xiaoli"], chat.runtime.clock())
    with chat.runtime.sessions.begin() as session:
        draft = session.get(Draft, 1)
        assert (draft.state, draft.editor.userid) == ("editing", "lisi")
    [told] = [m for m in chat.outbox() if m.recipient == "lisi" and "作者已停用" in str(m.payload)]
    assert "退回给作者 小李 修改，但作者已停用，稿件回到编辑中" in told.payload["text"]["content"]
    assert "已保存" in chat.as_member("lisi").says("修改 #1\n第一段。参演 200 人。")


def test_a_draft_returned_to_an_author_who_may_write_no_more_goes_back_to_its_editor(chat: ChatDriver) -> None:
    """Promoted to 审核 only, the author may not send 修改: the returned draft goes back to its editor too."""
    chat.as_member("xiaoli").says("投稿 乐昌开展地灾演练\n第一段。")
    chat.as_member("lisi").says("退回 #1 请补充参演人数")
    chat.as_member("admin").says("成员 角色 xiaoli 审核")
    with chat.runtime.sessions.begin() as session:
        assert session.get(Draft, 1).state == "editing"
    assert any("但作者已不是通讯员，稿件回到编辑中" in str(m.payload) for m in chat.outbox() if m.recipient == "lisi")


def test_moving_a_member_with_drafts_says_their_figures_move_too(chat: ChatDriver) -> None:
    """排行 and 统计 sum by a member's department now: a move carries their past figures along (found by a review
    of rewards; a department kept per draft is a larger change left for later)."""
    admin = chat.as_member("admin")
    assert "以往的稿件和积分" not in admin.says("成员 部门 xiaoli 办公室")  # no draft yet
    chat.as_member("xiaoli").says("投稿 规划股的稿\n正文")
    moved = admin.says("成员 部门 xiaoli 执法监察大队")
    assert "小李以往的稿件和积分也随之从办公室计入执法监察大队" in moved


def test_the_bureaus_leaders_owe_no_drafts_unless_they_write(chat: ChatDriver) -> None:
    """局领导 was called out every month in the group's report (宣传无死角); the 局长 leads the office's work as
    an admin (领导小组组长), the deputy directors approve. An approver who also writes owes drafts like anyone."""
    admin = chat.as_member("admin")
    admin.says("成员 部门 admin 局领导")
    assert "还没有通讯员的部门：地籍股（" in admin.says("成员")
    assert admin.says("统计").endswith("没有投稿的部门：办公室、地籍股、执法监察大队、规划股")
    admin.says("成员 角色 wangwu 审核 通讯员")
    assert admin.says("统计").endswith("没有投稿的部门：办公室、地籍股、局领导、执法监察大队、规划股")
    # An admin alone is the office's staff, not its leaders: 办公室 left without its correspondent owes one.
    admin.says("成员 部门 admin 办公室")
    admin.says("成员 部门 zhangsan 规划股")
    admin.says("成员 部门 xiaoli 规划股")
    assert "还没有通讯员的部门：办公室、地籍股（" in admin.says("成员")
