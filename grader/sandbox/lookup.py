"""Find the file a part wants (``cnn.py``, ``GPUMemory.ipynb``) in the staged upload, as students name it.

In order: the exact path; the shallowest file of that name anywhere (students upload folders); the same
name in another case; then, if exactly one file has it, a name that browsers, Colab, Jupyter and file
managers give to downloads and copies (``GPUMemory (1).ipynb``, ``Copy of GPUMemory.ipynb``,
``GPUMemory-Copy1.ipynb``, ``cnn copy.py``, ``cnn - Copy.py``). A file found under such a name is read,
and the lookup says so, so the student learns the expected name without losing the points. Anything
less certain is not guessed: the message names the nearest files of the same kind instead, or the same
work in another format (``GPUMemory.html``, ``cnn.ipynb``).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from grader.text import code

_COPY_PREFIX = re.compile(r"^copy\s+of\s+", re.IGNORECASE)
_COPY_SUFFIXES = (re.compile(r"\s*\(\d+\)$"), re.compile(r"[\s_-]+copy(?:[\s_-]*\d+)?$", re.IGNORECASE))
_SEPARATORS = re.compile(r"[\s_-]+")
MAX_SHOWN = 3


@dataclass(frozen=True)
class Lookup:
    """Where ``wanted`` is in the upload. ``relative`` is None when it is not there, and ``message`` says
    so with the nearest names; when it was found under a copy's name, ``message`` says which file was read."""

    wanted: str
    relative: str | None
    message: str = ""

    @property
    def renamed(self) -> bool:
        return self.relative is not None and bool(self.message)


def locate(files: tuple[str, ...], wanted: str) -> Lookup:
    if wanted in files:
        return Lookup(wanted, wanted)
    name = _name(wanted)
    for matches in ([f for f in files if _name(f) == name],
                    [f for f in files if _name(f).lower() == name.lower()]):
        if matches:
            return Lookup(wanted, min(matches, key=_shallowest))
    stem, suffix = _split(name)
    same_kind = [f for f in files if _split(_name(f))[1].lower() == suffix.lower()]
    work = _key(stem)
    copies = [f for f in same_kind if _work(f) == work]
    what = f"No {'notebook' if suffix.lower() == '.ipynb' else 'file'} {code(wanted, 80)} was found in your submission"
    if len(copies) == 1:
        return Lookup(wanted, copies[0], f"{code(copies[0], 120)} was graded as {code(name, 80)}: name it "
                                         f"{code(name, 80)} next time.")
    if copies:
        return Lookup(wanted, None, f"{what}, and {_listed(copies)} could each be it: keep one, named "
                                    f"{code(name, 80)}, and resubmit.")
    near = difflib.get_close_matches(name.lower(), [_name(f).lower() for f in same_kind], n=MAX_SHOWN, cutoff=0.6)
    nearest = [f for f in same_kind if _name(f).lower() in near]
    if nearest:
        return Lookup(wanted, None, f"{what}; it has {_listed(nearest)}: if that is yours, rename it to "
                                    f"{code(name, 80)} and resubmit.")
    other_kinds = [f for f in files if f not in same_kind and _work(f) == work]
    if other_kinds:
        return Lookup(wanted, None, f"{what}; it has {_listed(other_kinds)}, which "
                                    f"{'is' if len(other_kinds) == 1 else 'are'} not {code(suffix, 20)}: upload "
                                    f"{code(name, 80)} itself.")
    return Lookup(wanted, None, f"{what}.")


def _work(relative: str) -> str:
    """What a file holds, as far as its name says: ``hw/Copy of GPU_Memory (1).pdf`` → ``gpumemory``."""
    return _key(_original_stem(_split(_name(relative))[0]))


def _original_stem(stem: str) -> str:
    """``Copy of GPUMemory (1)`` → ``GPUMemory``: the download and copy decorations taken off, repeatedly."""
    while True:
        bare = _COPY_PREFIX.sub("", stem)
        for pattern in _COPY_SUFFIXES:
            bare = pattern.sub("", bare)
        if bare == stem or not bare:
            return stem
        stem = bare


def _key(stem: str) -> str:
    return _SEPARATORS.sub("", stem).lower()


def _name(relative: str) -> str:
    return relative.rsplit("/", 1)[-1]


def _split(name: str) -> tuple[str, str]:
    stem, dot, suffix = name.rpartition(".")
    return (stem, dot + suffix) if stem else (name, "")


def _shallowest(relative: str) -> tuple[int, str]:
    return relative.count("/"), relative


def _listed(files: list[str]) -> str:
    shown = [code(f, 120) for f in sorted(files, key=_shallowest)[:MAX_SHOWN]]
    if len(files) > len(shown):
        shown.append(f"{len(files) - len(shown)} more")
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
