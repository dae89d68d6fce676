"""Writing an output file whole or not at all, and never over an input.

``write_atomically(target, write)`` has ``write(temporary_path)`` fill a temporary file in
the target's folder (``.<name>.<random>.tmp``: hidden, and not a workbook name, so ``check
DIR`` never picks it up), then renames it into place: a full disk, a kill or a crash never
leaves a truncated file under the final name.  A failed write removes its temporary file;
``remove_stale_temporaries`` removes those a killed process left.

``refuse_output(target, inputs)`` refuses a path that is one of the inputs (the same file,
by any name) or that ends in a spreadsheet extension (an output of ours is never a workbook
unless a builder writes it).  Every OS error becomes an ``OutputError`` whose message says
what happened and what to do (a read-only folder, a full disk, a missing permission).
"""
from __future__ import annotations

import errno
import os
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterable, Optional

from ..errors import WorkbookError

#: Names a spreadsheet application opens as a workbook.
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".xltx", ".xltm", ".ods", ".fods")
TEMP_SUFFIX = ".tmp"
#: A temporary file of ours older than this (seconds) belongs to a process that was killed.
STALE_AFTER_S = 60.0
_NO_ROOM = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}
_NOT_ALLOWED = {errno.EACCES, errno.EPERM, errno.EROFS}


class OutputError(WorkbookError):
    """An output file cannot be written (or must not be); the message says what to do."""


def refuse_output(target: str | Path, inputs: Iterable[str | Path] = (), *, what: str = "the output",
                  allowed_suffixes: tuple[str, ...] = ()) -> Path:
    """``target`` as a Path, or ``OutputError`` when writing it would destroy an input."""
    target = Path(target)
    suffix = target.suffix.lower()
    if suffix in SPREADSHEET_SUFFIXES and suffix not in allowed_suffixes:
        raise OutputError(f"{target.name}: {what} is not a workbook; give a file name that does not end in "
                          f"{target.suffix} (a workbook there would be overwritten)")
    for source in inputs:
        if _same_file(target, Path(source)):
            raise OutputError(f"{target}: that is the workbook being read; {what} would overwrite it. Choose "
                              "another file name")
    if target.is_dir():
        raise OutputError(f"{target} is a folder; give a file name for {what}")
    return target


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.abspath(a) == os.path.abspath(b)


def write_atomically(target: str | Path, write: Callable[[Path], None], *, mode: Optional[int] = None) -> Path:
    """Have ``write(tmp)`` fill a temporary file beside ``target``, then rename it to ``target``."""
    target = Path(target)
    folder = target.parent
    tmp: Optional[str] = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=folder)
        os.close(handle)
        write(Path(tmp))
        os.chmod(tmp, mode if mode is not None else 0o666 & ~_umask())
        os.replace(tmp, target)
        tmp = None
    except OSError as error:
        raise OutputError(cannot_write_message(target, error)) from error
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    return target


def write_text_atomically(target: str | Path, text: str, *, newline: Optional[str] = None) -> Path:
    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8", newline=newline) as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
    return write_atomically(target, write)


def cannot_write_message(target: Path, error: OSError) -> str:
    """One line: why ``target`` could not be written and what to do."""
    folder = target.parent if str(target.parent) else Path(".")
    if error.errno in _NO_ROOM:
        return (f"cannot write {target}: the disk is full (or the file is larger than allowed); free some space "
                f"in {folder} or write the file elsewhere. Nothing was written")
    if error.errno in _NOT_ALLOWED:
        why = "the folder is read-only" if error.errno == errno.EROFS else "permission denied"
        return (f"cannot write {target}: {why}; choose a folder you can write to (or change its permissions). "
                "Nothing was written")
    if error.errno == errno.ENOTDIR:
        return f"cannot write {target}: part of the path is a file, not a folder; check the path"
    return f"cannot write {target}: {error.strerror or error}; nothing was written"


def remove_stale_temporaries(folder: str | Path, name: str, *, now: Optional[float] = None) -> list[Path]:
    """Remove the temporary files of ``name`` that a killed writer left in ``folder``."""
    now = time.time() if now is None else now
    removed = []
    try:
        candidates = list(Path(folder).glob(f".{glob_escape(name)}.*{TEMP_SUFFIX}"))
    except OSError:
        return removed
    for path in candidates:
        try:
            if now - path.stat().st_mtime > STALE_AFTER_S:
                path.unlink()
                removed.append(path)
        except OSError:
            continue
    return removed


def is_temporary(path: str | Path) -> bool:
    """A file name this module (or Excel, ``~$book.xlsx``) uses while writing."""
    name = Path(path).name
    return name.startswith(("~$", ".")) or name.endswith(TEMP_SUFFIX)


def glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
