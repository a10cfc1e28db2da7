"""Local `.npz` files: arrays `x` and `y`, or Keras' layout `x_train`, `y_train`, `x_test`,
`y_test` (as `keras.datasets.mnist` caches `mnist.npz`)."""

import zipfile
import zlib

import numpy as np

from cookbook.errors import DataError

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a zip archive, or an empty one
KERAS_ARRAYS = ("x_train", "y_train", "x_test", "y_test")


def read_npz(path, x_shape):
    """Read arrays `x` and `y` from `path`, checking `x` against `x_shape` (None: any size).

    A file in Keras' layout (`x_train`, `y_train`, `x_test`, `y_test`) gives its test split:
    the examples a model trained on its train split has not seen.

    Only numeric arrays are read (never pickled objects): a file that is not an `np.savez`
    archive, lacks `x` or `y`, or holds object arrays is a DataError saying how to save it.
    """
    splits = read_npz_splits(path, x_shape)
    return (splits[2], splits[3]) if splits is not None else _read(path, x_shape, ("x", "y"))


def read_npz_splits(path, x_shape):
    """`(x_train, y_train, x_test, y_test)` of an `.npz` in Keras' layout, or None when the file
    holds arrays `x` and `y` instead. `y` arrays of shape (N, 1), as Keras' CIFAR-10 has, are
    flattened."""
    if not set(KERAS_ARRAYS) <= set(_names(path, x_shape)):
        return None
    x_train, y_train, x_test, y_test = _read(path, x_shape, KERAS_ARRAYS)
    return x_train, y_train, x_test, y_test


def _names(path, x_shape):
    _check_is_zip(path, _expected(x_shape))
    with _open(path, x_shape) as f:
        return f.files


def _read(path, x_shape, names):
    """Arrays `names` (x, y pairs) of `path`, each pair's shapes checked."""
    expected = _expected(x_shape)
    _check_is_zip(path, expected)
    with _open(path, x_shape) as f:
        missing = set(names) - set(f.files)
        if missing:
            raise DataError(f"{path}: missing array(s) {sorted(missing)}; "
                            f"expected {expected}, got {f.files}")
        arrays = [_array(path, f, name) for name in names]
    for i in range(0, len(arrays), 2):
        (x_name, x), (y_name, y) = zip(names[i:i + 2], arrays[i:i + 2])
        if x.ndim != len(x_shape) or any(a is not None and a != b
                                         for a, b in zip(x_shape, x.shape)):
            raise DataError(f"{path}: {x_name} has shape {x.shape}, expected {_fmt(x_shape)}")
        if y.shape == (len(x), 1):
            arrays[i + 1] = y = y[:, 0]
        if y.shape != (len(x),):
            raise DataError(f"{path}: {y_name} has shape {y.shape}, expected ({len(x)},)")
    return arrays


class _open:
    """`np.load` of an archive (numbers only), a damaged one failing with one line."""

    def __init__(self, path, x_shape):
        self.path, self.x_shape = path, x_shape

    def __enter__(self):
        try:
            self.file = np.load(self.path, allow_pickle=False)
        except _DAMAGED as e:
            raise self._corrupt(e) from None
        return self.file

    def __exit__(self, kind, error, traceback):
        self.file.close()
        if isinstance(error, _DAMAGED):
            raise self._corrupt(error) from None

    def _corrupt(self, e):
        return DataError(f"{self.path}: the .npz archive is corrupt ({e}); re-download it, or "
                         "save it again with np.savez(path, x=..., y=...) holding "
                         f"{_expected(self.x_shape)}")


_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, OSError)


def _expected(x_shape):
    return f"arrays x {_fmt(x_shape)} and y (N,) (or Keras' x_train, y_train, x_test, y_test)"


def _check_is_zip(path, expected):
    """A DataError unless `path` starts like a zip archive, as `np.savez` writes."""
    try:
        with open(path, "rb") as f:
            start = f.read(4)
    except OSError as e:
        raise DataError(f"{path}: cannot read the file ({e.strerror or e}); check the path and "
                        "its permissions") from None
    if start not in _ZIP_MAGIC:
        what = "a single .npy array, " if start == b"\x93NUM" else ""
        raise DataError(f"{path}: {what}not an .npz archive (as np.savez writes); save the data "
                        f"with np.savez(path, x=..., y=...) holding {expected}")


def _array(path, npz, name):
    """Array `name` of an open .npz, as numbers: object arrays and damaged ones fail plainly."""
    try:
        array = npz[name]
    except ValueError as e:
        if "allow_pickle" in str(e) or "bject" in str(e):
            raise DataError(f"{path}: array {name} holds Python objects (dtype=object), which "
                            f"are not supported; save {name} as numbers (an int or float "
                            "dtype)") from None
        array = None
    if not isinstance(array, np.ndarray):
        raise DataError(f"{path}: array {name} is damaged or not a NumPy array; save it again "
                        "with np.savez")
    if array.dtype.kind not in "biuf":
        raise DataError(f"{path}: array {name} holds {array.dtype} values, not numbers; save "
                        f"{name} as numbers (an int or float dtype)")
    return array


def _fmt(shape):
    return "(" + ", ".join("N" if s is None else str(s) for s in shape) + ")"
