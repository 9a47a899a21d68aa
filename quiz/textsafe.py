"""Make untrusted text inert before it reaches a terminal.

Deck text comes from strangers. The loader refuses control characters, but
anything printed (deck titles, answers typed back, file names) goes through
`inert` anyway: every Unicode control (Cc) and format (Cf) character except
newline and tab is shown as a visible token, so ESC sequences (cursor moves,
OSC 52 clipboard writes, OSC 8 hyperlinks), C1 controls such as U+009B and
bidi overrides such as U+202E do nothing. A file name's bytes that are not
UTF-8 reach Python as lone surrogates, which printing would turn back into
the raw bytes (0x9B is a C1 CSI): they are shown as <0x9B>.
"""

from __future__ import annotations

import unicodedata

_KEEP = {"\n", "\t"}
# Zero-width joiner/non-joiner are format characters that real text needs
# (emoji, Persian); they cannot move the cursor or reorder text.
_HARMLESS_FORMAT = {"\u200c", "\u200d"}


def _visible(ch: str) -> str:
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)  # U+241B for ESC, and so on
    if code == 0x7F:
        return "\u2421"
    if 0xDC80 <= code <= 0xDCFF:  # a byte of a file name that is not UTF-8 (surrogateescape)
        return f"<0x{code - 0xDC00:02X}>"
    return f"<U+{code:04X}>"


def inert(text: str) -> str:
    """`text` with every control/format character replaced by a visible token."""
    if text.isprintable():  # the common case, checked in C
        return text
    out: list[str] = []
    for ch in text:
        if ch.isprintable() or ch in _KEEP or ch in _HARMLESS_FORMAT:
            out.append(ch)
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs"):
            out.append(_visible(ch))
        else:  # other non-printables (odd spaces, unassigned) are harmless to show
            out.append(ch)
    return "".join(out)


def one_line(text: str) -> str:
    """`inert`, and newlines folded: for table cells and error lines."""
    return inert(text).replace("\n", " ").replace("\t", " ")
