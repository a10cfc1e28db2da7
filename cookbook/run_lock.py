"""One trainer per run directory: an exclusive lock on `RUN/trainer.lock` for the whole run
(and one exporter per export version, `hold_file`).

The lock is the operating system's (`fcntl.flock`), so it goes with the process that holds it:
a run that crashed or was killed leaves no lock behind, only the file, which records the
holder's pid and host for the message a second trainer gets; a run that ends deletes it. The processes of one multi-process
run share their directory: only process 0 takes the lock.

Example:

```python
from cookbook import run_lock
run_lock.hold("runs/mnist")      # RunDirError if another process trains there
...
run_lock.let_go("runs/mnist")
```
"""

import fcntl
import os
import socket

from cookbook.errors import RunDirError

LOCK_FILE = "trainer.lock"

# The lock files this process holds: path -> open file descriptor.
_HELD = {}


def _path(out):
    return os.path.abspath(os.path.join(out, LOCK_FILE))


def hold(out):
    """Take the lock of the existing folder `out` for this process, until `let_go` or its end.

    Raises:
        RunDirError: another process holds it (the message names its pid and host).
    """
    hold_file(_path(out), f"{out} is being trained", "choose another --out")


def check_free(out):
    """Fail as `hold` would if another process trains in `out`; take nothing."""
    path = _path(out)
    if path in _HELD or not os.path.exists(path):
        return
    os.close(_locked(path, f"{out} is being trained", "choose another --out"))


def let_go(out):
    """Release this process' lock of `out` and delete its file (a trainer that locked the file
    meanwhile sees that it is gone and takes a new one); nothing when this process holds none,
    as in the processes of a multi-process run other than process 0."""
    let_go_file(_path(out))


def hold_file(path, busy, instead):
    """Take the lock file `path` (its folder exists) for this process; when another process
    holds it, fail with "`busy` by pid P on host H; wait for it, or `instead`"."""
    path = os.path.abspath(path)
    if path in _HELD:
        return
    fd = _locked(path, busy, instead)
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()} {socket.gethostname()}\n".encode())
    _HELD[path] = fd


def let_go_file(path):
    """Release the lock file `path` this process holds, deleting it; nothing if it holds none."""
    path = os.path.abspath(path)
    fd = _HELD.pop(path, None)
    if fd is None:
        return
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
    os.close(fd)


def _locked(path, busy, instead):
    """An open descriptor of `path` holding its exclusive lock, or the error naming the
    holder. A lock taken on a file that was deleted meanwhile (its holder let go) is no lock:
    then the new file is tried."""
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as e:
            raise RunDirError(f"cannot write {os.path.dirname(path)} ({e.strerror or e}); "
                              f"{instead}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 200).decode(errors="replace").split()
            os.close(fd)
            who = (f"pid {holder[0]} on host {holder[1]}" if len(holder) == 2
                   else "another process")
            raise RunDirError(f"{busy} by {who}; wait for it, or {instead}") from None
        try:
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)
