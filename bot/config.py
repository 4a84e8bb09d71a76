"""Settings from the environment (prefix NEWSBOT_) and an optional .env file."""

from __future__ import annotations

import base64
import binascii
import re
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.text import USERID

SIGNATURE_PLACEHOLDER = "（请在 .env 中设置 NEWSBOT_SIGNATURE）"


_ADMIN_SEPARATORS = re.compile(r"[,，、\s]+")
_DRIVERS = {"sqlite": "pysqlite", "postgresql": "psycopg"}  # the database drivers newsbot installs


class Settings(BaseSettings):
    """Everything an operator can configure; secrets are SecretStr so they never reach logs."""

    # An empty value (NEWSBOT_WECOM_AGENT_ID=) means "not set", as in .env.example.
    model_config = SettingsConfigDict(env_prefix="NEWSBOT_", env_file=".env", extra="ignore",
                                      env_ignore_empty=True)

    database_url: str = "sqlite:///./newsbot.db"
    timezone: str = "Asia/Shanghai"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)

    wecom_corp_id: str = ""
    wecom_agent_id: int | None = None
    wecom_secret: SecretStr = SecretStr("")
    wecom_token: SecretStr = SecretStr("")
    wecom_aes_key: SecretStr = SecretStr("")
    wecom_api_base_url: str = "https://qyapi.weixin.qq.com"
    aibot_token: SecretStr = SecretStr("")
    aibot_aes_key: SecretStr = SecretStr("")
    aibot_name: str = ""
    # Hosts the AI bot's response_url and file URLs may point at (a leading dot: any subdomain).
    aibot_url_hosts: str = "qyapi.weixin.qq.com,.qq.com,.myqcloud.com"
    wecom_api_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    group_channel: Literal["local", "appchat", "webhook"] = "local"
    group_chat_id: str = ""
    group_webhook_key: SecretStr = SecretStr("")
    smtp_host: str = ""
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_user: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_sender: str = ""
    smtp_tls: Literal["none", "starttls", "ssl"] = "starttls"
    smtp_timeout_seconds: float = Field(default=30.0, gt=0, le=300)
    signature: str = "乐昌市自然资源局办公室\n联系电话：" + SIGNATURE_PLACEHOLDER
    files_dir: str = ""
    exports_dir: str = "exports"  # local mode: where 导出 and 审批表 files are saved instead of sent
    file_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)

    admins: str = ""
    callback_max_bytes: int = Field(default=65536, ge=1024)
    callback_max_skew_seconds: int = Field(default=300, ge=1)
    outbox_poll_seconds: float = Field(default=1.0, gt=0)
    rate_limit_per_minute: int = Field(default=30, ge=1)  # messages a member may send in any minute
    scheduler: Literal["on", "off"] = "on"  # off in extra web workers: one `newsbot scheduler` is enough
    dispatcher: Literal["on", "off"] = "on"  # off in web workers beside a `newsbot dispatcher`
    scheduler_tick_seconds: float = Field(default=20.0, gt=0)
    edit_sla_hours: float = Field(default=48, gt=0)
    approve_sla_hours: float = Field(default=24, gt=0)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("aibot_name")
    @classmethod
    def _name_without_at(cls, value: str) -> str:
        """「@审稿机器人」 as the group shows it is 审稿机器人: the mention is found by the name after the @."""
        return value.strip().lstrip("@＠").strip()

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        backend, _, driver = value.partition(":")[0].partition("+")
        example = "例如：sqlite:///./newsbot.db 或 postgresql+psycopg://用户名:密码@主机:5432/数据库名"
        if backend not in _DRIVERS:
            raise ValueError(f"数据库只支持 SQLite 或 PostgreSQL（当前为「{backend}」），{example}")
        if driver and driver != _DRIVERS[backend]:  # 「postgresql+psycopg2://」, as many guides write it
            raise ValueError(f"数据库驱动「{driver}」没有安装，newsbot 用的是 {_DRIVERS[backend]}，{example}")
        return value

    @field_validator("wecom_api_base_url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):  # without it every call fails, and only in the log
            raise ValueError(f"企业微信接口地址要写完整，以 https:// 开头（当前为「{value}」），"
                             "例如 https://qyapi.weixin.qq.com 或 https://固定IP代理的地址")
        return value.rstrip("/")

    @field_validator("wecom_aes_key", "aibot_aes_key")
    @classmethod
    def _aes_key_shape(cls, value: SecretStr) -> SecretStr:
        key = value.get_secret_value()
        if not key:
            return value
        try:
            decoded = base64.b64decode(key + "=", validate=True)
        except binascii.Error as exc:
            raise ValueError("EncodingAESKey must be the 43-character key from the WeCom console") from exc
        if len(key) != 43 or len(decoded) != 32:
            raise ValueError("EncodingAESKey must be the 43-character key from the WeCom console")
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @field_validator("admins")
    @classmethod
    def _admins_are_accounts(cls, value: str) -> str:
        """A name (钱主任) where the WeCom account belongs would make nobody an admin, without a word."""
        wrong = [part for part in _ADMIN_SEPARATORS.split(value) if part and not USERID.fullmatch(part)]
        if wrong:
            raise ValueError(f"要写企业微信账号（管理后台 通讯录 → 成员详情的“账号”，字母、数字或 _-@.），不是姓名："
                             f"「{'、'.join(wrong)}」不是账号。多个账号用逗号分开，例如 NEWSBOT_ADMINS=qianzr,lisi")
        return value

    @property
    def admin_userids(self) -> frozenset[str]:
        # A Chinese input method types 「，」 and 「、」: `admin，lisi` is two admins, not one that nobody is.
        return frozenset(part for part in _ADMIN_SEPARATORS.split(self.admins) if part)

    @property
    def callback_configured(self) -> bool:
        """The app callback can verify and decrypt only with token, AES key and corp id."""
        return bool(self.wecom_token.get_secret_value() and self.wecom_aes_key.get_secret_value()
                    and self.wecom_corp_id)

    @model_validator(mode="after")
    def _group_channel_complete(self) -> Settings:
        if self.group_channel == "appchat" and not self.group_chat_id:
            raise ValueError("NEWSBOT_GROUP_CHANNEL=appchat 需要 NEWSBOT_GROUP_CHAT_ID"
                             "（用 newsbot group create 创建群聊得到）")
        if self.group_channel == "webhook" and not self.group_webhook_key.get_secret_value():
            raise ValueError("NEWSBOT_GROUP_CHANNEL=webhook 需要 NEWSBOT_GROUP_WEBHOOK_KEY（群机器人的 key）")
        api = {"NEWSBOT_WECOM_CORP_ID": self.wecom_corp_id, "NEWSBOT_WECOM_AGENT_ID": self.wecom_agent_id,
               "NEWSBOT_WECOM_SECRET": self.wecom_secret.get_secret_value()}
        missing = [name for name, value in api.items() if not value]
        if missing and (self.wecom_agent_id or self.wecom_secret.get_secret_value()):  # half-set: local mode, unnoticed
            raise ValueError(f"企业微信应用发消息需要同时设置 {'、'.join(api)}，还缺 {'、'.join(missing)}；"
                             "只试用、不发消息（本地模式）则 AGENT_ID 和 SECRET 都不设")
        if bool(self.smtp_host) != bool(self.smtp_sender):  # half-set: the mail would only be printed, unnoticed
            raise ValueError("向媒体发邮件需要同时设置 NEWSBOT_SMTP_HOST 和 NEWSBOT_SMTP_SENDER；不发邮件则两项都不设")
        if self.mail_configured and SIGNATURE_PLACEHOLDER in self.signature:  # it would go out to the outlets
            raise ValueError("已设置向媒体发邮件（NEWSBOT_SMTP_HOST、NEWSBOT_SMTP_SENDER），请把 NEWSBOT_SIGNATURE "
                             "设为本单位的署名落款，例如：乐昌市自然资源局办公室\\n联系电话：0751-5555555")
        return self

    @property
    def mail_configured(self) -> bool:
        return bool(self.smtp_host and self.smtp_sender)

    @property
    def mail_printed(self) -> bool:
        """A trial run (nothing of WeCom set up, no SMTP): e-mail to the outlets is printed and counted as sent.
        With any of WeCom live it never is: a submission recorded as sent would never be sent for real."""
        return (self.local_mode and not self.mail_configured and not self.aibot_configured
                and self.group_channel == "local")

    @property
    def aibot_configured(self) -> bool:
        return bool(self.aibot_token.get_secret_value() and self.aibot_aes_key.get_secret_value())

    @property
    def local_mode(self) -> bool:
        """Without API credentials outgoing messages are printed and stored, never sent."""
        return not (self.wecom_corp_id and self.wecom_secret.get_secret_value() and self.wecom_agent_id)


@lru_cache
def get_settings() -> Settings:
    return Settings()
