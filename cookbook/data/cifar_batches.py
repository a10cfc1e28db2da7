"""CIFAR-10's "python version": the pickled batches Keras caches as `cifar-10-batches-py/`.

Each batch is a Python pickle, read as data only (`cookbook.data.safe_pickle`: a file that asks
to run anything is refused, not run), and its content is checked before use.
"""

import os
import pickle

import numpy as np

from cookbook.data.safe_pickle import load_data_pickle
from cookbook.errors import DataError

TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_FILE = "test_batch"


def is_batches_folder(path) -> bool:
    """Whether folder `path` holds CIFAR-10's five training batches and its test batch."""
    return os.path.isdir(path) and all(
        os.path.isfile(os.path.join(path, name)) for name in TRAIN_FILES + (TEST_FILE,))


def read_batches_folder(path):
    """`(x_train, y_train, x_test, y_test)`: uint8 images (N, 32, 32, 3), int64 labels, the
    dataset's own 50,000 / 10,000 split."""
    train = [read_batch(os.path.join(path, name)) for name in TRAIN_FILES]
    x_test, y_test = read_batch(os.path.join(path, TEST_FILE))
    return (np.concatenate([x for x, _ in train]), np.concatenate([y for _, y in train]),
            x_test, y_test)


def read_batch(path):
    """One batch file as `(images (N, 32, 32, 3) uint8, labels (N,) int64)`."""
    try:
        with open(path, "rb") as f:
            batch = load_data_pickle(f)
    except pickle.UnpicklingError as e:
        raise DataError(f"{path}: refused: {e}; use the batches as downloaded from "
                        "https://www.cs.toronto.edu/~kriz/cifar.html") from None
    except (OSError, EOFError, ValueError, TypeError) as e:
        raise DataError(f"{path}: not a readable CIFAR-10 batch ({e}); re-download it") from None
    data = batch.get(b"data") if isinstance(batch, dict) else None
    labels = batch.get(b"labels") if isinstance(batch, dict) else None
    if (not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2
            or data.shape[1] != 3 * 32 * 32 or not isinstance(labels, list)
            or len(labels) != len(data) or not all(isinstance(v, int) for v in labels)):
        raise DataError(f"{path}: not a CIFAR-10 batch (a dict of b'data', uint8 (N, 3072), "
                        "and b'labels', N ints); re-download it")
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), np.asarray(labels, np.int64)

