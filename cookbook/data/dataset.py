"""The `Dataset` container and the dispatch from a dataset name and source to its loader."""

import dataclasses
import os
from typing import Callable

import numpy as np

from cookbook.errors import DataError


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
    """

    load: Callable
    read_file: Callable
    sources: tuple
    files: str
    kind: str


def _registry():
    from cookbook.data import breast_cancer, cats_vs_dogs, cifar10, diabetes, imdb, mnist

    return {
        "diabetes": DatasetInfo(diabetes.load, diabetes.read_file, ("auto", "sklearn"),
                                "a CSV with a header: 10 feature columns and a label column, "
                                "or an .npz with arrays x (N, 10) and y (N,)", "tabular"),
        "cifar10": DatasetInfo(cifar10.load, cifar10.read_file, ("auto", "tfds"),
                               f"{_FOLDER}, or an .npz with arrays x (N, 32, 32, 3) and y (N,)",
                               "image"),
        "cats_vs_dogs": DatasetInfo(cats_vs_dogs.load, cats_vs_dogs.read_file, ("auto", "tfds"),
                                    f"{_FOLDER}, or an .npz with arrays x (N, H, W, 3) and y "
                                    "(N,)", "image"),
        "mnist": DatasetInfo(mnist.load, mnist.read_file, ("auto", "tfds", "sample"),
                             f"{_FOLDER}, or an .npz with arrays x (N, 28, 28) and y (N,)",
                             "image"),
        "breast_cancer": DatasetInfo(breast_cancer.load, breast_cancer.read_file,
                                     ("auto", "sklearn"),
                                     "a CSV with a header: 30 feature columns and a label "
                                     "column, or an .npz with arrays x (N, 30) and y (N,)",
                                     "tabular"),
        "imdb_reviews": DatasetInfo(imdb.load, imdb.read_file, ("auto", "tfds"),
                                    "a CSV review,sentiment (plain or .gz), an aclImdb/ folder, "
                                    "or a folder with one sub-folder of .txt files per class",
                                    "text"),
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


def read_dataset_file(name: str, path: str, *, label_column: str = "label"):
    """Every example of a local file or folder for dataset `name`, as `(x, y)`, e.g. to evaluate
    on."""
    info = _info(name)
    if not os.path.exists(path):
        raise DataError(f"data file not found: {path} (expected for {name}: {info.files})")
    return info.read_file(path, **_options(info, label_column))


def _options(info, label_column):
    return {"label_column": label_column} if info.kind == "tabular" else {}


def _looks_like_path(source):
    return os.sep in source or "." in source or os.path.exists(source)


def seeded_split(x, y, test_size, seed):
    """Seeded split into `(x_a, y_a, x_b, y_b)` with `test_size` (count or fraction) in b.

    Stratified by class when `y` holds class ids; a plain shuffled split for regression targets.
    """
    from sklearn.model_selection import train_test_split

    stratify = y if np.asarray(y).dtype.kind in "biu" else None
    x_a, x_b, y_a, y_b = train_test_split(x, y, test_size=test_size, stratify=stratify,
                                          random_state=seed)
    return x_a, y_a, x_b, y_b
