"""Anki packages read as plain data: `.apkg` and `.colpkg`, legacy and current.

A package is a zip archive holding an SQLite collection and media files.
It comes from a stranger, so nothing in it is trusted:

- it is recognised by its content (zip magic and the names of its members),
  not by its file name;
- only known members are read (a collection, the media list, the media files
  the notes name, each by the number the list gives it), so a member's own
  name never becomes a path;
- every member is unpacked in a stream with a cap (`MAX_COLLECTION_BYTES`,
  `MAX_MEDIA_BYTES`): a zip bomb stops at the cap, not at the end of memory;
- the collection is copied to a temporary folder and opened read-only and
  immutable, with `trusted_schema` off and a cap on the length of a value,
  and read with plain SELECTs of named columns: no SQL or code of the
  package's runs (Python's sqlite3 cannot load extensions unless asked).

Three layouts are read: `collection.anki2` (Anki 2.0, schema 11),
`collection.anki21` (schema 11, "support older Anki versions"), and
`collection.anki21b` (Anki 2.1.50 on: zstd-compressed, schema 18, where note
types, fields, templates and decks are tables; their configs are protobuf,
of which only a cloze note type's kind and a template's question are read).
"""

from __future__ import annotations

import json
import sqlite3
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from quiz.errors import UsageError

FORMATS = "it reads apkg, colpkg, csv, tsv, txt, md"
COLLECTIONS = ("collection.anki21b", "collection.anki21", "collection.anki2")  # newest first
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
MIB = 1024 * 1024
MAX_COLLECTION_BYTES = 1024 * MIB  # unpacked; the largest shared Anki decks are ~200 MiB
MAX_MEDIA_LIST_BYTES = 64 * MIB
MAX_MEDIA_BYTES = 100 * MIB  # one media file
MAX_VALUE_BYTES = 16 * MIB  # one value in the collection (a field, the legacy note types JSON)
_CHUNK = MIB


class PackageError(UsageError):
    """An Anki package that cannot be read as one; the message names the file."""


def not_importable(path: Path | str, why: str) -> PackageError:
    return PackageError(f"{path}: not a format quiz imports ({FORMATS}); {why}")


def is_zip(path: Path) -> bool:
    """Whether the file starts as a zip archive does (a local file header, or
    the end record of an empty archive)."""
    try:
        with path.open("rb") as f:
            head = f.read(4)
    except OSError:
        return False
    return head in (b"PK\x03\x04", b"PK\x05\x06")


@dataclass(frozen=True, slots=True)
class NoteType:
    id: int
    name: str
    cloze: bool
    fields: tuple[str, ...]
    questions: tuple[str, ...]  # each template's question format, by template number


@dataclass(frozen=True, slots=True)
class Note:
    id: int
    guid: str
    type_id: int
    tags: tuple[str, ...]
    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AnkiCard:
    id: int
    note_id: int
    deck_id: int  # its home deck (a card in a filtered deck: the deck it came from)
    ord: int  # template number; of a cloze note, the deletion number less one
    queue: int  # -1 suspended, -2/-3 buried, 0 new, 1/3 learning, 2 review
    type: int  # 0 new, 1 learning, 2 review, 3 relearning


@dataclass(frozen=True, slots=True)
class Revlog:
    id: int  # when, in ms since the epoch
    card_id: int
    ease: int  # 1-4; 0: no answer (a manual change)
    type: int  # 0 learn, 1 review, 2 relearn, 3 filtered, 4 manual, 5 rescheduled
    time_ms: int


@dataclass
class Collection:
    decks: dict[int, str]  # id -> name, subdecks as 'Parent::Child'
    note_types: dict[int, NoteType]
    notes: list[Note]
    cards: list[AnkiCard]
    revlog: list[Revlog]
    media: dict[str, str] = field(default_factory=dict)  # Anki's name -> zip member


class Package:
    """An open Anki package: its collection (read at once), and its media
    files, read one at a time on request. Use as a context manager."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._zip = zipfile.ZipFile(path)
            names = set(self._zip.namelist())
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
            raise PackageError(f"{path}: a damaged zip archive ({e}); if it is an Anki "
                               "package, export it from Anki again") from None
        member = next((m for m in COLLECTIONS if m in names), None)
        if member is None:
            self._zip.close()
            raise not_importable(path, "this zip archive holds no Anki collection")
        self.member = member
        self.current = member.endswith("b")  # zstd: the collection and the media

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *exc: object) -> None:
        self._zip.close()

    def _damaged(self, what: str, e: BaseException) -> PackageError:
        return PackageError(f"{self.path}: the Anki package is damaged ({what}: {e}); "
                            "export it from Anki again")

    def unpack(self, name: str, out: IO[bytes], cap: int, what: str) -> None:
        """The member `name` unpacked into `out` (zstd when it starts as zstd
        does), refusing it at `cap` bytes, however it was packed."""
        import zstandard

        written = 0
        try:
            with self._zip.open(name) as raw:
                head = raw.read(4)
                stream: Any = raw
                if head == ZSTD_MAGIC:
                    chained: Any = _Chain(head, raw)  # a file-like object: read() alone
                    stream = zstandard.ZstdDecompressor().stream_reader(
                        chained, read_size=_CHUNK, read_across_frames=True)
                else:
                    out.write(head)
                    written = len(head)
                while chunk := stream.read(_CHUNK):
                    written += len(chunk)
                    if written > cap:
                        raise _TooBig()
                    out.write(chunk)
        except _TooBig:
            raise PackageError(f"{self.path}: {what} unpacks to over {cap // MIB:,} MiB; quiz "
                               f"reads at most that much (is it a zip bomb?)") from None
        except (zipfile.BadZipFile, zlib.error, zstandard.ZstdError, EOFError, OSError,
                NotImplementedError, RuntimeError, ValueError) as e:
            raise self._damaged(what, e) from None

    def read_member(self, name: str, cap: int, what: str) -> bytes:
        import io

        out = io.BytesIO()
        self.unpack(name, out, cap, what)
        return out.getvalue()

    def collection(self, folder: Path) -> Collection:
        """The collection, unpacked into `folder` (a temporary one) and read."""
        copy = folder / "collection.sqlite"
        with copy.open("wb") as out:
            self.unpack(self.member, out, MAX_COLLECTION_BYTES, self.member)
        col = _read_collection(copy, self.path)
        col.media = self._media_list()
        return col

    def _media_list(self) -> dict[str, str]:
        """Anki's media names, each with the zip member that holds the file:
        a JSON object {"0": "name.jpg"} in legacy packages; in current ones,
        zstd-compressed protobuf (MediaEntries: repeated entries = 1, each
        {name = 1, size = 2, sha1 = 3, legacy_zip_filename = 255}), the
        member named by the entry's place."""
        if "media" not in self._zip.namelist():
            return {}
        data = self.read_member("media", MAX_MEDIA_LIST_BYTES, "its media list")
        try:
            if data[:1] in (b"{", b"[") or not data:
                listed = json.loads(data or b"{}")
                if not isinstance(listed, dict):
                    raise ValueError("not an object")
                return {str(name): str(member) for member, name in listed.items()
                        if isinstance(name, str)}
            media = {}
            for i, (number, value) in enumerate(proto_fields(data)):
                if number != 1 or not isinstance(value, bytes):
                    continue
                entry = dict(proto_fields(value))
                name = entry.get(1)
                member = entry.get(255, i)
                if isinstance(name, bytes) and isinstance(member, int):
                    media[name.decode("utf-8", "replace")] = str(member)
            return media
        except (ValueError, UnicodeDecodeError) as e:
            raise self._damaged("its media list", e) from None

    def media_size(self, member: str) -> int | None:
        """The size the zip says a member has (None: no such member)."""
        try:
            return self._zip.getinfo(member).file_size
        except KeyError:
            return None


class _TooBig(Exception):
    pass


class _Chain:
    """`head` then the rest of `raw`, as one readable stream."""

    def __init__(self, head: bytes, raw: IO[bytes]) -> None:
        self._head = head
        self._raw = raw

    def read(self, n: int = -1) -> bytes:
        if self._head:
            out = self._head if n < 0 else self._head[:n]
            self._head = self._head[len(out):]
            return out
        return self._raw.read(n)


# --- protobuf, the wire format alone -----------------------------------------

def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError("a varint runs past the end")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def proto_fields(data: bytes) -> Iterator[tuple[int, int | bytes]]:
    """The (field number, value) pairs of a protobuf message: varints and
    fixed-width numbers as ints, length-delimited fields as bytes (a nested
    message is read again with this). ValueError for a message cut short."""
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
            yield number, value
        elif wire == 2:
            size, pos = _varint(data, pos)
            if pos + size > len(data):
                raise ValueError("a field runs past the end")
            yield number, data[pos:pos + size]
            pos += size
        elif wire in (1, 5):
            width = 8 if wire == 1 else 4
            if pos + width > len(data):
                raise ValueError("a field runs past the end")
            yield number, int.from_bytes(data[pos:pos + width], "little")
            pos += width
        else:
            raise ValueError(f"wire type {wire}")


# --- the collection ------------------------------------------------------------

def _connect(copy: Path) -> sqlite3.Connection:
    db = sqlite3.connect(f"{copy.as_uri()}?mode=ro&immutable=1", uri=True)
    db.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    db.execute("PRAGMA trusted_schema = OFF")  # no function of the schema's runs
    db.execute("PRAGMA query_only = ON")
    db.text_factory = lambda b: b.decode("utf-8", "replace")
    return db


def _tables(db: sqlite3.Connection) -> set[str]:
    return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _read_collection(copy: Path, path: Path) -> Collection:
    try:
        db = _connect(copy)
    except sqlite3.Error as e:
        raise PackageError(f"{path}: the Anki collection in it cannot be opened ({e})") from None
    try:
        tables = _tables(db)
        missing = {"notes", "cards", "revlog", "col"} - tables
        if missing:
            raise PackageError(f"{path}: the Anki collection in it has no "
                               f"{', '.join(sorted(missing))} table; is it an Anki package?")
        if {"notetypes", "fields", "templates", "decks"} <= tables:
            decks, types = _schema18(db)
        else:
            decks, types = _schema11(db)
        notes = [Note(int(i), str(g), int(m), tuple(str(t).split()), tuple(str(f).split("\x1f")))
                 for i, g, m, t, f in db.execute("SELECT id, guid, mid, tags, flds FROM notes "
                                                 "ORDER BY id")]
        cards = [AnkiCard(int(i), int(n), int(o_d) or int(d), int(o), int(q), int(t))
                 for i, n, d, o_d, o, q, t in db.execute(
                     "SELECT id, nid, did, odid, ord, queue, type FROM cards ORDER BY nid, ord")]
        revlog = [Revlog(int(i), int(c), int(e), int(t), int(ms))
                  for i, c, e, t, ms in db.execute(
                      "SELECT id, cid, ease, type, time FROM revlog ORDER BY cid, id")]
    except sqlite3.Error as e:
        raise PackageError(f"{path}: the Anki collection in it is damaged ({e}); export it "
                           "from Anki again") from None
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        raise PackageError(f"{path}: the Anki collection in it holds what Anki does not "
                           f"write ({type(e).__name__}: {e})") from None
    finally:
        db.close()
    return Collection(decks, types, notes, cards, revlog)


def _schema11(db: sqlite3.Connection) -> tuple[dict[int, str], dict[int, NoteType]]:
    """Note types and decks as JSON in the `col` row (Anki before 2.1.28, and
    every legacy export)."""
    models_json, decks_json = db.execute("SELECT models, decks FROM col").fetchone()
    models = json.loads(models_json)
    decks = {int(k): str(v["name"]) for k, v in json.loads(decks_json).items()}
    types = {}
    for key, m in models.items():
        fields = tuple(str(f["name"]) for f in sorted(m["flds"], key=lambda f: int(f["ord"])))
        tmpls = sorted(m["tmpls"], key=lambda t: int(t["ord"]))
        types[int(key)] = NoteType(int(key), str(m["name"]), int(m.get("type", 0)) == 1, fields,
                                   tuple(str(t.get("qfmt", "")) for t in tmpls))
    return decks, types


def _schema18(db: sqlite3.Connection) -> tuple[dict[int, str], dict[int, NoteType]]:
    """Note types, fields, templates and decks as tables (schema 18); a deck's
    name parts are separated by U+001F there. Of the protobuf configs, only
    the note type's kind (field 1: 1 is cloze) and a template's question
    format (field 1) are read."""
    decks = {int(i): str(n).replace("\x1f", "::")
             for i, n in db.execute("SELECT id, name FROM decks")}
    fields: dict[int, list[tuple[int, str]]] = {}
    for ntid, ord_, name in db.execute("SELECT ntid, ord, name FROM fields"):
        fields.setdefault(int(ntid), []).append((int(ord_), str(name)))
    questions: dict[int, list[tuple[int, str]]] = {}
    for ntid, ord_, config in db.execute("SELECT ntid, ord, config FROM templates"):
        qfmt = dict(proto_fields(bytes(config or b""))).get(1, b"")
        text = qfmt.decode("utf-8", "replace") if isinstance(qfmt, bytes) else ""
        questions.setdefault(int(ntid), []).append((int(ord_), text))
    types = {}
    for ntid, name, config in db.execute("SELECT id, name, config FROM notetypes"):
        kind = dict(proto_fields(bytes(config or b""))).get(1, 0)
        types[int(ntid)] = NoteType(
            int(ntid), str(name), kind == 1,
            tuple(n for _, n in sorted(fields.get(int(ntid), []))),
            tuple(q for _, q in sorted(questions.get(int(ntid), []))))
    return decks, types
