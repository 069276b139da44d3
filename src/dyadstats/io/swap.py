"""Replace a whole directory at once, so a reader sees the previous tree or the new one, never a mix.

The report stage writes two dozen files (HTML, Markdown, tables, figures, provenance). Writing
them one by one into ``reports/`` would leave a half-old, half-new report after a crash in the
middle, and an HTML page whose figures come from another run. Instead the stage writes into a
staging directory beside the final one and swaps the two when everything is written.

On Linux the swap is ``renameat2(RENAME_EXCHANGE)``: one system call exchanges the two names,
so there is no instant at which ``reports/`` is missing. Where that call is not available
(another OS, a file system without it) the fallback is two renames; the window in which
``reports/`` is absent is then two metadata operations long, and a crash inside it leaves the
previous tree under ``.reports.previous``, which the next run restores.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def staging_path(final: Path) -> Path:
    """Where the new tree of ``final`` is written before the swap."""
    return final.parent / f".{final.name}.staging"


def previous_path(final: Path) -> Path:
    """Where the old tree of ``final`` waits between the two renames of the fallback."""
    return final.parent / f".{final.name}.previous"


def _exchange(first: Path, second: Path) -> bool:
    """Atomically exchange two existing paths; False when the platform cannot."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    rc = renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    errno = ctypes.get_errno()
    if errno in (38, 22, 95):  # ENOSYS, EINVAL, EOPNOTSUPP: the kernel or file system cannot
        return False
    raise OSError(errno, os.strerror(errno), f"{first} <-> {second}")


def recover(final: str | os.PathLike[str]) -> None:
    """Finish or undo a swap a crash interrupted, and drop a staging tree nobody completed."""
    final = Path(final)
    previous = previous_path(final)
    if previous.is_dir():
        if final.exists():
            shutil.rmtree(previous)
        else:
            os.rename(previous, final)
            log.info("restored %s from an interrupted swap", final)
    staging = staging_path(final)
    if staging.exists():
        shutil.rmtree(staging)


def replace_directory(staging: str | os.PathLike[str], final: str | os.PathLike[str]) -> None:
    """Put the tree at ``staging`` in place of ``final`` (which may not exist yet)."""
    staging, final = Path(staging), Path(final)
    if not final.exists():
        os.rename(staging, final)
        return
    if _exchange(staging, final):
        shutil.rmtree(staging)  # now holds the old tree
        return
    previous = previous_path(final)
    if previous.exists():
        shutil.rmtree(previous)
    os.rename(final, previous)
    os.rename(staging, final)
    shutil.rmtree(previous)


@contextlib.contextmanager
def staged_directory(final: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield an empty directory to write the new ``final`` into; swap it in only on success.

    On any exception the staging tree is removed and ``final`` is left exactly as it was.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    recover(final)
    staging = staging_path(final)
    staging.mkdir()
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    replace_directory(staging, final)
