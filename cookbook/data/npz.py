"""Local `.npz` files holding arrays `x` and `y`."""

import zipfile
import zlib

import numpy as np

from cookbook.errors import DataError

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a zip archive, or an empty one


def read_npz(path, x_shape):
    """Read arrays `x` and `y` from `path`, checking `x` against `x_shape` (None: any size).

    Only numeric arrays are read (never pickled objects): a file that is not an `np.savez`
    archive, lacks `x` or `y`, or holds object arrays is a DataError saying how to save it.
    """
    expected = f"arrays x {_fmt(x_shape)} and y (N,)"
    _check_is_zip(path, expected)
    try:
        with np.load(path, allow_pickle=False) as f:
            missing = {"x", "y"} - set(f.files)
            if missing:
                raise DataError(f"{path}: missing array(s) {sorted(missing)}; "
                                f"expected {expected}, got {f.files}")
            x, y = _array(path, f, "x"), _array(path, f, "y")
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as e:
        raise DataError(f"{path}: the .npz archive is corrupt ({e}); re-download it, or save it "
                        f"again with np.savez(path, x=..., y=...) holding {expected}") from None
    if x.ndim != len(x_shape) or any(a is not None and a != b for a, b in zip(x_shape, x.shape)):
        raise DataError(f"{path}: x has shape {x.shape}, expected {_fmt(x_shape)}")
    if y.shape != (len(x),):
        raise DataError(f"{path}: y has shape {y.shape}, expected ({len(x)},)")
    return x, y


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
