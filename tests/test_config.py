"""Settings: .env.example documents exactly the settings there are; validation; local mode."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_env_example_lists_every_setting_and_nothing_else() -> None:
    names = re.findall(r"^NEWSBOT_([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE)
    assert sorted(name.lower() for name in names) == sorted(Settings.model_fields)


def test_env_example_values_are_valid_defaults(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text((ROOT / ".env.example").read_text())
    settings = Settings(_env_file=env)
    assert settings.local_mode and not settings.callback_configured
    assert settings.database_url == "sqlite:///./newsbot.db"
    assert settings.timezone == "Asia/Shanghai"


def test_secrets_are_hidden_and_admins_are_split() -> None:
    settings = Settings(_env_file=None, wecom_corp_id="ww1", wecom_agent_id=1000002, wecom_secret="s3cret",
                        admins=" zhang , li ,,")
    assert "s3cret" not in repr(settings)
    assert settings.admin_userids == {"zhang", "li"}


@pytest.mark.parametrize(("field", "value"), [("timezone", "Mars/Base"), ("wecom_aes_key", "short"),
                                               ("wecom_aes_key", "!" * 43), ("callback_max_bytes", 10)])
def test_bad_values_are_refused(field: str, value: str | int) -> None:
    with pytest.raises(ValidationError):
        Settings(_env_file=None, **{field: value})


def test_credentials_leave_local_mode() -> None:
    settings = Settings(_env_file=None, wecom_corp_id="ww1", wecom_secret="x", wecom_agent_id=1000002)
    assert not settings.local_mode


def test_half_set_app_credentials_are_refused_not_taken_for_local_mode() -> None:
    """Agent id forgotten: callbacks answered, every notice printed and marked sent (an admin's review)."""
    with pytest.raises(ValidationError, match="同时设置 NEWSBOT_WECOM_CORP_ID、NEWSBOT_WECOM_AGENT_ID、"
                                              "NEWSBOT_WECOM_SECRET，还缺 NEWSBOT_WECOM_AGENT_ID；"):
        Settings(_env_file=None, wecom_corp_id="ww1", wecom_secret="x", wecom_token="t")
    with pytest.raises(ValidationError, match="还缺 NEWSBOT_WECOM_CORP_ID、NEWSBOT_WECOM_SECRET；"):
        Settings(_env_file=None, wecom_agent_id=1000002)
    assert Settings(_env_file=None, wecom_corp_id="ww1", wecom_token="t").local_mode  # a trial: callbacks only


def test_e_mail_to_the_outlets_needs_the_offices_own_signature() -> None:
    with pytest.raises(ValidationError, match="请把 NEWSBOT_SIGNATURE 设为本单位的署名落款"):
        Settings(_env_file=None, smtp_host="smtp.example", smtp_sender="xcb@example.cn")
    with pytest.raises(ValidationError, match="同时设置 NEWSBOT_SMTP_HOST 和 NEWSBOT_SMTP_SENDER"):
        Settings(_env_file=None, smtp_host="smtp.example", signature="乐昌市自然资源局办公室")  # printed, unnoticed
    signed = Settings(_env_file=None, smtp_host="smtp.example", smtp_sender="xcb@example.cn",
                      signature="乐昌市自然资源局办公室\\n联系电话：0751-5555555")
    assert signed.mail_configured
    assert Settings(_env_file=None).signature.endswith("（请在 .env 中设置 NEWSBOT_SIGNATURE）")  # local mode: fine


@pytest.mark.parametrize("url", ["mysql://root@127.0.0.1/newsbot", "postgres://u@h/db", "newsbot.db"])
def test_only_sqlite_and_postgresql_urls_are_taken(url: str) -> None:
    with pytest.raises(ValidationError, match="数据库只支持 SQLite 或 PostgreSQL"):  # not a driver's traceback
        Settings(_env_file=None, database_url=url)
    for good in ("sqlite:///./newsbot.db", "postgresql://u@h/db", "postgresql+psycopg://u@h:5432/db"):
        assert Settings(_env_file=None, database_url=good).database_url == good


def test_e_mail_is_printed_only_on_a_trial_run_with_nothing_of_wecom_live() -> None:
    """A submission printed and counted as sent is fine on a trial run, a lie with the group bot live."""
    key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
    assert Settings(_env_file=None).mail_printed
    assert not Settings(_env_file=None, aibot_token="t", aibot_aes_key=key).mail_printed
    assert not Settings(_env_file=None, group_channel="webhook", group_webhook_key="k").mail_printed
    assert not Settings(_env_file=None, wecom_corp_id="ww1", wecom_secret="x", wecom_agent_id=1000002).mail_printed


@pytest.mark.parametrize("written", ["审稿机器人", "@审稿机器人", " ＠审稿机器人 "])
def test_the_ai_bots_name_is_taken_with_or_without_its_at(written: str) -> None:
    """.env.example shows the name as "@审稿机器人": copied with its @, the mention was looked for as "@@…" and stayed
    in the command (「退回 #1⏎@审稿机器人」 returned the draft with the mention as its reason)."""
    assert Settings(_env_file=None, aibot_name=written).aibot_name == "审稿机器人"
