"""Local image data in the layouts the image datasets share: an `.npz` (`x`/`y`, or Keras'
`x_train`/`y_train`/`x_test`/`y_test`), a folder of IDX files, CIFAR-10's pickled batches, or a
folder of class folders.

Data that comes with its own test split (Keras' `.npz`, IDX files, CIFAR batches) keeps it;
anything else is split 80/20 here.
"""

import os

from cookbook.data import cifar_batches, idx, keras_cache
from cookbook.data.class_folders import load_image_folder, read_image_folder
from cookbook.data.npz import read_npz, read_npz_splits
from cookbook.data.splits import Splits, check_arrays, split_file
from cookbook.errors import DataError, DataUnavailableError


def load_local_images(name, path, seed, x_shape, class_names, source=None) -> Splits:
    """`Splits` of local image data at `path` for dataset `name`.

    Args:
        name: dataset name, e.g. `"mnist"`.
        path: the file or folder.
        seed: seed of a split made here.
        x_shape: the images' shape, `(None, 28, 28)` (None: any size).
        class_names: the name of each class id.
        source: where the data came from, in words; `path` when None.
    """
    splits = _own_splits(path, x_shape)
    if splits is None:
        if os.path.isdir(path):
            return load_image_folder(name, path, seed)
        return split_file(name, path, seed, lambda p: read_npz(p, x_shape), class_names)
    x_train, y_train, x_test, y_test = splits
    x_train, y_train = check_arrays(x_train, y_train, class_names, path)
    x_test, y_test = check_arrays(x_test, y_test, class_names, path)
    return Splits(name, source or path, x_train, y_train, x_test, y_test, list(class_names))


def load_keras_cached(name, title, candidates, x_shape, class_names, hint,
                      usable=os.path.exists):
    """`Splits` of dataset `name` (`title` in messages) from the first of `candidates` (paths
    in Keras' dataset cache, `cookbook.data.keras_cache`) that is there and `usable`, with its
    own test split; none there is a one-line DataUnavailableError ending in `hint`."""
    path = keras_cache.cached(*candidates)
    if path is None or not usable(path):
        raise DataUnavailableError(f"Keras has not cached {title} (no "
                                   f"{keras_cache.describe(*candidates)}); {hint}")
    return load_local_images(name, path, 0, x_shape, class_names, source="keras")


def read_local_images(path, x_shape):
    """Every example of `path` as `(x, y)`, to evaluate on; of data with its own test split,
    the test split."""
    splits = _own_splits(path, x_shape)
    if splits is not None:
        return splits[2], splits[3]
    if os.path.isdir(path):
        return read_image_folder(path)[:2]
    return read_npz(path, x_shape)


def _own_splits(path, x_shape):
    """`(x_train, y_train, x_test, y_test)` of data that comes split, else None."""
    if os.path.isfile(path):
        return read_npz_splits(path, x_shape)
    if idx.is_idx_folder(path):
        splits = idx.read_idx_folder(path)
    elif cifar_batches.is_batches_folder(path):
        splits = cifar_batches.read_batches_folder(path)
    else:
        return None
    expected = tuple(len(splits[0]) if s is None else s for s in x_shape)
    if splits[0].shape != expected:
        raise DataError(f"{path}: holds images of shape {splits[0].shape[1:]}, expected "
                        f"{expected[1:]}; pass this dataset's own files")
    return splits
