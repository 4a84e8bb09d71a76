"""Word documents: the A4 page they all use, and the approval form (审批表), a draft's paper trail to file."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

from docx import Document
from docx.document import Document as DocxDocument
from docx.shared import Mm
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain import audit, drafts, members
from bot.text import word_count, xml_safe
from models import AuditEvent, Draft, DraftState


def a4_document() -> DocxDocument:
    """An empty Word document on A4, the paper of every office and newsroom here (python-docx's is US Letter)."""
    document = Document()
    for section in document.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
    return document


def write_approval_form(session: Session, draft: Draft, path: Path | BinaryIO, zone: ZoneInfo) -> None:
    """Title, people, every version with who and when, every decision with its comment, the final text."""
    def when(moment: datetime | None) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""

    document = a4_document()
    document.add_heading("新闻稿件审批表", level=0)
    facts = [
        ("稿件编号", draft.number),
        ("标题", draft.title),
        ("作者", draft.author.name),
        ("部门", draft.author.department or "未填"),
        ("编辑", draft.editor.name if draft.editor else "未分配"),
        ("状态", DraftState(draft.state).label),
        ("投稿时间", when(draft.created_at)),
        ("批准", f"{draft.approved_by.name} {when(draft.approved_at)}" if draft.approved_by else "未批准"),
    ]
    grid = document.add_table(rows=0, cols=2)
    grid.style = "Table Grid"
    for label, value in facts:
        row = grid.add_row().cells
        row[0].text, row[1].text = label, xml_safe(value)

    document.add_heading("版本", level=1)
    versions = drafts.versions(session, draft)
    table(document, ["版本", "修改人", "时间", "字数"],
           [[f"v{v.number}", v.author.name, when(v.created_at), str(word_count(v.text))] for v in versions])

    document.add_heading("审批记录", level=1)
    events = list(session.scalars(select(AuditEvent).where(AuditEvent.draft_id == draft.id,
                                                           AuditEvent.action.in_(audit.ACTION_LABELS))
                                  .order_by(AuditEvent.id)))
    names = members.names(session, (e.actor for e in events if e.actor))
    table(document, ["时间", "经办人", "环节", "版本", "意见"],
           [[when(e.at), names.get(e.actor or "", e.actor or "系统"), audit.ACTION_LABELS[e.action],
             f"v{e.version}" if e.version else "", e.comment or ""] for e in events])

    final = drafts.approved_version(session, draft) if draft.approved_hash else versions[-1]  # as 投递 sends it
    document.add_heading(f"正文（v{final.number}{'，已批准版本' if final.hash == draft.approved_hash else ''}）",
                         level=1)
    for paragraph in final.text.split("\n"):
        document.add_paragraph(xml_safe(paragraph))
    save(document, path)


def save(document: DocxDocument, path: Path | BinaryIO) -> None:
    """To a file or a stream (python-docx takes a path only as a str)."""
    document.save(str(path) if isinstance(path, Path) else path)


def table(document: DocxDocument, header: list[str], rows: list[list[object]]) -> None:
    """A bordered table with a header row; each value is written as text."""
    grid = document.add_table(rows=1, cols=len(header))
    grid.style = "Table Grid"
    for cell, text in zip(grid.rows[0].cells, header, strict=True):
        cell.text = text
    for values in rows:
        for cell, value in zip(grid.add_row().cells, values, strict=True):
            cell.text = xml_safe(str(value))
