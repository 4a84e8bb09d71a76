"""投递, 刊发 and 不采用: sending approved drafts to outlets and recording what they published."""

from __future__ import annotations

import re
from datetime import date, timedelta

from bot.domain import drafts, outlets, periods, publishing, rewards, submitting, workdays
from bot.domain.errors import UsageError
from bot.domain.proof import PAGE, PROGRAMME, Proof
from bot.messages import Incoming, Reply
from bot.quoting import draft_quoted
from bot.router import Context, Router
from bot.text import day_name, to_half_width
from handlers.arguments import take_number
from models import DraftState, Level, Role, SubmissionState

router = Router()
FRONT_PAGE_WORDS = ("头版", "头条", "头版头条")
REASON_MAX = 200
# A link in 刊发 ends at a blank, Chinese punctuation, or ASCII punctuation before Chinese (「…/1.html,头版」);
# ASCII brackets stay in it (the feedback escapes them).
_LINK = re.compile(r"https?://(?:[^\s，。；：！？、（）《》“”‘’「」『』【】,;:]|[,;:](?=[\x21-\x7e]))+")
# Between 刊发's other words, as typed: a Chinese colon or bracket too (an ASCII one may be a mistyped link's).
_SEPARATORS = re.compile(r"[\s，。；、,;！？!?：（）【】]+")
# 「5月13日第3版」「第3版头条」「乐昌电视台《乐昌新闻》」: two words; but 「《南方》杂志」, an outlet, is one.
_PAGE_GLUED = re.compile(f"(?<![0-9A-Za-z第])({PAGE.pattern})|(?<=[^》])({PROGRAMME.pattern})$")
_LOOKS_LIKE_LINK = re.compile(r"[./:]")  # 「sgrb.com/1」 is a link mistyped; 「要闻版」 is not
_OUTLET_THEN_REASON = re.compile(r"[\s，,：:；;、]+")
_COLON_AFTER_CHINESE = re.compile(r"(?<=[^\x00-\x7f]):+$")  # 「韶关日报:」; 「http:」 stays a mistyped link's


@router.command("投递", roles={Role.editor}, takes_number=True, near=("投送", "转投", "发邮件", "一稿多投"))
def send_to_outlets(msg: Incoming, ctx: Context) -> Reply:
    """投递 #编号 媒体…｜全部 — 按各媒体格式要求把批准的稿件发到投稿邮箱
    例：投递 #12 韶关日报 南方网
    """
    number, rest = take_number(ctx.command, "投递")
    if not (ctx.settings.mail_configured or ctx.settings.mail_printed):
        raise UsageError("尚未配置邮件发送服务（SMTP），暂不能投递。请联系系统运维人员设置 NEWSBOT_SMTP_HOST 和 "
                         f"NEWSBOT_SMTP_SENDER 并重启服务；稿件 #{number} 状态不变，设置完成后请重新发送"
                         f"「投递 #{number} {rest.raw_args.strip() or '媒体'}」。")
    result = submitting.send_to_outlets(ctx.session, number, ctx.member, outlets.names_in(rest.raw_args),
                               ctx.settings.smtp_sender, ctx.now)
    lines = []
    if result.queued:
        lines.append(f"稿件 #{number} 已排队投递：{'、'.join(o.name for o in result.queued)}。")
    lines += [f"未投 {check.outlet.name}：{'；'.join(check.problems)}" for check in result.refused]
    if any(check.needs_revision for check in result.refused):
        if drafts.get(ctx.session, number).state == DraftState.approved:  # nothing went out: it may change still
            lines.append(f"要投这些媒体，请发送「修改 #{number}」改正文（标题另起一行写「标题：新标题」），"
                         "改后需重新批准，再投递。")
        else:
            lines.append("本稿已投递其他媒体，不能再修改，字数或标题不合要求的媒体这次无法投递。"
                         "以后投递「全部」前，请先发送「媒体」核对各媒体的要求，需要时先修改。")
    if result.already:  # 已投递, or what came of it (刊发 with no e-mail of ours too)
        lines.append("之前已有记录，没有再发：" + "、".join(f"{s.outlet.name}（{SubmissionState(s.state).label}）"
                                                    for s in result.already))
    lines += [f"没有发给{outlet.name}：它的邮箱 {outlet.mailbox} 已收到过这篇稿件（{twin.outlet.name}，"
              f"{SubmissionState(twin.state).label}）。" for outlet, twin in result.same_mailbox]
    lines += [f"没有再发给{s.outlet.name}：之前已投递到它原来的邮箱 {s.sent_to}，现在的邮箱是 {s.outlet.mailbox}。"
              f"需要发到新邮箱请单独发送「投递 #{number} {s.outlet.name}」。" for s in result.moved]
    if result.unsure:
        unsure = "、".join(o.name for o in result.unsure)
        lines.append(f"没有再发给{unsure}：之前的邮件发送时连接中断，可能已经收到。请先向媒体确认；"
                     f"没有收到再单独发送「投递 #{number} {result.unsure[0].name}」。")
    if result.waiting:
        waiting = "、".join(o.name for o in result.waiting)
        lines.append(f"还在排队等待发送（之前的投递，邮件服务器恢复后自动发出）：{waiting}；"
                     f"发送「稿件 #{number}」查看状态。")
    return Reply("\n".join(lines))


@router.command("刊发", takes_number=True, near=("发表", "见报", "刊登", "登报", "采用", "用稿"))
def published(msg: Incoming, ctx: Context) -> Reply:
    """刊发 #编号 媒体 链接｜版面 [头版] [日期] — 登记用稿、计积分、在工作群发用稿反馈
    例：刊发 #12 韶关日报 https://… 12月30日
    """
    number, rest = take_number(ctx.command, "刊发")
    today = ctx.today
    outlet_word, proof, on = _read(number, rest.raw_args, today)
    result = publishing.publish(ctx.session, number, ctx.member, outlet_word, proof, ctx.now, ctx.settings.zone, on)
    outlet = result.submission.outlet
    moved = f"，积分按刊发日期调整：{result.moved}" if result.moved else ""
    if result.corrected:
        gained = (f"积分 {result.added_points:+g}" if result.added_points else "积分不变") + moved
        told = ("更正已发到工作群。" if result.posted else
                f"这条用稿反馈今天已在工作群发过 {publishing.FEEDBACK_POSTS_A_DAY} 次，本次更正只记录、不再发群；"
                f"发送「稿件 #{number}」可查看最新记录。")
        return Reply(f"已更正稿件 #{number} 在{outlet.name}的刊发记录：{result.corrected}（{gained}），{told}")
    if result.repeated:
        return Reply(f"已登记：稿件 #{number} 在{outlet.name}的刊发之前已记录，无需重复。"
                     "链接或版面有误、漏写头版时，发送同样的「刊发」命令和正确的链接或版面（加「头版」）即可更正。")
    highest_only = rewards.current(ctx.session).highest_only
    why = f"（本稿累计 {result.total:g} 分{'，多方采用按最高计' if highest_only else ''}）"  # 南方网 5, then 头版 6: +1
    if moved:  # an earlier publication recorded late: the total may stand while a quarter's ranking changes
        gained = moved + why
    elif result.added_points:
        gained = f"，积分 +{result.added_points:g}{why if result.total != result.added_points else ''}"
    else:
        gained = "（多方采用按最高计，本次不加分）" if highest_only else "（本次积分为 0）"
    day, page = result.submission.published_on, result.submission.page
    details = [*([day_name(day)] if day and day != today else []), *([page] if page else [])]
    when = f"（{' '.join(details)}）" if details else ""
    reply = (f"已登记稿件 #{number} 在{outlet.name}（{Level(outlet.level).label}）刊发{when}{gained}，"
             "用稿反馈已发到工作群。")
    if on is None and today.month % 3 == 1 and today.day <= QUARTER_NOTE_DAYS:  # last quarter's, recorded late?
        before = today.replace(day=1) - timedelta(days=1)
        seen = result.submission.url or result.submission.page or ""
        counted = f"{today.year}年第{periods.quarter(today.month)}季度"
        reply += (f"\n没有写刊发日期，按今天（{day_name(today)}）计入{counted}。"
                  f"如是上季度刊发的，请发送「刊发 #{number} {outlet.name} {seen} {day_name(before)}」"
                  "（写实际日期）更正。")
    return Reply(reply)


QUARTER_NOTE_DAYS = 7  # in a quarter's first week, a publication recorded without its day may be last quarter's


def _read(number: int, text: str, today: date) -> tuple[str, Proof, date | None]:
    """刊发's words after the number, in any order: the outlet, a link or a page (or both), 头版, the day."""
    links: list[str] = []
    pages: list[str] = []
    others: list[str] = []
    front_page, on = False, None
    for word in _words(text):
        if _LINK.fullmatch(word):
            links.append(word)
        elif word in FRONT_PAGE_WORDS:
            front_page = True
        elif PAGE.fullmatch(word) or PROGRAMME.fullmatch(word):
            pages.append(word)
        elif on is None and (day := workdays.past_day(word, today)) is not None:
            on = day
        else:
            others.append(word)
    if not others and pages and PROGRAMME.fullmatch(pages[0]):
        others.append(pages.pop(0))  # 「《求是》 第3期」: an outlet named in 《》 comes first
    outlet = others[0] if others else "韶关日报"
    shown = f"{links[0][:60]} 头版" if links else pages[0] if pages else "https://… 头版"
    example = f"刊发 #{number} {outlet} {shown} 5月11日"
    if len(others) == 2 and not (links or pages) and _LOOKS_LIKE_LINK.search(others[1]):
        links.append(others.pop())  # a link mistyped: the domain says what is wrong with it
    if len(others) > 1 or len(links) > 1 or len(pages) > 1:
        extra = (others[1:] or links[1:] or pages[1:])[0]
        if extra in others and ("版" in extra or "期" in extra):
            raise UsageError(f"「{extra[:30]}」不是可识别的版面。版面请写成 第3版、A3版、二版，期刊写 2026年第5期"
                             f"（要闻版等请写版次，如 第2版；头版写 第1版）。例如：刊发 #{number} {outlet} 第2版")
        raise UsageError(f"「{extra[:30]}」无法识别：媒体名称之后只能写一个文章链接、「头版」、报纸版面（如 第3版）"
                         f"和刊发日期（写成 5月11日 或 2026-05-11，当天刊发的不用写）。例如：{example}")
    if not others or not (links or pages):
        raise UsageError(f"用法：刊发 #{number} 媒体名称 文章链接 [头版] [刊发日期]，例如：刊发 #{number} 韶关日报 "
                         "https://…（当天刊发的不用写日期，补登时写 12月30日）；报纸没有网络链接的写版面："
                         f"刊发 #{number} 韶关日报 第3版（头版写 第1版）；电视台写栏目，如《乐昌新闻》")
    return others[0], Proof(links[0] if links else None, pages[0] if pages else None, front_page), on


def _words(text: str) -> list[str]:
    """刊发's words: a link whole, up to the Chinese punctuation or the 「.」 a sentence puts after it; the rest
    split at blanks and punctuation, so that 「…/1.html，头版」 is a link and 头版."""
    words: list[str] = []
    at = 0
    for link in _LINK.finditer(text):
        url = link.group().rstrip(".,;:!?")
        words += [*_split(text[at:link.start()]), url]
        at = link.start() + len(url)
    return [word for word in words + _split(text[at:]) if word]


def _split(text: str) -> list[str]:
    """Words between links: split at blanks and punctuation, and a page glued to its neighbours taken apart."""
    return [_COLON_AFTER_CHINESE.sub("", part) for word in _SEPARATORS.split(text)
            for part in _PAGE_GLUED.split(to_half_width(word)) if part]


@router.command("撤销刊发", roles={Role.admin}, takes_number=True)
def revoke(msg: Incoming, ctx: Context) -> Reply:
    """撤销刊发 #编号 媒体 原因 — 撤销登记错的刊发（媒体或稿件登错、媒体已撤稿），积分随之扣除
    例：撤销刊发 #12 南方网 应为韶关日报
    """
    number, rest = take_number(ctx.command, "撤销刊发")
    words = _OUTLET_THEN_REASON.split(rest.raw_args.strip(), maxsplit=1)  # 「南方网，应为韶关日报」 too
    if len(words) < 2 or not words[1]:
        raise UsageError(f"请写媒体和原因，例如：撤销刊发 #{number} 南方网 应为韶关日报")
    if len(words[1]) > REASON_MAX:
        raise UsageError(f"原因最多 {REASON_MAX} 字，请简要说明。")
    revoked = publishing.revoke(ctx.session, number, ctx.member, words[0], words[1], ctx.now, ctx.settings.zone)
    outlet, lost = revoked.outlet.name, revoked.lost_points
    points = (f"积分按刊发日期调整：{revoked.moved}" if revoked.moved else f"扣除 {lost:g} 分" if lost
              else "积分不变")
    lines = [f"已撤销稿件 #{number} 在{outlet}的刊发登记，{points}"
             + f"，更正已发到工作群。如需登记正确的刊发，请发送「刊发 #{number} 媒体名称 文章链接」。"]
    if revoked.unsent:
        lines.append(f"登记刊发时，给{outlet}的投稿邮件还没有发出；需要投递时请发送「投递 #{number} {outlet}」。")
    return Reply("\n".join(lines))


@router.kind("link")
def bare_link(msg: Incoming, ctx: Context) -> Reply:
    """A link without 刊发 (in a text or shared as a link): ask which draft and outlet it is; nothing is recorded."""
    placed = publishing.place_link(ctx.session, ctx.member, msg.text)
    usage = f"刊发 #编号 媒体名称 {placed.url}"
    named = draft_quoted(msg.text, msg.quoted)
    quoted = publishing.recordable(ctx.session, ctx.member, int(named)) if named else None
    if quoted is not None:  # a link pasted quoting a draft's notice or its 用稿反馈: that draft, as for commands
        return Reply(f"收到链接（尚未登记）。您引用的是稿件 {quoted.number}《{quoted.title}》：如是它的刊发链接，"
                     f"请发送：刊发 {quoted.number} 媒体名称 {placed.url}")
    if not placed.drafts:
        submit = ("" if drafts.wrote_any(ctx.session, ctx.member) else
                  "机器人不读取链接里的文章：投稿请发送「投稿 标题」并换行写正文，或直接发 .docx 文件。")
        return Reply(f"收到链接（尚未登记）。{submit}您没有批准后等待刊发的稿件；若是已刊发稿件在另一家媒体刊发，"
                     f"请写明编号和媒体：{usage}")
    if placed.named and len(placed.drafts) == 1:
        draft, sent_to = placed.drafts[0]
        lines = [f"这是稿件 {draft.number}《{draft.title}》的刊发链接吗？确认请发送（尚未登记）："]
        lines += [f"刊发 {draft.number} {outlet.name} {placed.url}" for outlet in placed.outlets or sent_to] or [
            f"刊发 {draft.number} 媒体名称 {placed.url}"]
        return Reply("\n".join(lines))
    lines = [f"收到链接（尚未登记）。是哪篇稿件、哪家媒体刊发的？请发送：{usage}",
             f"可登记的稿件（最近 {len(placed.drafts)} 篇）：" if placed.more else "可登记的稿件："]
    for draft, sent_to in placed.drafts:
        sent = f"，已投递：{'、'.join(o.name for o in sent_to)}" if sent_to else ""
        lines.append(f"{draft.number}《{draft.title}》{sent}")
    return Reply("\n".join(lines))


@router.command("不采用", takes_number=True)
def not_used(msg: Incoming, ctx: Context) -> Reply:
    """不采用 #编号 媒体… — 登记媒体未采用
    例：不采用 #12 南方网
    """
    number, rest = take_number(ctx.command, "不采用")
    names = outlets.names_in(rest.raw_args)
    if not names:
        raise UsageError(f"请写媒体名称，例如：不采用 #{number} 南方网")
    # Each one, or none: a refusal for one (not sent to it, published there) records none of them.
    done = {s.outlet.name: before for s, before in (publishing.not_used(ctx.session, number, ctx.member, name,
                                                                        ctx.now) for name in names)}
    recorded, already = [n for n, before in done.items() if not before], [n for n, before in done.items() if before]
    lines = [f"已登记：{'、'.join(recorded)}未采用稿件 #{number}。"] if recorded else []
    if already:
        lines.append(f"{'、'.join(already)}不采用稿件 #{number} 之前已登记，无需重复。")
    return Reply("\n".join(lines))
