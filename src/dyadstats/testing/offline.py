"""A guard that refuses file access under a directory (the real-data mirror) while it is active.

Offline tests must not read ``../shared``; on a machine where it exists a test could read it
silently (e.g. through the default config's ``mirrors: [../shared/data]``). :class:`PathGuard`
is a Python audit hook (PEP 578) on the file events Python raises: open, directory listing,
globbing, copying and linking. It cannot see reads done inside C++ libraries (DuckDB, Arrow)
nor bare existence checks (``os.stat`` raises no audit event), so a run on a machine without
the directory stays the proof; the guard is the everyday reminder.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

#: Audit events whose first argument is a path that is read, listed or copied.
EVENTS = frozenset({"open", "os.listdir", "os.scandir", "glob.glob", "shutil.copyfile",
                    "shutil.copytree", "os.symlink", "os.link"})


class OfflineViolation(PermissionError):
    """A guarded path was touched (a PermissionError, so callers see a plain OS error)."""


class PathGuard:
    """Refuse (and record) file access under ``forbidden`` between :meth:`start` and :meth:`stop`.

    Audit hooks cannot be removed, so :meth:`install` adds the hook once and it does nothing
    while the guard is stopped.
    """

    def __init__(self, forbidden: str | Path, advice: str = "") -> None:
        self.forbidden = os.path.realpath(forbidden)
        self.advice = advice
        self._violations: list[str] | None = None
        self._installed = False

    def install(self) -> PathGuard:
        if not self._installed:
            sys.addaudithook(self._audit)
            self._installed = True
        return self

    def start(self) -> None:
        self._violations = []

    def stop(self) -> list[str]:
        """Stop guarding; return what was touched since :meth:`start` (caught errors included)."""
        violations, self._violations = self._violations or [], None
        return violations

    def guarded(self, path: object) -> str | None:
        """The resolved path if it lies under the forbidden directory, else None."""
        if not isinstance(path, str | bytes | os.PathLike):
            return None  # a file descriptor, or an open() of no path
        full = os.path.realpath(os.fsdecode(path))
        return full if full == self.forbidden or full.startswith(self.forbidden + os.sep) else None

    def _audit(self, event: str, args: tuple) -> None:
        if self._violations is None or event not in EVENTS or not args:
            return
        hit = self.guarded(args[0])
        if hit is not None:
            self._violations.append(f"{event} {hit}")
            raise OfflineViolation(f"{event} {hit}: {self.forbidden} is off limits here. {self.advice}".rstrip())
