"""E-mail to the outlets (一稿多投): the message, its .docx attachment, and the outbox transport over SMTP."""

from __future__ import annotations

import io
import logging
import re
import smtplib
import ssl
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from email.header import Header
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, make_msgid
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from bot import outbox
from bot.config import Settings
from bot.domain import members, outlets, photos, stats, submitting
from bot.domain.drafts import version
from bot.domain.photos import Photo
from bot.forms import a4_document
from bot.outbox import RetryLater, Undeliverable
from bot.text import xml_safe
from models import OutboxMessage, Submission

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

log = logging.getLogger(__name__)

DOCX_TYPE = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")


MAX_PHOTO_BYTES = 15 * 1024 * 1024  # the photos one e-mail carries: base64 makes 20 MB, what mailboxes take


class _OutletPolicy(EmailPolicy):
    """The standard policy, except that a Chinese Subject is encoded whole, its blanks inside the encoded
    words: Python may fold 「演练 筑牢」 between two of them, and RFC 2047 has every mail reader drop a blank
    there, so the outlet would read 「演练筑牢」."""

    def fold(self, name: str, value: str) -> str:
        return self._whole(name, value) or str(super().fold(name, value))

    def fold_binary(self, name: str, value: str) -> bytes:
        whole = self._whole(name, value)
        return whole.encode("ascii") if whole else bytes(super().fold_binary(name, value))

    def _whole(self, name: str, value: str) -> str | None:
        if name.lower() != "subject" or str(value).isascii():
            return None
        return f"{name}: {Header(str(value), 'utf-8', header_name=name).encode(linesep=self.linesep)}{self.linesep}"


OUTLET_POLICY = _OutletPolicy()


def compose(settings: Settings, submission: Submission, text: str, message_id: str, now: datetime,
            pictures: Sequence[Photo] = ()) -> EmailMessage:
    """The submission as the outlet receives it: subject from its template, the title, the outlet's byline and
    the text inline, the same as a .docx, the draft's photos, the bureau's signature."""
    draft, outlet, author = submission.draft, submission.outlet, submission.draft.author
    fields = {"title": draft.title, "author": author.name, "department": author.department, "outlet": outlet.name}
    byline = outlets.byline(outlet, author)
    attached, left_out = _within_size(pictures)
    note = f"\n\n（另有 {left_out} 张照片超出邮件大小，未附上，需要请联系作者。）" if left_out else ""
    message = _letter(settings, outlet.mailbox, outlet.subject_template.format(**fields), message_id, now,
                      f"{draft.title}\n{byline}\n\n{text}{note}")
    if outlet.attachment == "docx":
        message.add_attachment(docx_bytes(draft.title, byline, text, _signature(settings)),
                               maintype=DOCX_TYPE[0], subtype=DOCX_TYPE[1], filename=attachment_name(draft.title))
    for photo in attached:
        message.add_attachment(photo.data, maintype="image", subtype=photo.subtype, filename=photo.name)
    return message


def test_message(settings: Settings, to: str, now: datetime) -> EmailMessage:
    """What `newsbot mail check --to` sends: an e-mail as the outlets get them, saying the settings work."""
    return _letter(settings, to, "newsbot 邮件设置测试", make_msgid(), now,
                   "这是 newsbot 的测试邮件：收到即说明向媒体投稿的邮件设置可用。")


def _letter(settings: Settings, to: str, subject: str, message_id: str, now: datetime, body: str) -> EmailMessage:
    """An e-mail from the office: its headers, and the body with the bureau's signature below it."""
    message = EmailMessage(policy=OUTLET_POLICY)
    message["Subject"], message["From"], message["To"] = subject, settings.smtp_sender or "newsbot@localhost", to
    message["Message-ID"], message["Date"] = message_id, format_datetime(now.astimezone(settings.zone))
    # base64 whatever the lines: sent as 8bit, smtplib's generator would turn a line's leading "From " into ">From ".
    message.set_content(f"{body}\n\n--\n{_signature(settings)}\n", cte="base64")
    return message


def _signature(settings: Settings) -> str:
    return settings.signature.replace("\\n", "\n")  # .env holds it on one line


def _within_size(pictures: Sequence[Photo]) -> tuple[list[Photo], int]:
    """The photos, in order, as long as they fit one e-mail; and how many did not."""
    kept: list[Photo] = []
    size = 0
    for photo in pictures:
        if size + len(photo.data) > MAX_PHOTO_BYTES:
            break
        kept.append(photo)
        size += len(photo.data)
    return kept, len(pictures) - len(kept)


def attachment_name(title: str) -> str:
    """The title as a file name: no path separators or characters Windows refuses."""
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", title).strip(" .")[:60] + ".docx"


def docx_bytes(title: str, byline: str, text: str, signature: str) -> bytes:
    document = a4_document()
    document.add_heading(xml_safe(title), level=1)
    document.add_paragraph(xml_safe(byline))
    # Every line its own paragraph: python-docx makes a \r left inside one a line break (<w:br/>).
    for paragraph in [*text.splitlines(), "", *signature.splitlines()]:
        document.add_paragraph(xml_safe(paragraph))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


class MailTransport:
    """Sends a queued submission by SMTP and records it as sent (local mode: prints it instead)."""

    outlasts_lease = True  # SMTP's timeout is per step: a large mail on a slow line has no bound in all

    def __init__(self, sessions: sessionmaker[Session], settings: Settings, clock: Callable[[], datetime],
                 write: Callable[[str], None] | None = None) -> None:
        self._sessions, self._settings, self._clock = sessions, settings, clock
        self._write = write  # set: local mode

    def send(self, message: OutboxMessage) -> None:
        if self._write is None and not self._settings.mail_configured:  # SMTP settings removed since it queued
            log.warning("mail %s waits: NEWSBOT_SMTP_HOST and NEWSBOT_SMTP_SENDER are not set", message.id)
            raise RetryLater("未设置 NEWSBOT_SMTP_HOST 和 NEWSBOT_SMTP_SENDER：邮件留在发件箱，设置并重启后发出",
                             timedelta(minutes=10), counts=False)
        submission_id, message_id = message.payload["submission_id"], message.payload["message_id"]
        with self._sessions.begin() as session:
            submission = submitting.start_sending(session, submission_id, message_id, self._clock(),
                                                  message.claimed_by or "")
            if submission is not None:
                text = version(session, submission.draft, submission.version).text
                email = compose(self._settings, submission, text, message_id, self._clock(),
                                photos.of_draft(session, submission.draft_id))
        if submission is None:  # perhaps found handed over by an attempt that died: counted as sent then
            self._recount(submission_id)
            return
        try:
            if self._write is not None:
                self._write(f"[本地模式·未发送] 邮件给 {email['To']}：{email['Subject']}")
            else:
                self._smtp(email)
        except MaybeSent as exc:
            with self._sessions.begin() as session:
                submitting.mail_failed(session, submission_id, str(exc), self._clock(), message.claimed_by or "",
                                       maybe_sent=True)
            self._recount(submission_id)
            return
        except (RetryLater, Undeliverable) as exc:
            now = self._clock()
            with self._sessions.begin() as session:
                submitting.not_sent(session, submission_id)
                if isinstance(exc, RetryLater) and now - message.created_at >= submitting.MAIL_LATE:
                    submitting.mail_late(session, submission_id, not exc.counts, now)  # uncounted: a setting
            raise
        with self._sessions.begin() as session:  # on its own: whatever happens next, the outlet got its e-mail
            submitting.mail_sent(session, submission_id, message_id, self._clock())
        self._recount(submission_id)

    def _recount(self, submission_id: int) -> None:
        """The months an e-mail counts in for 统计 (sent, or maybe: handed over when its connection broke)."""
        try:
            with self._sessions.begin() as session:
                stats.recount(session, submission_id, self._settings.zone)
        except Exception:  # the cell is put right by its next recount or `newsbot db rebuild-totals`
            log.exception("counting the e-mail of submission %s for 统计 failed", submission_id)

    def _smtp(self, email: EmailMessage) -> None:
        try:
            smtp = connect(self._settings)
        except Exception as exc:
            problem = setting_problem(exc, self._settings)
            if isinstance(exc, _SETTING_ERRORS):  # no retry mends it: the admins hear now (daily), and the e-mails
                self._tell_admins(problem)  # wait uncounted, to go out once the setting is put right, as promised
                raise RetryLater(problem, timedelta(minutes=10), counts=False) from exc
            raise RetryLater(problem) from exc  # the line: backoff; after MAX_ATTEMPTS a dead letter, its reason told
        try:
            smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            answers = list(exc.recipients.values())
            if answers and all(400 <= code < 500 for code, _ in answers):  # greylisting, mailbox busy: later
                raise RetryLater(f"SMTP {answers[0][0]}：收件服务器暂时拒收，稍后重试") from exc
            said = f"（{answers[0][0]} {_said(answers[0][1])}）" if answers else ""
            # The server's words tell a wrong mailbox from a relay refused to a sender not logged in.
            raise Undeliverable(f"邮件服务器拒收收件人 {email['To']}{said}：请检查该媒体的邮箱；若每家媒体都被拒收，"
                                "多半是邮件服务器要求登录后才转发外部邮件，请设置 NEWSBOT_SMTP_USER 和 "
                                "NEWSBOT_SMTP_PASSWORD") from exc
        except smtplib.SMTPResponseException as exc:  # an answer, after DATA too: the server did not take it
            if 500 <= exc.smtp_code < 600:
                raise Undeliverable(f"邮件服务器拒收这封邮件（{exc.smtp_code} {_said(exc.smtp_error)}），"
                                    "可能被判为垃圾邮件或超过大小限制，请联系该媒体或邮件服务商") from exc
            raise RetryLater(f"邮件服务器暂时不能接收（{exc.smtp_code} {_said(exc.smtp_error)}），稍后重试") from exc
        except Exception as exc:  # disconnected, timeout
            if smtp.handed_over:  # the server may have the whole message, unconfirmed
                raise MaybeSent(f"{type(exc).__name__}: {exc}") from exc
            raise RetryLater(f"发送中与邮件服务器的连接中断（{type(exc).__name__}: {exc}），稍后重试") from exc
        finally:
            quit_quietly(smtp)  # once DATA is accepted the mail is sent, whatever QUIT answers


    def _tell_admins(self, problem: str) -> None:
        """Once a day, while a setting keeps every e-mail from going."""
        now = self._clock()
        with self._sessions.begin() as session:
            outbox.notify(session, members.admin_userids(session),
                          f"给媒体的邮件发不出去：{problem}。邮件留在发件箱，改好设置并重启后会自动发出；"
                          "可用 newsbot mail check 检查设置。",
                          f"mail-setting:{now.astimezone(self._settings.zone):%Y-%m-%d}", now)


def connect(settings: Settings) -> _SMTP:
    """A connection to the SMTP server, encrypted and logged in as set: ready for a message."""
    s = settings
    smtp: _SMTP | None = None
    try:
        if s.smtp_tls == "ssl":
            smtp = _SMTPOverSSL(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds,
                                context=ssl.create_default_context())
        else:
            smtp = _SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds)
        if s.smtp_tls == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if s.smtp_user:
            smtp.login(s.smtp_user, s.smtp_password.get_secret_value())
        return smtp
    except BaseException:
        if smtp is not None:
            quit_quietly(smtp)
        raise


# Failures a setting causes, which no retry mends by itself (a certificate may be renewed, so they are retried).
_SETTING_ERRORS = (smtplib.SMTPAuthenticationError, smtplib.SMTPNotSupportedError, ssl.SSLError)


def setting_problem(exc: BaseException, settings: Settings) -> str:
    """What went wrong while connecting, and which setting to look at: for the admins and `newsbot mail check`."""
    s, server = settings, f"{settings.smtp_host}:{settings.smtp_port}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return (f"SMTP 登录失败（{exc.smtp_code}）：请检查 NEWSBOT_SMTP_USER 和 NEWSBOT_SMTP_PASSWORD"
                "（QQ、163、腾讯企业邮等邮箱填客户端授权码或专用密码，不是网页登录密码）")
    if isinstance(exc, smtplib.SMTPNotSupportedError) and "STARTTLS" in str(exc):
        return (f"邮件服务器 {server} 不支持 STARTTLS：该端口若是 465，请设 NEWSBOT_SMTP_TLS=ssl；"
                "服务器确实不支持加密（仅限内网）时才设 none")
    if isinstance(exc, smtplib.SMTPNotSupportedError):  # AUTH
        return (f"邮件服务器 {server} 不接受登录（AUTH）：多数服务器要先加密才接受，"
                f"请检查 NEWSBOT_SMTP_TLS（现为 {s.smtp_tls}）；不需要登录的内网服务器请清空 NEWSBOT_SMTP_USER")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (f"邮件服务器 {server} 的证书验证失败（{exc.verify_message}）：NEWSBOT_SMTP_HOST 要写证书上的主机名，"
                "不能写 IP 地址；服务器用的是自签名证书时，请联系邮件管理员换用正式证书")
    if isinstance(exc, ssl.SSLError):
        return (f"与邮件服务器 {server} 加密握手失败（{exc.reason or exc}）：NEWSBOT_SMTP_TLS=ssl 通常配端口 465，"
                f"starttls 配端口 587 或 25，请检查两项是否相配（现为 {s.smtp_tls}、{s.smtp_port}）")
    if isinstance(exc, smtplib.SMTPResponseException):  # a greeting of 421 or 554: busy, or not for us
        return f"邮件服务器 {server} 拒绝连接（{exc.smtp_code} {_said(exc.smtp_error)}），请稍后再试或联系邮件服务商"
    if s.smtp_port == 465 and s.smtp_tls != "ssl" and isinstance(exc, (TimeoutError, smtplib.SMTPServerDisconnected)):
        return (f"邮件服务器 {server} 没有应答：465 端口一开始就要加密，请设 NEWSBOT_SMTP_TLS=ssl"
                f"（现为 {s.smtp_tls}）")
    if isinstance(exc, OSError):
        return (f"无法连接邮件服务器 {server}（{type(exc).__name__}: {exc}）：请检查 NEWSBOT_SMTP_HOST、"
                "NEWSBOT_SMTP_PORT，以及本机能否访问该端口（防火墙、出口限制）")
    return f"SMTP: {type(exc).__name__}: {exc}"


def _said(answer: bytes | str) -> str:
    """A server's answer as text: it comes as bytes, and its repr (b'…') means nothing to the admins."""
    return answer.decode("utf-8", "replace") if isinstance(answer, bytes) else answer


class MaybeSent(Exception):
    """The connection failed after the message was handed over: the outlet may have it. Sending it again could
    give them two copies, so the editor is asked to check instead."""


class _SMTP(smtplib.SMTP):
    handed_over = False  # the whole message and its closing dot are written: only then may the server have it

    def send(self, s: ReadableBuffer | str) -> None:
        super().send(s)
        if isinstance(s, bytes) and s.endswith(b"\r\n.\r\n"):  # data() ends the message so; no command does
            self.handed_over = True


class _SMTPOverSSL(_SMTP, smtplib.SMTP_SSL):
    pass


def quit_quietly(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()
