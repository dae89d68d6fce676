"""Check results kept on disk by workbook content, so a rerun over a folder only checks
the workbooks that changed (and an interrupted run resumes where it stopped).

A result's key is the SHA-256 of the workbook's bytes and of the run's context (the tool's
version, the registry, the models workbook's contents, the as-of day when the workbook
leaves it blank): renaming a file keeps its result, editing it, the models or the tool
does not.  Results a machine's load can change (too slow, out of memory, a crashed
worker) and engine failures are never kept.  One file per result, written atomically.
"""
from __future__ import annotations

import hashlib
import pickle
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, Optional

#: Results never kept: they depend on the machine's load, or on a bug later fixed.
UNKEPT_CODES = frozenset({"too_slow", "too_large", "worker_crashed", "internal_error"})
_CHUNK = 1 << 20


def file_digest(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def run_context(*, models: Any = None, live: bool = False, today: Optional[date] = None) -> str:
    """What besides the workbook decides its result, as one digest."""
    from .. import __version__
    from ..spec import templates_dir

    parts = [__version__, (templates_dir() / "layout.toml").read_bytes().hex(), repr(models), repr(live),
             (today or date.today()).isoformat()]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


class ResultCache:
    """``folder`` of pickled ``CheckResult`` values, one per (workbook content, context)."""

    def __init__(self, folder: str | Path, context: str = "") -> None:
        self.folder = Path(folder)
        self.context = context
        self.hits = self.misses = 0

    def key(self, path: str | Path) -> str:
        return hashlib.sha256(f"{file_digest(path)}:{self.context}".encode("ascii")).hexdigest()

    def _file(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.pickle"

    def get(self, key: str, path: str | Path) -> Any:
        """The kept result for ``key`` (its path set to ``path``), or None."""
        try:
            result = pickle.loads(self._file(key).read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
            self.misses += 1
            return None
        self.hits += 1
        return replace(result, path=str(path))

    def put(self, key: str, result: Any) -> None:
        if any(i.code in UNKEPT_CODES for i in result.issues):
            return
        from ..files.output import write_atomically

        target = self._file(key)
        data = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            write_atomically(target, lambda tmp: tmp.write_bytes(data))
        except OSError:     # a full disk or a read-only folder: the run goes on uncached
            pass
