"""Files for the office in chat: 导出 (the reward settlement of a year or quarter, a month's figures, the year's
summary) and 审批表 (a draft's approval form).

The command only queues a job (an outbox row on the `export` channel); the dispatcher builds the file and
sends it to the member as a WeCom file message, never inside WeCom's 5 seconds. In local mode it is saved in
`NEWSBOT_EXPORTS_DIR` instead.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from bot import outbox
from bot.domain import drafts, members
from bot.forms import write_approval_form
from bot.messages import Incoming
from bot.outbox import APP, Transport, Undeliverable
from bot.reports import monthly_workbook, rewards_workbook
from bot.summary import write_year_summary
from bot.wecom.transports import wecom_policy
from models import Draft, OutboxMessage, Role

EXPORT_JOB = "export"
WECOM_FILE_MAX = 20 * 1024 * 1024  # what media/upload takes
MEDIA_KEPT = timedelta(days=2)  # WeCom keeps an upload 3 days; a retry within 2 sends it again
_NOT_IN_FILENAMES = re.compile(r'[\\/:*?"<>|\s]+')
ROLES = {"rewards": {Role.admin}, "monthly": {Role.admin}, "summary": {Role.admin},  # who may have which file
         "form": {Role.editor, Role.approver}}


def settlement(start: date, end: date, name: str) -> dict[str, Any]:
    """The reward settlement (用稿奖励表) of [start, end), named like 「2026年第3季度」."""
    return {"kind": "rewards", "start": start.isoformat(), "end": end.isoformat(), "name": name}


def month_figures(start: date, end: date) -> dict[str, Any]:
    return {"kind": "monthly", "start": start.isoformat(), "end": end.isoformat()}


def year_summary(year: int) -> dict[str, Any]:
    """The year in figures for the annual summary (年度宣传工作总结)."""
    return {"kind": "summary", "year": year}


def approval_form(draft: Draft) -> dict[str, Any]:
    return {"kind": "form", "draft_id": draft.id}


def queue(session: Session, msg: Incoming, job: dict[str, Any], now: datetime) -> None:
    """Queue the file for the member who asked (once per message, whatever WeCom retries)."""
    outbox.enqueue(session, channel=EXPORT_JOB, recipient=msg.userid,
                   payload={**job, "reply": outbox.reply_route(msg, now)}, dedupe_key=f"export:{msg.key}", now=now)


def build(session: Session, job: dict[str, Any], userid: str, zone: ZoneInfo, today: date) -> tuple[str, bytes]:
    """The file's name and content, from the data as it is now, if the member may still have it (a file
    queued while WeCom was down may be built hours later)."""
    member = members.get(session, userid)
    if member is None or not member.active or not any(member.may(role) for role in ROLES[job["kind"]]):
        raise Undeliverable(f"{userid} 要文件之后已停用或不再有相应角色，文件没有发出。")
    out = io.BytesIO()
    if job["kind"] == "form":
        draft = drafts.get(session, job["draft_id"])
        if not drafts.may_see(member, draft):
            raise Undeliverable(f"{userid} 已不是稿件 {draft.number} 的编辑或审核人，审批表没有发出。")
        write_approval_form(session, draft, out, zone)
        filename = f"审批表-{draft.id}-{_NOT_IN_FILENAMES.sub('_', draft.title)[:40]}.docx"
    elif job["kind"] == "summary":
        write_year_summary(session, job["year"], today, zone, out)
        filename = f"{job['year']}年度宣传工作总结数据.docx"
    else:
        start, end = date.fromisoformat(job["start"]), date.fromisoformat(job["end"])
        if job["kind"] == "rewards":
            rewards_workbook(session, start, end, job["name"], today, out)
            filename = f"{job['name']}用稿奖励表.xlsx"
        else:
            monthly_workbook(session, start, end, zone, today, out)
            filename = f"{start:%Y-%m}统计表.xlsx"
    return filename, out.getvalue()


class ExportJob:
    """The outbox transport of the `export` channel: build the file, upload it, send it as the member's app
    message (through the app transport, so WeCom's limits per member hold); in local mode, save it.

    The upload is kept on the row while WeCom keeps the file: a retry sends the same media_id again, so WeCom's
    duplicate check drops a message that arrived although its answer was lost."""

    outlasts_lease = True  # a large workbook uploaded on a slow line has no bound in all

    def __init__(self, sessions: sessionmaker[Session], zone: ZoneInfo, clock: Callable[[], datetime],
                 upload: Callable[[str, bytes], str] | None, app: Transport, folder: Path,
                 write: Callable[[str], None] = print) -> None:
        self._sessions, self._zone, self._clock, self._upload, self._app = sessions, zone, clock, upload, app
        self._folder, self._write = folder, write

    def send(self, message: OutboxMessage) -> None:
        media_id = self._kept(message.payload)
        if media_id is None:
            with self._sessions.begin() as session:
                filename, data = build(session, message.payload, message.recipient, self._zone,
                                       self._clock().astimezone(self._zone).date())
            if self._upload is None:
                self._save(message.recipient, filename, data)
                return
            media_id = self._uploaded(self._upload, message, filename, data)
        self._app.send(OutboxMessage(id=message.id, channel=APP, recipient=message.recipient,
                                     payload={"msgtype": "file", "file": {"media_id": media_id}},
                                     dedupe_key=message.dedupe_key, attempts=message.attempts))

    def _kept(self, job: dict[str, Any]) -> str | None:
        uploaded = job.get("uploaded_at")
        if uploaded is None or self._clock() - datetime.fromisoformat(uploaded) > MEDIA_KEPT:
            return None
        return str(job["media_id"])

    def _uploaded(self, upload: Callable[[str, bytes], str], message: OutboxMessage, filename: str,
                  data: bytes) -> str:
        if len(data) > WECOM_FILE_MAX:
            raise Undeliverable(f"文件「{filename}」有 {len(data) / 1024 / 1024:.1f} MB，超过企业微信 20 MB 的上限；"
                                "请运维人员用 newsbot report 导出后转交。")
        with wecom_policy():
            media_id = upload(filename, data)
        with self._sessions.begin() as session:
            session.execute(update(OutboxMessage).where(OutboxMessage.id == message.id).values(
                payload={**message.payload, "media_id": media_id, "uploaded_at": self._clock().isoformat()}))
        return media_id

    def _save(self, userid: str, filename: str, data: bytes) -> None:
        """Local mode: the file in the exports folder, beside (never over) an earlier one of the same name."""
        stem, suffix = Path(filename).stem, Path(filename).suffix
        try:
            self._folder.mkdir(parents=True, exist_ok=True)
            for n in itertools.count(1):
                path = self._folder / (filename if n == 1 else f"{stem}-{n}{suffix}")
                try:
                    with path.open("xb") as file:
                        file.write(data)
                    break
                except FileExistsError:
                    continue
        except OSError as error:
            raise Undeliverable(f"文件无法保存到 {self._folder}（{error.strerror or error}）："
                                "请运维人员检查 NEWSBOT_EXPORTS_DIR 所指的目录。") from error
        self._write(f"[本地模式·未发送] 文件发给 {userid}：{filename}（{len(data) / 1024:.0f} KB），已保存到 {path}")
