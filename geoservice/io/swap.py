"""Replace the ``data/`` folder by a fully built staging folder, atomically.

``geoservice data update`` builds the new data in ``<data>.new/`` beside ``data/``. When every
check passed, :func:`swap_in` exchanges the two folders with one ``renameat2(RENAME_EXCHANGE)``
system call (Linux ≥ 3.15, glibc ≥ 2.28): at every instant ``data/`` is either the complete old
folder or the complete new one. The old folder ends as ``<data>.old/`` (kept until the next
update, for a manual roll-back). Where the exchange call is missing (another OS, another file
system), two renames are used (``data`` → ``data.old``, ``data.new`` → ``data``); an update
killed between them leaves no ``data/`` but a complete ``data.old/``, which
:func:`recover_interrupted_swap` (run at the start of every update) moves back.

Running workers keep the data they loaded at start-up; ``kill -HUP`` of the gunicorn master
(or a restart) makes them read the new ``data/``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import fcntl
import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from geoservice.errors import DataError

logger = logging.getLogger(__name__)

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def staging_path(data_dir: Path) -> Path:
    """``<data>.new`` beside `data_dir`: where an update builds the new data."""
    return data_dir.with_name(data_dir.name + ".new")


def previous_path(data_dir: Path) -> Path:
    """``<data>.old`` beside `data_dir`: the data an update replaced."""
    return data_dir.with_name(data_dir.name + ".old")


class UpdateRunningError(DataError):
    """Another ``data update`` holds the lock of this data folder."""


@contextmanager
def update_lock(data_dir: Path) -> Iterator[None]:
    """Hold ``<data>.lock`` (an exclusive ``flock``, released when the process dies) while
    an update stages and swaps; a second update of the same folder fails at once."""
    lock_path = data_dir.with_name(data_dir.name + ".lock")
    with lock_path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as e:
            msg = f"another `geoservice data update` is running on {data_dir} ({lock_path})"
            raise UpdateRunningError(msg) from e
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def recover_interrupted_swap(data_dir: Path) -> list[str]:
    """Undo what an update killed mid-way left behind; one line per action taken.

    A missing `data_dir` with a ``.old`` folder beside it is moved back; a leftover
    ``.new`` folder (an unfinished build) is removed.
    """
    notes: list[str] = []
    old = previous_path(data_dir)
    if not data_dir.exists() and old.is_dir():
        os.rename(old, data_dir)
        notes.append(f"restored {data_dir.name}/ from {old.name}/ (an update was interrupted)")
    new = staging_path(data_dir)
    if new.exists():
        shutil.rmtree(new)
        notes.append(f"removed the unfinished {new.name}/ of an interrupted update")
    for line in notes:
        logger.warning(line)
    return notes


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths with renameat2; False when the call is unavailable."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    renameat2.argtypes.append(ctypes.c_uint)
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    errno = ctypes.get_errno()
    if errno in (38, 22, 95):  # ENOSYS, EINVAL (file system without it), EOPNOTSUPP
        return False
    raise OSError(errno, os.strerror(errno), str(a))


def swap_in(data_dir: Path) -> Path:
    """Make the staging folder the new `data_dir`; return where the old data went.

    Raises
    ------
    FileNotFoundError
        There is no staging folder.
    """
    new = staging_path(data_dir)
    old = previous_path(data_dir)
    if not new.is_dir():
        raise FileNotFoundError(f"{new} does not exist: nothing to swap in")
    if old.exists():
        shutil.rmtree(old)
    if data_dir.is_dir() and _exchange(data_dir, new):
        os.rename(new, old)  # `new` now holds the old data
        return old
    if data_dir.exists():
        os.rename(data_dir, old)
    os.rename(new, data_dir)
    return old
