"""Make untrusted text safe to echo back inside Markdown feedback."""

from __future__ import annotations

import re

_SURROGATE = re.compile(r"[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]|\x1b\[[0-9;?]*[A-Za-z]")


def valid_unicode(text: str) -> str:
    """Replace lone surrogates (which JSON and YAML escapes can produce) so the text encodes as UTF-8."""
    return _SURROGATE.sub("\ufffd", text)


def snippet(text: object, limit: int = 60) -> str:
    """One line of at most ``limit`` characters, with no control characters, ANSI escapes or backticks,
    ready to be wrapped in a Markdown code span."""
    flat = _CONTROL.sub("", valid_unicode(str(text))).replace("`", "'").replace("\n", " ").replace("\r", " ")
    flat = " ".join(flat.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def code(text: object, limit: int = 60) -> str:
    """A Markdown code span of a snippet; code spans show HTML literally, so no escaping is needed inside."""
    return f"`{snippet(text, limit) or ' '}`"
