"""Writes that leave either the old file or the complete new one, never half of either.

The new file gets the permissions of any file the user creates (0644 under umask 022), not the
owner-only 0600 of a temporary file: a model server often runs as another user.
"""

import contextlib
import os
import tempfile


@contextlib.contextmanager
def atomic_path(path: str):
    """Yield a temporary path next to `path`; on success it is renamed to `path`.

    Example:

    ```python
    with atomic_path("run/model.keras") as tmp:
        model.save(tmp)
    ```
    """
    directory, name = os.path.split(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=os.path.splitext(name)[1], dir=directory)
    os.close(fd)
    try:
        yield tmp
        if os.path.isfile(tmp):
            os.chmod(tmp, 0o666 & ~umask())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def remove_leftovers(directory: str, names):
    """Remove the temporary files that writes of `names` in `directory` left when the process
    was killed before renaming them (`.<name>.XXXXXXXX<ext>`). Call it only where no other
    process writes those files at the same time (e.g. a run directory being resumed)."""
    removed = []
    for entry in os.listdir(directory) if os.path.isdir(directory) else []:
        for name in names:
            rest = entry[len(name) + 2:] if entry.startswith(f".{name}.") else None
            if rest and rest.endswith(os.path.splitext(name)[1]) and os.path.isfile(
                    os.path.join(directory, entry)):
                os.remove(os.path.join(directory, entry))
                removed.append(entry)
    return removed


def write_text(path: str, text: str):
    """Write `text` to `path` atomically."""
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)


def umask() -> int:
    """The process' umask, read without changing it where the system allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: read by setting it, and put it back at once
    os.umask(mask)
    return mask
