"""Documents added to (and removed from) the corpus folder by chat users; no transport in here.

Everything an upload brings is untrusted: its name may hold path separators, `..`, control or bidi
characters, a leading dot (a hidden file the indexer would skip) or a name reserved on Windows shares;
its bytes may not be a document at all. So the name is reduced to a safe base name that keeps a suffix
the loader reads (`index.load.SUFFIXES`); the bytes are written to a hidden temporary file in the corpus
folder and read by the loader there before anything visible changes; then one `os.replace` publishes
them. A file already called that is replaced only when it is the same document again (same name as
sent, or the name it was saved under from the same sent name): that is an update. Any other clash gets
a numbered name, so nobody's file is overwritten without saying so. Every change can be undone
(`CorpusChange.undo`) until it is kept, so a document the index run then skips leaves the corpus as it was.

Who added which file and when is kept in the data dir (`uploads.json`, mode 0600: it names users).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from pathvalidate import sanitize_filename

from index.load import SUFFIXES, UnreadableFile, load_document, scan_corpus
from index.local_state import atomic_write, read_json

# ext4, btrfs and NTFS allow 255 bytes per name; 120 leaves room for " (n)" and the temporary prefix,
# and keeps names readable in a chat message and on a button.
MAX_NAME_BYTES = 120
PROVENANCE_FILE = "uploads.json"
_TEMP_PREFIX = ".citebot-"  # hidden: the indexer and `citebot sources` never see half-done files
# Control, format (bidi overrides, zero-width), separator-line/paragraph, surrogate, private-use, unassigned.
_DROPPED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}

Status = Literal["added", "updated", "unchanged"]


class UploadRefused(Exception):
    """An upload or removal that cannot be done; the message is one sentence for the user."""


def _supported() -> str:
    return ", ".join(sorted(SUFFIXES))


def _clean(text: str) -> str:
    """NFKC (full-width slashes and dots become plain ones, so they are caught below), characters that
    could hide or reorder text dropped, whitespace runs made one space."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(" " if ch.isspace() else ch for ch in text if unicodedata.category(ch) not in _DROPPED_CATEGORIES)
    return re.sub(r" {2,}", " ", text).strip()


def sent_basename(untrusted: str) -> str:
    """The last path component of a sent name, cleaned (what a user sees as 'the file name')."""
    parts = [p for p in re.split(r"[/\\]", _clean(untrusted)) if p.strip(" .")]
    return parts[-1].strip() if parts else ""


def _cap(stem: str, suffix: str, limit: int = MAX_NAME_BYTES) -> str:
    """`stem + suffix` within `limit` UTF-8 bytes, cutting the stem at a character boundary."""
    room = limit - len(suffix.encode())
    stem = stem.encode()[:room].decode(errors="ignore").rstrip(" .")  # Windows drops trailing dots, spaces
    return stem + suffix


def safe_name(untrusted: str) -> str:
    """A base name that is safe to create in the corpus folder, keeping a supported suffix; UploadRefused
    when the name has no such suffix (the loader could not read the file anyway)."""
    base = sent_basename(untrusted)
    dot = base.rfind(".")
    suffix = base[dot:] if dot >= 0 else ""  # kept as sent: sanitising should change nothing it need not
    if suffix.lower() not in SUFFIXES:
        raise UploadRefused(f"I can only add {_supported()} files; "
                            f"{'this one has no file extension' if not suffix else f'not {suffix[:16]}'}.")
    # pathvalidate removes what any common file system forbids (<>:"|?* ...) and renames reserved
    # names (CON, NUL, ...); a leading dot or dash would make a hidden file or an option-like name.
    stem = sanitize_filename(base[:dot], platform="universal", replacement_text="_")
    stem = stem.lstrip(" .-") or "document"
    return _cap(stem, suffix)


def _numbered(corpus: Path, name: str) -> str:
    """The first `stem (n).suffix` not taken in `corpus`."""
    path = PurePosixPath(name)
    for n in range(2, 10_000):
        candidate = _cap(path.stem, f" ({n}){path.suffix}")
        if not os.path.lexists(corpus / candidate):
            return candidate
    raise UploadRefused("too many files with this name already; rename it and send it again.")


@dataclass
class CorpusChange:
    """One file written to or removed from the corpus, undoable until `keep()`."""

    name: str  # relative to the corpus folder, POSIX style (as citations show it)
    path: Path
    status: Status | Literal["removed"]
    sent_name: str = ""
    sha256: str = ""
    renamed: bool = False  # saved under a numbered name because another file has the sent name
    _backup: Path | None = None  # the previous content (updated), or the removed file

    def keep(self) -> None:
        """Make the change final: drop the copy kept for undo."""
        if self._backup is not None:
            self._backup.unlink(missing_ok=True)
            self._backup = None

    def undo(self) -> None:
        """Put the corpus back as it was before this change."""
        if self.status == "added":
            self.path.unlink(missing_ok=True)
        elif self._backup is not None:  # updated or removed: the kept copy goes back under its name
            os.replace(self._backup, self.path)
        self._backup = None


def _plain_file(path: Path) -> bool:
    """A regular file, not a link (replacing a link would redirect someone else's name)."""
    return path.is_file() and not path.is_symlink()


def _hidden_twin(path: Path, tag: str) -> Path:
    return path.with_name(f"{_TEMP_PREFIX}{tag}-{secrets.token_hex(4)}-{path.name}")


def _keep_copy(path: Path) -> Path:
    """A hidden hard link (or copy) of `path` next to it, so a replaced version can come back."""
    backup = _hidden_twin(path, "previous")
    try:
        os.link(path, backup)
    except OSError:  # a file system without hard links
        shutil.copy2(path, backup)
    return backup


def _readable(path: Path, corpus: Path, languages: tuple[str, ...], name: str) -> None:
    """UploadRefused, in one sentence, unless the loader gets text out of `path`."""
    try:
        load_document(path, corpus, languages)
    except UnreadableFile as exc:
        raise UploadRefused(f"I could not read {name} ({exc}), so nothing was added.") from None
    except Exception as exc:  # a damaged PDF can fail deep in the parser: still one sentence
        raise UploadRefused(f"I could not read {name} ({type(exc).__name__}), so nothing was added.") from None


def save_document(corpus: Path, untrusted_name: str, content: bytes, languages: tuple[str, ...],
                  provenance: Provenance | None = None) -> CorpusChange:
    """Write an uploaded document into `corpus` atomically (see the module docstring for the name rules);
    UploadRefused, with the corpus untouched, when its name or content cannot be a document."""
    name, sent = safe_name(untrusted_name), sent_basename(untrusted_name)
    corpus.mkdir(parents=True, exist_ok=True)
    earlier = provenance.saved_as(sent) if provenance is not None else None
    if earlier is not None and _plain_file(corpus / earlier):  # sent before under this name: a new version
        name = earlier
    target, renamed = corpus / name, False
    if os.path.lexists(target) and not (name in (sent, earlier) and _plain_file(target)):
        name, renamed = _numbered(corpus, name), True
        target = corpus / name
    digest = hashlib.sha256(content).hexdigest()
    if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == digest:
        return CorpusChange(name, target, "unchanged", sent, digest)
    fd, tmp_name = _mkstemp(corpus, name)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & corpus.stat().st_mode)  # as readable as the folder it is in, never executable
        _readable(tmp, corpus, languages, name)
        existed = target.is_file()
        backup = _keep_copy(target) if existed else None
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return CorpusChange(name, target, "updated" if existed else "added", sent, digest, renamed, backup)


def _mkstemp(corpus: Path, name: str) -> tuple[int, str]:
    # the real suffix last: the loader picks its reader by suffix
    return tempfile.mkstemp(dir=corpus, prefix=f"{_TEMP_PREFIX}upload-", suffix=PurePosixPath(name).suffix)


def document_path(corpus: Path, untrusted_name: str) -> tuple[str, Path]:
    """(name, path) of an existing document of the corpus named as citations name it (`folder/file.pdf`);
    UploadRefused for anything else: absolute paths, `..`, hidden files, other types, missing files."""
    text = _clean(untrusted_name).replace("\\", "/").strip("/ ")
    parts = text.split("/")
    if not text or any(not p or p.startswith(".") or "\0" in p for p in parts) or untrusted_name.startswith("/"):
        raise UploadRefused("Name a document the way /sources lists it, e.g. report.pdf or folder/notes.md.")
    root = corpus.resolve()
    path = corpus.joinpath(*parts)
    try:
        inside = path.parent.resolve().is_relative_to(root)
    except (RuntimeError, OSError):  # a link loop on the way ("Symlink loop from ...")
        inside = False
    if not inside or not os.path.lexists(path) or path.suffix.lower() not in SUFFIXES:
        raise UploadRefused(f"There is no document called {'/'.join(parts)} in the corpus.")
    if not (path.is_symlink() or path.is_file()):
        raise UploadRefused(f"{'/'.join(parts)} is not a document file.")
    return "/".join(parts), path


def remove_document(corpus: Path, untrusted_name: str) -> CorpusChange:
    """Take a document out of the corpus folder (moved aside until `keep()`, so it can be undone).

    The last document is refused: the indexer will not empty an index (an unmounted share looks the same).
    """
    name, path = document_path(corpus, untrusted_name)
    if len(scan_corpus(corpus).files) <= 1:
        raise UploadRefused(f"{name} is the only document; the corpus cannot be left empty.")
    backup = _hidden_twin(path, "removed")
    os.replace(path, backup)
    return CorpusChange(name, path, "removed", _backup=backup)


@dataclass
class UploadRecord:
    """Who added a file through a chat, and when."""

    name: str
    by_id: int | None
    by: str  # "@username", or the display name
    at: float  # Unix time
    sent_name: str
    sha256: str


class Provenance:
    """`uploads.json` in the data dir: one UploadRecord per file added through a chat (0600)."""

    _lock = threading.Lock()  # read-modify-write of the one file, across the bot's worker threads

    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / PROVENANCE_FILE

    def all(self) -> dict[str, UploadRecord]:
        data = read_json(self.path)
        records = data.get("files", {}) if isinstance(data, dict) else {}
        out: dict[str, UploadRecord] = {}
        for name, fields in records.items():
            try:
                out[name] = UploadRecord(name=name, **{k: v for k, v in fields.items() if k != "name"})
            except TypeError:  # a hand-edited or older entry: ignored rather than fatal
                continue
        return out

    def get(self, name: str) -> UploadRecord | None:
        return self.all().get(name)

    def saved_as(self, sent_name: str) -> str | None:
        """The name the latest upload sent as `sent_name` was saved under, if any."""
        matches = [r for r in self.all().values() if r.sent_name == sent_name]
        return max(matches, key=lambda r: r.at).name if matches else None

    def record(self, change: CorpusChange, by_id: int | None, by: str, at: float | None = None) -> UploadRecord:
        entry = UploadRecord(change.name, by_id, by, time.time() if at is None else at, change.sent_name,
                             change.sha256)
        with self._lock:
            records = self.all()
            records[entry.name] = entry
            self._write(records)
        return entry

    def forget(self, name: str) -> None:
        with self._lock:
            records = self.all()
            if records.pop(name, None) is not None:
                self._write(records)

    def _write(self, records: dict[str, UploadRecord]) -> None:
        files = {name: {k: v for k, v in asdict(r).items() if k != "name"} for name, r in sorted(records.items())}
        atomic_write(self.path, json.dumps({"files": files}, ensure_ascii=False, indent=1))
        os.chmod(self.path, 0o600)  # mkstemp made it 0600 already; said again so a later change cannot widen it
