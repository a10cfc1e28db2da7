"""Labelled examples in class folders: `root/<class>/<file>`, one sub-folder per class.

Class names are the sub-folder names, sorted; the label of an example is the index of its class
name. Anything that does not fit the layout is reported (as `"<path>: <reason>"`), not read.
"""

import os

import numpy as np
from PIL import Image

from cookbook.data.images import READ_ERRORS, describe_error
from cookbook.errors import DataError


def scan_class_folders(root, extensions, what="image"):
    """The files of each class folder of `root`, with their labels.

    Hidden entries (names starting with ".", e.g. `.DS_Store`) are ignored. Files directly in
    `root`, folders inside a class folder (not searched) and files of another extension are
    reported in `skipped`.

    Args:
        root: the folder holding one sub-folder per class.
        extensions: lower-case extensions of the files to use, e.g. `(".png", ".jpg")`.
        what: the kind of file, in words, for messages (`"image"`, `"text"`).

    Returns:
        `(files, labels, class_names, skipped)`: file paths (by class, then by name), int64
        labels, the sorted class names, and one `"<path>: <reason>"` per entry not used.

    Raises:
        DataError: `root` is not a folder, has no class sub-folders, has a class folder without
            a usable file, or has a single class.

    Example:

    ```python
    files, labels, class_names, skipped = scan_class_folders("photos", IMAGE_EXTENSIONS)
    ```
    """
    extensions = tuple(e.lower() for e in extensions)
    wanted = "/".join(extensions)
    example = os.path.join(root, "cat", "*" + extensions[0])
    if not os.path.isdir(root):
        raise DataError(f"{root}: not a folder; expected a folder of {what} files with one "
                        f"sub-folder per class, e.g. {example}")
    class_names, skipped = [], []
    for entry in _visible_entries(root):
        if entry.is_dir():
            class_names.append(entry.name)
        else:
            skipped.append(f"{entry.path}: a file outside the class folders; "
                           "only files inside a class sub-folder are used")
    if not class_names:
        raise DataError(f"{root}: no class sub-folders; expected one sub-folder per class, "
                        f"e.g. {example}")
    files, labels = [], []
    for label, name in enumerate(class_names):
        folder = os.path.join(root, name)
        count = 0
        for entry in _visible_entries(folder):
            if entry.is_dir():
                skipped.append(f"{entry.path}: a folder inside a class folder; "
                               "sub-folders are not searched")
            elif os.path.splitext(entry.name)[1].lower() not in extensions:
                skipped.append(f"{entry.path}: not a {wanted} file")
            else:
                files.append(entry.path)
                count += 1
        if count == 0:
            raise DataError(f"{folder} holds no {wanted} files; remove it or add examples")
        labels.extend([label] * count)
    if len(class_names) < 2:
        raise DataError(f"{root}: needs at least 2 classes, found 1 ({class_names[0]}); "
                        f"add one sub-folder per class")
    return files, np.array(labels, dtype=np.int64), class_names, skipped


def check_image_files(files, labels):
    """Drop the files that are not images or are visibly broken, by reading their headers only.

    A cheap check (Pillow's `open` and `verify`, no full decode): it catches non-images, empty
    files and broken headers (and bad PNG checksums), not every truncated JPEG, which fails
    later, in `read_image`.

    Args:
        files: image file paths.
        labels: their labels.

    Returns:
        `(files, labels, skipped)`: the files that passed with their int64 labels, and one
        `"<path>: <reason>"` per file dropped.

    Raises:
        DataError: every file of a class was dropped.

    Example:

    ```python
    files, labels, skipped = check_image_files(files, labels)
    ```
    """
    labels = np.asarray(labels, dtype=np.int64)
    keep, skipped = [], []
    for path in files:
        try:
            with Image.open(path) as img:
                img.verify()
            keep.append(True)
        except READ_ERRORS as e:
            keep.append(False)
            skipped.append(f"{path}: {describe_error(e)}")
    keep = np.array(keep, dtype=bool)
    for label in np.unique(labels[~keep]):
        if not np.any(keep & (labels == label)):
            folder = os.path.dirname(files[int(np.flatnonzero(labels == label)[0])])
            raise DataError(f"{folder}: none of its files is a readable image; "
                            "remove the folder or add images")
    return [f for f, k in zip(files, keep) if k], labels[keep], skipped


def read_text_folder(root):
    """One text per `.txt` file of each class folder of `root` (`root/<class>/*.txt`).

    Files are read as UTF-8 (a leading byte-order mark is dropped). A file that is not valid
    UTF-8, cannot be read, or holds only whitespace is reported in `skipped`, not read.

    Args:
        root: the folder holding one sub-folder per class.

    Returns:
        `(texts, labels, class_names, skipped)`: texts as an object array, int64 labels, the
        sorted class names, and one `"<path>: <reason>"` per entry not used.

    Raises:
        DataError: the layout rules of `scan_class_folders`, or a class left without any text.

    Example:

    ```python
    texts, labels, class_names, skipped = read_text_folder("reviews")
    ```
    """
    files, labels, class_names, skipped = scan_class_folders(root, (".txt",), what="text")
    texts, kept = [], []
    for path, label in zip(files, labels):
        try:
            with open(path, encoding="utf-8-sig") as f:
                text = f.read()
        except UnicodeDecodeError as e:
            skipped.append(f"{path}: not valid UTF-8 text ({e.reason} at byte {e.start})")
            continue
        except OSError as e:
            skipped.append(f"{path}: cannot read the file ({e.strerror})")
            continue
        if not text.strip():
            skipped.append(f"{path}: empty file")
            continue
        texts.append(text)
        kept.append(label)
    kept = np.array(kept, dtype=np.int64)
    for label, name in enumerate(class_names):
        if not np.any(kept == label):
            raise DataError(f"{os.path.join(root, name)} holds no readable non-empty .txt files; "
                            "remove it or add examples")
    return np.array(texts, dtype=object), kept, class_names, skipped


def _visible_entries(folder):
    """The entries of `folder` whose names do not start with ".", sorted by name."""
    with os.scandir(folder) as entries:
        return sorted((e for e in entries if not e.name.startswith(".")), key=lambda e: e.name)
