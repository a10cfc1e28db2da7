"""The original MNIST file format (IDX): the four `*-ubyte` files of MNIST and Fashion-MNIST.

They are what Keras caches for Fashion-MNIST, what Debian's `dataset-fashion-mnist` installs and
what the datasets' own sites serve, plain or gzipped.
"""

import gzip
import os

import numpy as np

from cookbook.data.checks import GZIP_ERRORS, gzip_error
from cookbook.errors import DataError

FILES = {"x_train": "train-images-idx3-ubyte", "y_train": "train-labels-idx1-ubyte",
         "x_test": "t10k-images-idx3-ubyte", "y_test": "t10k-labels-idx1-ubyte"}
_UBYTE = 0x08  # the element type of every file read here: unsigned bytes


def is_idx_folder(path) -> bool:
    """Whether folder `path` holds the four IDX files (plain or `.gz`)."""
    return os.path.isdir(path) and all(_find(path, name) for name in FILES.values())


def read_idx_folder(path):
    """`(x_train, y_train, x_test, y_test)` from the four IDX files of folder `path`: uint8
    images (N, rows, cols) and int64 labels, the dataset's own train and test splits."""
    arrays = {}
    for key, name in FILES.items():
        file = _find(path, name)
        if file is None:
            raise DataError(f"{path}: no {name} or {name}.gz; an IDX folder holds "
                            f"{', '.join(FILES.values())} (plain or .gz)")
        arrays[key] = read_idx(file, ndim=3 if key.startswith("x") else 1)
    for part in ("train", "test"):
        x, y = arrays[f"x_{part}"], arrays[f"y_{part}"]
        if len(x) != len(y):
            raise DataError(f"{path}: {len(x)} {part} images but {len(y)} {part} labels")
    return (arrays["x_train"], arrays["y_train"].astype(np.int64), arrays["x_test"],
            arrays["y_test"].astype(np.int64))


def read_idx(path, ndim):
    """The unsigned-byte array of one IDX file with `ndim` dimensions (plain or gzipped)."""
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except GZIP_ERRORS as e:
        raise gzip_error(path, e, "an IDX file") from None
    except OSError as e:
        raise DataError(f"{path}: cannot read as an IDX file ({e})") from None
    header = 4 + 4 * ndim
    if len(data) < header or data[:2] != b"\0\0" or data[2] != _UBYTE or data[3] != ndim:
        raise DataError(f"{path}: not an IDX file of unsigned bytes with {ndim} dimension(s), "
                        "as MNIST's train/t10k -images-idx3 / -labels-idx1 files are")
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    if len(data) - header != int(np.prod(shape)):
        raise DataError(f"{path}: the header says {shape} but the file holds "
                        f"{len(data) - header} values; re-download it")
    return np.frombuffer(data, np.uint8, offset=header).reshape(shape)


def _find(folder, name):
    for candidate in (name, name + ".gz"):
        path = os.path.join(folder, candidate)
        if os.path.isfile(path):
            return path
    return None
