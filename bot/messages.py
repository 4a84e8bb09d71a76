"""What comes in from any channel and what goes back: the engine's input and output types."""

from __future__ import annotations

from dataclasses import dataclass


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


@dataclass(frozen=True)
class Reply:
    text: str
