"""Versioned export folders: `<out>/<recipe>/<version>/`, never half-written, never lost.

An export is written into a temporary folder next to the versions and renamed into place when
it is complete and checked; a version is replaced only on request (`force`), by a swap that
puts the previous version back if it fails.

Temporary folders live next to the versions: `.<version>.tmp-<host>-<pid>-XXXXXXXX` while a
SavedModel is written, `.<version>.old-<host>-<pid>-XXXXXXXX` for the instant `force` swaps a
version out. An export that is killed leaves its folder behind; the next export to the same
`<out>/<recipe>/` removes such a folder when its writer is gone:

- its host is this machine and its process id is not running any more; or
- nothing in it has changed for an hour (`STALE_AFTER_S`): folders of other machines sharing
  the folder, of a process id that has been reused, and of older versions of cookbook (named
  without host and pid).

A stale `.old-` folder whose version is missing (an export killed in the middle of a `force`
swap) is put back as that version first, so the previous version is never lost.
"""

import errno
import os
import re
import shutil
import socket
import tempfile
import time

from cookbook.errors import RunDirError

STALE_AFTER_S = 3600  # a temporary folder untouched this long is an abandoned export's
# `.<version>.<tmp|old>-<host>-<pid>-<mkdtemp's 8 characters>`; older cookbooks wrote no host-pid.
TEMPORARY_NAME = re.compile(r"^\.(?P<version>\d+)\.(?P<kind>tmp|old)-"
                            r"(?:(?P<host>[A-Za-z0-9_]+)-(?P<pid>\d+)-)?[a-z0-9_]{8}$")


def next_version(base):
    """1 + the largest numbered version folder in `base` (1 when there is none)."""
    if not os.path.isdir(base):
        return 1
    versions = [int(d) for d in os.listdir(base) if d.isdigit()]
    return max(versions, default=0) + 1


def version_exists(target, base):
    return RunDirError(f"{target} already exists; export to the next version "
                       f"({next_version(base)}) by leaving out --version, or pass --force to "
                       "replace it")


def make_temporary(base, version):
    """Create `base` if needed and make this export's temporary folder in it.

    Args:
        base: the `<out>/<recipe>` folder.
        version: the version being written (it names the folder).

    Returns:
        The temporary folder's path.
    """
    try:
        os.makedirs(base, exist_ok=True)
        return tempfile.mkdtemp(prefix=_temporary_prefix(version, "tmp"), dir=base)
    except OSError as e:
        raise RunDirError(cannot_write(base, e)) from e


def remove_stale(base):
    """`remove_stale_temporaries`, its errors as one line."""
    try:
        remove_stale_temporaries(base)
    except OSError as e:
        raise RunDirError(cannot_write(base, e)) from e


def move_into_place(tmp, target, base, version, force):
    """Rename the finished SavedModel `tmp` to `target`; with `force`, swap out the old version.

    Args:
        tmp: the finished SavedModel folder.
        target: `<out>/<recipe>/<version>`.
        base: `<out>/<recipe>`.
        version: the version number.
        force: whether an existing `target` may be replaced.
    """
    if not os.path.exists(target):
        try:
            os.replace(tmp, target)
        except OSError as e:
            if e.errno in (errno.ENOTEMPTY, errno.EEXIST) and os.path.isdir(target):
                raise RunDirError(f"{target} was written by another export meanwhile; export "
                                  "again for the next version") from e
            raise
        return
    if not force:  # another export wrote it since we looked
        raise version_exists(target, base)
    old = tempfile.mkdtemp(prefix=_temporary_prefix(version, "old"), dir=base)
    try:
        os.replace(target, os.path.join(old, "v"))
        try:
            os.replace(tmp, target)
        except BaseException:
            os.replace(os.path.join(old, "v"), target)  # put the old version back
            raise
    finally:
        if os.path.isdir(target):  # otherwise the old version waits in `old` to be put back
            shutil.rmtree(old, ignore_errors=True)


def check_no_file_in_the_way(base):
    """Fail when `base` or a folder above it is an existing file, not a folder."""
    path = _file_in_the_way_of(base)
    if path:
        raise RunDirError(_file_in_the_way(base, path))


def _file_in_the_way_of(base):
    """The nearest existing part of the path `base` when it is not a folder, else None."""
    path = os.path.normpath(base)
    while not os.path.lexists(path) and os.path.dirname(path) not in ("", path):
        path = os.path.dirname(path)
    return path if os.path.lexists(path) and not os.path.isdir(path) else None


def _file_in_the_way(base, path):
    return (f"cannot export to {base}: {path} is a file, not a folder; pass --out a folder "
            "(it is created if missing), or move that file away")


def cannot_write(base, error):
    """One line for an `OSError` raised while writing under `base`."""
    if isinstance(error, (NotADirectoryError, FileExistsError)):
        return _file_in_the_way(base, _file_in_the_way_of(base) or error.filename or base)
    if isinstance(error, PermissionError):
        return (f"cannot write to {base}: permission denied; pass --out a folder you can "
                "write to, or fix its permissions")
    reason = error.strerror or str(error).splitlines()[0]
    return f"cannot write to {base}: {reason}; fix that, or pass --out another folder"


def host():
    """This machine's name, reduced to letters, digits and `_` (it goes into folder names)."""
    return re.sub(r"[^A-Za-z0-9]", "_", socket.gethostname())[:64] or "host"


def _temporary_prefix(version, kind):
    """`.<version>.<kind>-<host>-<pid>-`: mkdtemp adds 8 random characters."""
    return f".{version}.{kind}-{host()}-{os.getpid()}-"


def remove_stale_temporaries(base, now=None):
    """Remove the temporary folders that killed exports left in `base` (see the module's
    docstring for when one is stale); those of exports still running stay.

    Args:
        base: an `<out>/<recipe>` folder.
        now: the time to compare modification times with (default: now).

    Returns:
        The names of the folders removed.
    """
    now = time.time() if now is None else now
    removed = []
    for name in sorted(os.listdir(base)) if os.path.isdir(base) else []:
        match = TEMPORARY_NAME.match(name)
        path = os.path.join(base, name)
        if not match or os.path.islink(path) or not os.path.isdir(path):
            continue
        if not _is_stale(path, match, now):
            continue
        if match["kind"] == "old":
            _put_back(os.path.join(path, "v"), os.path.join(base, match["version"]))
        shutil.rmtree(path, ignore_errors=True)  # another export may be removing it too
        removed.append(name)
    return removed


def _is_stale(path, match, now):
    """Whether the writer of the temporary folder `path` is gone."""
    if match["pid"] and match["host"] == host() and not _pid_alive(int(match["pid"])):
        return True
    return now - _last_change(path) > STALE_AFTER_S


def _pid_alive(pid):
    """Whether a process `pid` runs on this machine (True when that cannot be told)."""
    if os.name == "nt":  # os.kill would terminate it there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):  # another user's process; a pid out of range
        return True
    return True


def _last_change(path):
    """The newest modification time of the folder `path` and of the entries directly in it."""
    try:
        times = [os.lstat(path).st_mtime]
        times += [entry.stat(follow_symlinks=False).st_mtime for entry in os.scandir(path)]
    except OSError:  # being removed meanwhile
        return time.time()
    return max(times)


def _put_back(old, target):
    """Move the version a killed `force` export had swapped out back to `target`, if missing."""
    if os.path.isdir(old) and not os.path.exists(target):
        try:
            os.replace(old, target)
        except OSError:
            pass


def follow_umask(root):
    """Give `root` and everything in it the permissions the user's umask gives new files."""
    from cookbook.atomic import umask

    mask = umask()
    for folder, _, files in os.walk(root):
        os.chmod(folder, 0o777 & ~mask)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o666 & ~mask)
