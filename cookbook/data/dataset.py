"""The `Dataset` container and the dispatch from a dataset name and source to its loader."""

import dataclasses
import math
import os
from typing import Callable

import numpy as np

from cookbook.data.checks import check_finite, check_labels, check_split, check_targets
from cookbook.errors import DataError

TEST_FRACTION = 0.2  # of a single local file, split here


@dataclasses.dataclass
class Dataset:
    """Train and test splits of one dataset, as NumPy arrays.

    Args:
        name: dataset name, e.g. `"mnist"`.
        source: where the data came from, in words (`"tfds"`, `"sample"`, a file path).
        x_train, y_train, x_test, y_test: the splits.
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


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """How to load one dataset.

    Args:
        load: `load(source, seed) -> Dataset` for `source` one of `sources` or a local path.
        read_file: `read_file(path) -> (x, y)`: every example of a local file, for evaluation.
        sources: the named sources besides local paths, `"auto"` first.
        files: the local files it reads, in words.
        kind: `"image"`, `"tabular"` or `"text"` (text is tokenized before training).
        class_names: the name of each class id of its files' labels; empty for regression.
    """

    load: Callable
    read_file: Callable
    sources: tuple
    files: str
    kind: str
    class_names: tuple


def _registry():
    from cookbook.data import breast_cancer, cats_vs_dogs, cifar10, diabetes, imdb, mnist

    return {
        "diabetes": DatasetInfo(diabetes.load, diabetes.read_file, ("auto", "sklearn"),
                                "a CSV with a header: 10 feature columns and a label column, "
                                "or an .npz with arrays x (N, 10) and y (N,)", "tabular", ()),
        "cifar10": DatasetInfo(cifar10.load, cifar10.read_file, ("auto", "tfds"),
                               f"{_FOLDER}, or an .npz with arrays x (N, 32, 32, 3) and y (N,)",
                               "image", tuple(cifar10.CLASS_NAMES)),
        "cats_vs_dogs": DatasetInfo(cats_vs_dogs.load, cats_vs_dogs.read_file, ("auto", "tfds"),
                                    f"{_FOLDER}, or an .npz with arrays x (N, H, W, 3) and y "
                                    "(N,)", "image", tuple(cats_vs_dogs.CLASS_NAMES)),
        "mnist": DatasetInfo(mnist.load, mnist.read_file, ("auto", "tfds", "sample"),
                             f"{_FOLDER}, or an .npz with arrays x (N, 28, 28) and y (N,)",
                             "image", tuple(mnist.CLASS_NAMES)),
        "breast_cancer": DatasetInfo(breast_cancer.load, breast_cancer.read_file,
                                     ("auto", "sklearn"),
                                     "a CSV with a header: 30 feature columns and a label "
                                     "column, or an .npz with arrays x (N, 30) and y (N,)",
                                     "tabular",
                                     tuple(breast_cancer.CLASS_NAMES)),
        "imdb_reviews": DatasetInfo(imdb.load, imdb.read_file, ("auto", "tfds"),
                                    "a CSV review,sentiment (plain or .gz), an aclImdb/ folder, "
                                    "or a folder with one sub-folder of .txt files per class",
                                    "text", tuple(imdb.CLASS_NAMES)),
    }


_FOLDER = "a folder with one sub-folder of .png/.jpg/.jpeg/.bmp/.gif images per class"

DATASETS = ("breast_cancer", "cats_vs_dogs", "cifar10", "diabetes", "imdb_reviews", "mnist")


def dataset_kind(name: str) -> str:
    """`"image"`, `"tabular"` or `"text"`."""
    return _info(name).kind


def _info(name):
    try:
        return _registry()[name]
    except KeyError:
        raise DataError(f"unknown dataset {name!r}; known datasets: {', '.join(DATASETS)}") from None


def load_dataset(name: str, source: str = "auto", *, seed: int = 0,
                 label_column: str = "label") -> Dataset:
    """Load the train and test splits of a dataset.

    Args:
        name: one of `DATASETS`.
        source: `"auto"` (real data when it is here or can be downloaded, otherwise an offline
            sample with a warning), a named source of the dataset (`"tfds"`, `"sample"`,
            `"sklearn"`), or a path to a local file or folder.
        seed: seed of any split made here (offline samples and single files are split 80/20).
        label_column: the label's column in a CSV of tabular features.

    Returns:
        A `Dataset`.

    Example:

    ```python
    data = load_dataset("imdb_reviews", source="reviews.csv.gz")
    ```
    """
    info = _info(name)
    if source not in info.sources and not _looks_like_path(source):
        raise DataError(
            f"unknown data source {source!r} for {name}; use one of "
            f"{', '.join(info.sources)}, or a path to a local file ({info.files})"
        )
    if source not in info.sources and not os.path.exists(source):
        raise DataError(f"data file not found: {source} (expected for {name}: {info.files})")
    return info.load(source, seed, **_options(info, label_column))


def read_dataset_file(name: str, path: str, *, label_column: str = "label",
                      class_names=None):
    """Every example of a local file or folder for dataset `name`, as `(x, y)`, e.g. to evaluate
    on.

    The examples of a file are checked before they are returned (`check_arrays`): class ids
    within the dataset's classes (or `class_names`, e.g. those a run was trained on), finite
    regression targets and feature values. The labels of a folder of class folders come from
    its sub-folders and are not checked against the dataset's classes.
    """
    info = _info(name)
    if not os.path.exists(path):
        raise DataError(f"data file not found: {path} (expected for {name}: {info.files})")
    x, y = info.read_file(path, **_options(info, label_column))
    if os.path.isdir(path):
        return x, y
    names = info.class_names if class_names is None else class_names
    return check_arrays(x, y, names, path)


def check_arrays(x, y, class_names, origin):
    """`(x, y)` after the checks every local file goes through before training or evaluation.

    Labels must be class ids `0 .. len(class_names) - 1` (returned as int64); with no class
    names (regression), finite targets. Float features must be finite.
    """
    y = check_labels(y, len(class_names), origin) if class_names else check_targets(y, origin)
    check_finite(x, origin)
    return x, y


def load_file(name: str, path: str, seed: int = 0, *, label_column: str = "label") -> Dataset:
    """A `Dataset` of one local file: every example read and checked (`read_dataset_file`), then
    a seeded 80/20 split, stratified by class. The loaders use it for a file source."""
    info = _info(name)
    x, y = read_dataset_file(name, path, label_column=label_column)
    x_train, y_train, x_test, y_test = seeded_split(x, y, TEST_FRACTION, seed, origin=path)
    return Dataset(name, path, x_train, y_train, x_test, y_test, list(info.class_names))


def _options(info, label_column):
    return {"label_column": label_column} if info.kind == "tabular" else {}


def _looks_like_path(source):
    return os.sep in source or "." in source or os.path.exists(source)


def seeded_split(x, y, test_size, seed, *, origin=None):
    """Seeded split into `(x_a, y_a, x_b, y_b)` with `test_size` (count or fraction) in b.

    Stratified by class when `y` holds class ids; a plain shuffled split for regression targets.
    A split that cannot be made (a class with a single example, too few examples) is a
    DataError naming `origin` (the data, in words), never scikit-learn's ValueError.
    """
    from sklearn.model_selection import train_test_split

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
