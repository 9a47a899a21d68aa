"""Anki: its notes' HTML and cloze deletions as deck text (packages: apkg*).
"""

from __future__ import annotations

import re
from collections.abc import Callable

_HTML_TAG = re.compile(r"<[^>]+>")


# What a field's HTML holds besides text: scripts and styles (dropped whole),
# comments, block elements (each a line), images and sounds (named).
_HIDDEN = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>|<!--.*?-->", re.I | re.S)
_BLOCK = re.compile(r"<br\s*/?>|</?(?:div|p|li|ul|ol|tr|h[1-6]|blockquote|pre)\b[^>]*>", re.I)
_IMG = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))[^>]*>", re.I)
_SOUND = re.compile(r"\[sound:([^\]]*)\]")
# characters a deck may not hold (C0/C1 controls but tab and newline, bidi
# overrides): the deck loader refuses them, so they go here
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _src(m: re.Match[str]) -> str:
    import html

    return html.unescape(next(g for g in m.groups() if g is not None))


def media_names(text: str) -> list[str]:
    """The media files a field's HTML names: images (`<img src=...>`) and
    sounds (`[sound:...]`), as Anki stores their names (HTML entities read)."""
    import html

    names = [_src(m) for m in _IMG.finditer(text)]
    return names + [html.unescape(m.group(1)) for m in _SOUND.finditer(text)]


def field_text(text: str, shown: Callable[[str], str] = lambda name: name) -> str:
    """An Anki field's HTML as deck text: a line break or block element
    (div, p, li...) ends a line, other tags go, entities are read (&nbsp; is
    a space), an image becomes "[image: NAME]" and a sound "[sound: NAME]"
    (NAME as `shown` gives it: the file's name where it was kept), and runs
    of spaces are one. Control characters, which no deck may hold, go."""
    import html

    text = _HIDDEN.sub("", text)
    text = _IMG.sub(lambda m: f"[image: {shown(_src(m))}]", text)
    text = _SOUND.sub(lambda m: f"[sound: {shown(html.unescape(m.group(1)))}]", text)
    text = _BLOCK.sub("\n", text)
    text = html.unescape(_HTML_TAG.sub("", text)).replace("\xa0", " ")
    text = _UNSAFE.sub(" ", text.replace("\r\n", "\n"))
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


