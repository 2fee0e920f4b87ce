"""New output folders, written atomically, with the user's umask.

A command's ``--out`` must be a new (or empty) folder: an earlier result is never
overwritten. Files are written into a temporary sibling folder that is renamed to
``--out`` only when everything is written, so a failed run leaves nothing half done.

The rename never replaces what another run put at ``--out`` meanwhile (``renameat2``
with ``RENAME_NOREPLACE``; where the file system lacks it, a plain rename that fails on
a non-empty target): the later of two racing runs gets :class:`OutputExistsError`.

The temporary folder is named ``.<out>.tmp-<host>-<pid>-<random>``. A run killed
before its rename (``kill -9``, power loss) leaves it behind; the next run into the
same parent folder removes the temporary folders of processes on this host that no
longer run, and names those it cannot judge (:func:`clean_stale_temp_folders`).

``tempfile.mkdtemp`` creates private folders (0700) and ``mkstemp`` private files
(0600) whatever the umask; :func:`dir_mode` and :func:`file_mode` give the modes a
plain ``mkdir`` / ``open`` would have created, and the output gets those.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import os
import re
import shutil
import socket
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from planning_lib.core.lifeline import process_alive

__all__ = [
    "OutputExistsError",
    "check_new_folder",
    "clean_stale_temp_folders",
    "current_umask",
    "dir_mode",
    "file_mode",
    "new_folder",
    "private_temp_dir",
    "rename_noreplace",
    "report_stale_temp_folders",
    "temp_name",
]


class OutputExistsError(FileExistsError):
    """The output folder exists and is not empty."""

    def __init__(self, out: Path):
        super().__init__(f"output folder {out} exists and is not empty; choose a new one")
        self.out = out


# ------------------------------------------------------------------ umask


def current_umask() -> int:
    """The process's umask, read without changing it (Linux ``/proc``), else set and reset."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # not thread-safe for the instant between the two calls
    os.umask(mask)
    return mask


def dir_mode() -> int:
    """The mode ``mkdir`` gives a new folder under the current umask (0755 under 022)."""
    return 0o777 & ~current_umask()


def file_mode() -> int:
    """The mode ``open(..., 'w')`` gives a new file under the current umask (0644 under 022)."""
    return 0o666 & ~current_umask()


# ------------------------------------------------------------------ temporary folders

_HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:6]
_TMP = re.compile(r"^\..+\.tmp-(?P<host>[0-9a-f]{6})-(?P<pid>\d+)-[0-9a-f]{8}$")
_LEGACY_TMP = re.compile(r"^\..+\.tmp-[A-Za-z0-9_]{8}$")


def temp_name(name: str) -> str:
    """A temporary sibling name for ``name`` that records this host and process."""
    return f".{name}.tmp-{_HOST}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def private_temp_dir(out: Path) -> Path:
    """Create a new temporary folder beside ``out`` (named by :func:`temp_name`).

    It gets the umask's folder mode (``mkdir``), not the 0700 of ``tempfile.mkdtemp``.
    """
    for _ in range(100):
        tmp = out.parent / temp_name(out.name)
        try:
            tmp.mkdir()
        except FileExistsError:
            continue
        return tmp
    raise FileExistsError(f"could not create a temporary folder beside {out}")


def clean_stale_temp_folders(parent: str | Path) -> tuple[list[Path], list[Path]]:
    """Remove the temporary folders (and files) that killed runs left in ``parent``.

    A folder or file ``.<name>.tmp-<host>-<pid>-<random>`` of this host whose process no
    longer runs is removed. Temporary folders of other hosts, and of the older naming without
    a process id, cannot be judged: they are returned (and left) for the caller to name.

    Returns:
        (removed, kept_unknown)
    """
    parent = Path(parent)
    removed: list[Path] = []
    unknown: list[Path] = []
    try:
        entries = sorted(parent.iterdir())
    except OSError:
        return removed, unknown
    for p in entries:
        m = _TMP.match(p.name)
        if p.is_symlink() or not (p.is_dir() or p.is_file()):
            continue
        if m is None:
            if p.is_dir() and _LEGACY_TMP.match(p.name):
                unknown.append(p)
            continue
        if m["host"] != _HOST:
            unknown.append(p)
            continue
        pid = int(m["pid"])
        try:
            since = p.stat().st_mtime
        except OSError:
            continue
        if pid == os.getpid() or process_alive(pid, since):
            continue
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
        if not p.exists():
            removed.append(p)
    return removed, unknown


def report_stale_temp_folders(parent: str | Path) -> None:
    """:func:`clean_stale_temp_folders`, telling the user (stderr) what was removed or left."""
    removed, unknown = clean_stale_temp_folders(parent)
    for p in removed:
        print(f"note: removed {p} (left behind by an interrupted run)", file=sys.stderr)
    for p in unknown:
        print(
            f"note: {p} looks left behind by an interrupted run (another host or an "
            "older version); remove it when no run is writing there",
            file=sys.stderr,
        )


# ------------------------------------------------------------------ rename without replacing

_RENAME_NOREPLACE = 1
_AT_FDCWD = -100


def _renameat2() -> object | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


_RENAMEAT2 = _renameat2()


def rename_noreplace(src: str | Path, dst: str | Path) -> None:
    """Rename ``src`` to ``dst``; raise FileExistsError when ``dst`` exists (never replace).

    Uses ``renameat2(RENAME_NOREPLACE)`` (Linux); elsewhere, or on a file system
    without it, a file is linked and unlinked (``link`` never replaces) and a folder is
    renamed (which fails on a non-empty target folder; an empty one would be replaced).
    """
    src, dst = Path(src), Path(dst)
    if _RENAMEAT2 is not None:
        rc = _RENAMEAT2(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), _RENAME_NOREPLACE)
        if rc == 0:
            return
        err = ctypes.get_errno()
        if err == errno.EEXIST:
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(dst))
        if err not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
            raise OSError(err, os.strerror(err), str(src), None, str(dst))
    if src.is_dir():
        try:
            os.rename(src, dst)
        except OSError as exc:
            if exc.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
                raise FileExistsError(exc.errno, exc.strerror, str(dst)) from None
            raise
        return
    os.link(src, dst)  # FileExistsError when dst exists
    os.unlink(src)


# ------------------------------------------------------------------ output folders


def check_new_folder(out: str | Path) -> None:
    """Raise OutputExistsError unless ``out`` is missing or an empty folder."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise OutputExistsError(out)


@contextmanager
def new_folder(out: str | Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``out``; rename it to ``out`` when the block succeeds.

    The folder gets the umask's mode (0755 under umask 022, 0700 under 077). Temporary
    folders that killed runs left beside ``out`` are removed first (see
    :func:`clean_stale_temp_folders`).

    Raises:
        OutputExistsError: ``out`` exists and is not empty (checked before and at the end,
            and by the rename itself, so a run that filled ``out`` meanwhile is kept).
    """
    out = Path(out)
    check_new_folder(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    report_stale_temp_folders(out.parent)
    tmp = private_temp_dir(out)
    try:
        yield tmp
        check_new_folder(out)
        if out.exists():
            try:
                out.rmdir()  # an empty folder the user made for us
            except FileNotFoundError:
                pass
            except OSError:
                raise OutputExistsError(out) from None
        try:
            rename_noreplace(tmp, out)
        except FileExistsError:
            raise OutputExistsError(out) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
