"""成员: the member list and the admins' role and department changes."""

from __future__ import annotations

from itertools import groupby

from bot.domain import drafts, members
from bot.domain.errors import UsageError
from bot.messages import Incoming, Reply
from bot.router import Context, Router
from models import Member, Role

router = Router()
_USAGE = ("成员 角色 zhangsan 通讯员 编辑｜成员 部门 zhangsan 办公室｜成员 部门编辑 办公室 lisi（无：取消）｜"
          "有人离开宣传队伍：成员 角色 zhangsan 无（稿件和积分记录都保留）")


@router.command("成员", roles={Role.admin})
def roster(msg: Incoming, ctx: Context) -> Reply:
    """成员 [角色 账号 角色…｜部门 账号 部门｜部门编辑 部门 账号] — 成员名单，修改角色、部门和部门编辑（管理员）
    例：成员 角色 lisi 编辑 通讯员
    """
    words = ctx.command.raw_args.split(None, 2)
    if not words:
        return Reply(_listing(members.all_members(ctx.session), members.department_editors(ctx.session)))
    if len(words) == 3 and words[0] == "角色":
        member = members.find(ctx.session, words[1])
        had = member.roles
        _, handed = members.set_roles(ctx.session, member.userid, members.parse_roles(words[2]), ctx.now,
                                      ctx.member.userid)
        lines = [f"已将 {member.name}（{member.userid}）的角色设为：{member.role_labels}。"]
        if member.roles and (had - member.roles):  # 成员 角色 replaces: 「成员 角色 lisi 审核」 meant to add, often
            removed = "、".join(role.label for role in Role if role in had - member.roles)
            both = " ".join(role.label for role in Role if role in had | member.roles)
            lines[0] += f"（去掉了原有的{removed}；如只想加上角色，请发送「成员 角色 {member.userid} {both}」）"
        if handed:
            lines.append("其负责的稿件已转交：" + "，".join(
                f"{d.number} → {d.editor.name if d.editor else '待分配（已通知管理员）'}" for d in handed))
        if member.userid in ctx.settings.admin_userids and Role.admin not in member.roles:
            lines.append(f"注意：{member.userid} 列在配置 NEWSBOT_ADMINS 中，下次发消息时会重新成为管理员；"
                         "要撤销请联系系统运维人员从配置中删除。")
        return Reply("\n".join(lines))
    if len(words) == 3 and words[0] == "部门":
        member = members.find(ctx.session, words[1])
        known = sorted({m.department for m in members.all_members(ctx.session) if m.active and m.department})
        before = member.department
        members.set_department(ctx.session, member, words[2], ctx.now, ctx.member.userid)
        new = (f"\n注意：「{member.department}」是新部门，统计和排行会把它单独列出。现有部门：{'、'.join(known)}；"
               "写错了请重新设置。" if member.department not in known else "")  # 「规化股」 for 规划股
        editors = members.department_editors(ctx.session)
        own = editors.get(before)
        fresh = member.department not in known and member.department not in editors  # no member, no own editor
        if own is not None and before != member.department and fresh and before not in {
                m.department for m in members.all_members(ctx.session) if m.active}:  # the last one out: a rename?
            new += (f"\n注意：{before}已没有成员，它的部门编辑{own.name}不再分到新稿件。如是部门改名，请发送"
                    f"「成员 部门编辑 {member.department} {own.userid}」。")
        if before and before != member.department and drafts.wrote_any(ctx.session, member):
            new += (f"\n注意：部门排行和统计按成员现在的部门汇总，{member.name}以往的稿件和积分也随之从{before}"
                    f"计入{member.department}；已通报的排行请以当时导出的表格为准。")
        return Reply(f"已将 {member.name}（{member.userid}）的部门设为：{member.department}。"
                     "（从企业微信同步通讯录时，部门会按通讯录更新。）" + new)
    if len(words) == 3 and words[0] == "部门编辑":
        department, who = words[1], words[2].strip()
        editor = None if who == "无" else members.find(ctx.session, who)
        members.set_department_editor(ctx.session, department, editor, ctx.now, ctx.member.userid)
        if editor is None:
            return Reply(f"已取消{department}的部门编辑：新稿件分配给当前稿件最少的编辑。")
        return Reply(f"已将 {editor.name}（{editor.userid}）设为{department}的部门编辑：该部门成员的新稿件由其编辑"
                     "（作者本人或不再是编辑时，仍分配给稿件最少的编辑）。")
    roles = "、".join(role.label for role in Role)
    raise UsageError(f"用法：成员｜{_USAGE}\n角色可写：{roles}，多个用空格或「、」分开；写「无」取消全部角色。")


def _listing(people: list[Member], own_editors: dict[str, Member]) -> str:
    active = sum(m.active for m in people)
    lines = [f"成员 {active} 人" + (f"（另有 {len(people) - active} 人已停用）" if len(people) > active else "") + "："]
    for department, group in groupby(people, key=lambda m: m.department):
        names = "、".join(f"{m.name}（{m.userid}，{m.role_labels}{'，已停用' if not m.active else ''}）" for m in group)
        own_editor = own_editors.get(department)
        own = "" if own_editor is None else f"（部门编辑：{own_editor.name}" + (
            "）" if members.is_editor(own_editor) else "，已不是在职编辑，新稿件按稿件最少分配）")
        lines.append(f"{department or '未填部门'}{own}：{names}")
    missing = members.departments_without(people, Role.correspondent)
    if missing:
        lines.append(f"还没有通讯员的部门：{'、'.join(missing)}（每个部门应推荐一名通讯员；"
                     "部门里的编辑也写稿的，请给其加上通讯员角色：成员 角色 账号 编辑 通讯员）")
    lines.append(f"修改：{_USAGE}")
    return "\n".join(lines)
