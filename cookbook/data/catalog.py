"""The datasets the recipes train on, by name: which module loads each, from which sources."""

import dataclasses
import os
from typing import Callable

from cookbook.data import (breast_cancer, cats_vs_dogs, cifar10, diabetes, fashion_mnist, imdb,
                           mnist)
from cookbook.data.splits import Splits, read_checked
from cookbook.errors import DataError


@dataclasses.dataclass(frozen=True)
class DatasetLoader:
    """How to load one dataset.

    Args:
        load: `load(source, seed) -> Splits` for `source` one of `sources` or a local path.
        read_file: `read_file(path) -> (x, y)`: every example of a local file, for evaluation.
        sources: the named sources besides local paths, `"auto"` first.
        files: the local files it reads, in words.
        kind: `"image"`, `"tabular"` or `"text"` (text is tokenized before training).
        class_names: the name of each class id of its files' labels; empty for regression.
        auto: what the `"auto"` source reads, in words.
        check_file: `check_file(path)`, a quick check of a local file's layout that reads
            little (e.g. a CSV's header), run before anything else starts; None: none.
        variants: other datasets of the same shape its recipes also train on, chosen as a
            source: `"fashion_mnist"` (that dataset's `"auto"`) or `"fashion_mnist:PATH"`.
    """

    load: Callable
    read_file: Callable
    sources: tuple
    files: str
    kind: str
    class_names: tuple
    auto: str = ""
    check_file: Callable | None = None
    variants: tuple = ()


_FOLDER = "a folder with one sub-folder of .png/.jpg/.jpeg/.bmp/.gif images per class"


def _npz(x_shape):
    return (f"an .npz with arrays x {x_shape} and y (N,) (or Keras' x_train, y_train, x_test, "
            "y_test)")


_MNIST_FILES = (f"{_FOLDER}, a folder of the four IDX files (train-images-idx3-ubyte.gz ...), "
                f"or {_npz('(N, 28, 28)')}")

LOADERS = {
    "diabetes": DatasetLoader(diabetes.load, diabetes.read_file, ("auto", "sklearn"),
                              "a CSV with a header: 10 feature columns and a label column, "
                              "or an .npz with arrays x (N, 10) and y (N,)", "tabular", (),
                              auto="scikit-learn's copy: no download"),
    "cifar10": DatasetLoader(cifar10.load, cifar10.read_file, ("auto", "tfds", "keras"),
                             f"{_FOLDER}, CIFAR-10's python batches (cifar-10-batches-py/), "
                             f"or {_npz('(N, 32, 32, 3)')}", "image",
                             tuple(cifar10.CLASS_NAMES),
                             auto='tfds "cifar10", else Keras\' cached batches; offline, pass '
                                  'a local .npz or folder'),
    "cats_vs_dogs": DatasetLoader(cats_vs_dogs.load, cats_vs_dogs.read_file, ("auto", "tfds"),
                                  f"{_FOLDER}, or an .npz with arrays x (N, H, W, 3) and y "
                                  "(N,)", "image", tuple(cats_vs_dogs.CLASS_NAMES),
                                  auto='tfds "cats_vs_dogs" (train split, divided 80/20 here)'),
    "mnist": DatasetLoader(mnist.load, mnist.read_file, ("auto", "tfds", "keras", "sample"),
                           _MNIST_FILES, "image", tuple(mnist.CLASS_NAMES),
                           auto='tfds "mnist" or Keras\' mnist.npz, else the 5,000-digit '
                                'offline sample', variants=("fashion_mnist",)),
    "fashion_mnist": DatasetLoader(fashion_mnist.load, fashion_mnist.read_file,
                                   ("auto", "tfds", "keras", "debian"), _MNIST_FILES, "image",
                                   tuple(fashion_mnist.CLASS_NAMES),
                                   auto='tfds "fashion_mnist", Keras\' cache or Debian\'s '
                                        'dataset-fashion-mnist'),
    "breast_cancer": DatasetLoader(breast_cancer.load, breast_cancer.read_file,
                                   ("auto", "sklearn"),
                                   "a CSV with a header: 30 feature columns and a label "
                                   "column, or an .npz with arrays x (N, 30) and y (N,)",
                                   "tabular", tuple(breast_cancer.CLASS_NAMES),
                                   auto="scikit-learn's copy: no download"),
    "imdb_reviews": DatasetLoader(imdb.load, imdb.read_file, ("auto", "tfds"),
                                  "a CSV review,sentiment (plain or .gz), an aclImdb/ folder, "
                                  "or a folder with one sub-folder of .txt files per class",
                                  "text", tuple(imdb.CLASS_NAMES),
                                  auto='tfds "imdb_reviews"; offline, pass a CSV or aclImdb/ '
                                       'folder', check_file=imdb.check_file),
}

DATASETS = tuple(sorted(LOADERS))


def dataset_loader(name: str) -> DatasetLoader:
    """How dataset `name` loads; an unknown name fails with the known ones."""
    return _loader(name)


def dataset_kind(name: str) -> str:
    """`"image"`, `"tabular"` or `"text"`.

    Args:
        name: one of `DATASETS`.
    """
    return _loader(name).kind


def load_dataset(name: str, source: str = "auto", *, seed: int = 0,
                 label_column: str = "label") -> Splits:
    """Load the train and test splits of a dataset.

    Args:
        name: one of `DATASETS`.
        source: `"auto"` (real data when it is here or can be downloaded, otherwise an offline
            sample with a warning), a named source of the dataset (`"tfds"`, `"sample"`,
            `"sklearn"`), or a path to a local file or folder.
        seed: seed of any split made here (offline samples and single files are split 80/20).
        label_column: the label's column in a CSV of tabular features.

    Returns:
        The dataset's `Splits`.

    Example:

    ```python
    data = load_dataset("imdb_reviews", source="reviews.csv.gz")
    ```
    """
    dataset, source = _variant(name, source)
    loader = check_source(dataset, source)
    data = loader.load(source, seed, **_options(loader, label_column))
    if dataset != name:
        # Recorded so that the run's `data.source` loads the same data again.
        data.source = f"{dataset}:{data.source}"
    return data


def check_source(name, source):
    """Fail with one line unless `source` is a named source of dataset `name` or a local path
    that exists (and, for a review CSV, has the right header); reads no more than that and
    imports no framework, so a command can check it before its backend starts. Returns the
    dataset's `DatasetLoader` (of the variant `source` names, e.g. `"fashion_mnist:PATH"`)."""
    name, source = _variant(name, source)
    loader = _loader(name)
    if source in loader.sources:
        return loader
    if not _looks_like_path(source):
        named = loader.sources + loader.variants
        raise DataError(
            f"unknown data source {source!r} for {name}; use one of "
            f"{', '.join(named)}, or a path to a local file ({loader.files})"
        )
    if not os.path.exists(source):
        raise DataError(f"data file not found: {source} (expected for {name}: {loader.files})")
    if loader.check_file is not None:
        loader.check_file(source)
    return loader


def read_dataset_file(name: str, path: str, *, label_column: str = "label",
                      class_names=None):
    """Every example of a local file or folder for dataset `name`, as `(x, y)`, e.g. to evaluate
    on.

    The examples of a file are checked before they are returned (`check_arrays`): class ids
    within the dataset's classes (or `class_names`, e.g. those a run was trained on), finite
    regression targets and feature values. The labels of a folder of class folders come from
    its sub-folders and are not checked against the dataset's classes.

    Args:
        name: one of `DATASETS`.
        path: the local file or folder.
        label_column: the label's column in a CSV of tabular features.
        class_names: the class names the labels may take; the dataset's own when None.
    """
    loader = _loader(name)
    if not os.path.exists(path):
        raise DataError(f"data file not found: {path} (expected for {name}: {loader.files})")
    names = loader.class_names if class_names is None else class_names
    return read_checked(loader.read_file, path, names, **_options(loader, label_column))


def _loader(name):
    try:
        return LOADERS[name]
    except KeyError:
        raise DataError(f"unknown dataset {name!r}; known datasets: "
                        f"{', '.join(DATASETS)}") from None


def _variant(name, source):
    """`(dataset, source)` that `source` selects: a variant of dataset `name` as itself
    (`"fashion_mnist"`: its `"auto"`; `"fashion_mnist:PATH"`: the local PATH), else unchanged."""
    head, _, rest = source.partition(":")
    if head in _loader(name).variants:
        return head, rest or "auto"
    return name, source


def _options(loader, label_column):
    return {"label_column": label_column} if loader.kind == "tabular" else {}


def _looks_like_path(source):
    return os.sep in source or "." in source or os.path.exists(source)
