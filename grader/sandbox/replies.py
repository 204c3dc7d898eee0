"""The child's reply for one call, rebuilt as a ``CaseOutcome`` from untrusted JSON (the sandbox child's
pipe and the notebook kernel's extraction cell speak the same encoding)."""

from __future__ import annotations

from typing import Any

from grader.sandbox import wire
from grader.sandbox.outcome import CaseOutcome, Raised, Returned, Unreadable


def outcome(message: dict[str, Any]) -> CaseOutcome:
    if "value" in message:
        try:
            return Returned(wire.rebuild(message["value"]))
        except wire.BadReply as error:
            return Unreadable(str(error))
    if "raised" in message:
        return raised(message["raised"])
    if "unreadable" in message and type(message["unreadable"]) is str:
        return Unreadable(message["unreadable"][:300])
    raise wire.BadReply("an unknown reply")


def raised(raw: Any) -> Raised:
    if not isinstance(raw, dict):
        raise wire.BadReply("a malformed exception")
    def text(key: str, limit: int) -> str | None:
        value = raw.get(key)
        return clean(value, limit) if type(value) is str else None

    return Raised(type_name=text("type", 80) or "Exception", message=text("message", 500) or "",
                  where=text("where", 200))


def clean(text: str, limit: int) -> str:
    printable = "".join(ch if ch.isprintable() or ch in "\n\t" else "?" for ch in text)
    return printable if len(printable) <= limit else printable[: limit - 1] + "…"
