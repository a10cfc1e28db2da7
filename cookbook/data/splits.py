"""The `Splits` container and how one dataset's examples become checked train and test splits.

Every per-dataset module builds on this module alone; `cookbook.data.catalog` finds a dataset's
module by name.
"""

import dataclasses
import math
import os

import numpy as np

from cookbook.data.checks import check_finite, check_labels, check_split, check_targets
from cookbook.errors import DataError

TEST_FRACTION = 0.2  # of a local file, a folder or a set split here into train and test


@dataclasses.dataclass
class Splits:
    """Train and test splits of one dataset, as NumPy arrays.

    Args:
        name: dataset name, e.g. `"mnist"`.
        source: where the data came from, in words (`"tfds"`, `"sample"`, a file path).
        x_train: training examples.
        y_train: their labels or targets.
        x_test: test examples.
        y_test: their labels or targets.
        class_names: name of each class id.
    """

    name: str
    source: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: list

    def sizes(self) -> dict:
        return {"train": int(len(self.x_train)), "test": int(len(self.x_test))}


def split_file(name, path, seed, read_file, class_names, **read_options) -> Splits:
    """`Splits` of one local file: every example read and checked (`read_checked`), then a
    seeded 80/20 split, stratified by class. The per-dataset loaders use it for a file source.

    Args:
        name: dataset name, e.g. `"mnist"`.
        path: the local file.
        seed: seed of the split.
        read_file: the dataset's `read_file(path, **read_options) -> (x, y)`.
        class_names: the name of each class id of the file's labels; empty for regression.
        **read_options: passed to `read_file` (`label_column` of a CSV of tabular features).
    """
    x, y = read_checked(read_file, path, class_names, **read_options)
    x_train, y_train, x_test, y_test = seeded_split(x, y, TEST_FRACTION, seed, origin=path)
    return Splits(name, path, x_train, y_train, x_test, y_test, list(class_names))


def read_checked(read_file, path, class_names, **read_options):
    """Every example of a local file or folder as `(x, y)`, those of a file checked
    (`check_arrays`). The labels of a folder of class folders come from its sub-folders and are
    not checked against `class_names`.

    Args:
        read_file: the dataset's `read_file(path, **read_options) -> (x, y)`.
        path: the local file or folder.
        class_names: the name of each class id the labels may take; empty for regression.
        **read_options: passed to `read_file`.
    """
    x, y = read_file(path, **read_options)
    if os.path.isdir(path):
        return x, y
    return check_arrays(x, y, class_names, path)


def check_arrays(x, y, class_names, origin):
    """`(x, y)` after the checks every local file goes through before training or evaluation.

    Labels must be class ids `0 .. len(class_names) - 1` (returned as int64); with no class
    names (regression), finite targets. Float features must be finite.

    Args:
        x, y: the examples and their labels or targets.
        class_names: the name of each class id; empty for regression.
        origin: the data, in words (a file path), for the error messages.
    """
    y = check_labels(y, len(class_names), origin) if class_names else check_targets(y, origin)
    check_finite(x, origin)
    return x, y


def seeded_split(x, y, test_size, seed, *, origin=None):
    """Seeded split into `(x_a, y_a, x_b, y_b)` with `test_size` (count or fraction) in b.

    Stratified by class when `y` holds class ids; a plain shuffled split for regression targets.
    A split that cannot be made (a class with a single example, too few examples) is a
    DataError naming `origin` (the data, in words), never scikit-learn's ValueError.

    Args:
        x: the examples.
        y: their labels or targets.
        test_size: the examples in b, a count (int) or a fraction (float).
        seed: seed of the shuffle.
        origin: the data, in words, for the error message.
    """
    from sklearn.model_selection import train_test_split

    if isinstance(test_size, float) and not 0 < test_size < 1:
        raise DataError(f"test fraction {test_size!r} is not between 0 and 1; use e.g. 0.2")
    stratify = y if np.asarray(y).dtype.kind in "biu" else None
    n = len(y)
    n_test = math.ceil(test_size * n) if isinstance(test_size, float) else int(test_size)
    if stratify is not None:
        check_split(np.asarray(y), n_test, origin)
    try:
        x_a, x_b, y_a, y_b = train_test_split(x, y, test_size=test_size, stratify=stratify,
                                              random_state=seed)
    except ValueError as e:
        where = f"{origin}: " if origin else ""
        raise DataError(f"{where}cannot split {n} examples with {n_test} for testing "
                        f"({e}); add examples") from None
    return x_a, y_a, x_b, y_b


def split_indices(labels, test_size, seed, *, origin=None):
    """`seeded_split` of the indices `range(len(labels))`, stratified by `labels`: for data
    that is not held in memory (photos read a batch at a time), split by index.

    Returns:
        `(train_idx, test_idx)`: int64 index arrays.

    Example:

    ```python
    train_idx, test_idx = split_indices(labels, 0.2, seed=0)
    ```
    """
    indices = np.arange(len(labels), dtype=np.int64)
    labels = np.asarray(labels, dtype=np.int64)  # class ids: always stratified
    train_idx, _, test_idx, _ = seeded_split(indices, labels, test_size, seed, origin=origin)
    return train_idx, test_idx
