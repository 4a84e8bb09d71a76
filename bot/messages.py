"""What comes in from any channel and what goes back: the engine's input and output types."""

from __future__ import annotations

from dataclasses import dataclass

CARD_CLICK = "template_card_event"  # the event of a click on a template card's button


@dataclass(frozen=True)
class Incoming:
    """A verified message from a member: identity comes only from the decrypted payload."""

    channel: str  # "app", "aibot" or "local"
    userid: str
    key: str  # dedupe key: a retry of the same message carries the same key
    kind: str = "text"  # text, event, image, voice, file, ...
    text: str = ""
    event: str = ""
    event_key: str = ""
    media_id: str = ""  # files: WeCom's media id (valid 3 days) and the file's name when given
    filename: str = ""
    file_url: str = ""  # AI bot files: an encrypted download URL
    chat_type: str = "single"  # "group" when said in the work group (AI bot)
    chat_id: str = ""
    quoted: str = ""  # the text of the message this one quotes (AI bot)
    response_url: str = ""  # AI bot: where a late reply goes (single use, valid 1 h)
    images: int = 0  # AI bot: photos inside a mixed (图文) message, whose text alone is read

    @property
    def in_group(self) -> bool:
        return self.chat_type == "group"


@dataclass(frozen=True)
class Reply:
    text: str  # "" when there is nothing to say
    command: str = ""  # set by the engine, for logs and metrics: the command word that answered
    outcome: str = "ok"  # set by the engine: ok, duplicate, refused, invalid, unknown_command, error, …
