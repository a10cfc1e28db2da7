"""What a local data source held when a run trained on it, to tell later whether it changed.

- a file: its size and the SHA-256 of its bytes;
- a folder: how many files it holds and the SHA-256 of their sorted relative paths and sizes
  (a photo added, removed, renamed or re-saved at another size changes it);
- a named source (`tfds`, `sklearn`, `sample`): its name only; it is not a file of the user's.

Example:

```python
from cookbook.data.fingerprint import fingerprint, changed
saved = fingerprint("reviews.csv")
changed("reviews.csv", saved)   # None while it is the same file, else what changed, in words
```
"""

import hashlib
import os

CHUNK = 1 << 20


def fingerprint(source):
    """The fingerprint of `source` (a path, or a named source) as a JSON-ready dict."""
    if os.path.isfile(source):
        digest = hashlib.sha256()
        with open(source, "rb") as f:
            for chunk in iter(lambda: f.read(CHUNK), b""):
                digest.update(chunk)
        return {"kind": "file", "bytes": os.path.getsize(source), "sha256": digest.hexdigest()}
    if os.path.isdir(source):
        digest, count = hashlib.sha256(), 0
        for folder, dirs, files in os.walk(source):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(folder, name)
                relative = os.path.relpath(path, source).replace(os.sep, "/")
                digest.update(f"{relative}\t{os.path.getsize(path)}\n".encode())
                count += 1
        return {"kind": "folder", "files": count, "sha256": digest.hexdigest()}
    return {"kind": "named", "name": source}


def changed(source, saved):
    """None when `source` still matches the fingerprint `saved`, else what differs, in words."""
    if saved.get("kind") == "named":
        return None
    if not os.path.exists(source):
        return f"{source} is gone"
    now = fingerprint(source)
    if now["kind"] != saved["kind"]:
        return f"{source} was a {saved['kind']} and is now a {now['kind']}"
    if now == saved:
        return None
    if now["kind"] == "file":
        return (f"{source} changed since (now {now['bytes']:,} bytes, then "
                f"{saved['bytes']:,}; other content)")
    return (f"{source} changed since (now {now['files']:,} files, then {saved['files']:,}, "
            "or other names or sizes)")
