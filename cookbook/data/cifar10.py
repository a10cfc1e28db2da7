"""CIFAR-10: 32x32 colour images of 10 classes, through tensorflow-datasets or Keras' cache."""

from cookbook.data import keras_cache, tfds_source
from cookbook.data.local_images import (load_keras_cached, load_local_images,
                                         read_local_images)
from cookbook.data.splits import Splits
from cookbook.errors import DataUnavailableError

CLASS_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
               "truck"]
SHAPE = (None, 32, 32, 3)
# Where `keras.datasets.cifar10.load_data()` leaves the batches: Keras 3, then older versions.
KERAS_FOLDERS = ("cifar-10-batches-py-target/cifar-10-batches-py", "cifar-10-batches-py")
HINT = "pass --data with a local .npz holding x (N, 32, 32, 3) pixel values and y (N,) labels"


def load(source, seed):
    if source == "auto":
        # No offline sample of CIFAR-10 ships with any dependency: fail fast.
        if tfds_source.tfds_prepared("cifar10"):
            return from_tfds()
        if keras_cache.cached(*KERAS_FOLDERS):
            source = "keras"
        else:
            usable, reason = tfds_source.download_status("cifar10")
            if not usable:
                raise DataUnavailableError(f"{reason}; Keras has no "
                                           f"{keras_cache.describe(*KERAS_FOLDERS)}; {HINT}")
            return from_tfds()
    if source == "tfds":
        tfds_source.require_tfds("cifar10", HINT)
        return from_tfds()
    if source == "keras":
        return load_keras_cached("cifar10", "CIFAR-10", KERAS_FOLDERS, SHAPE, CLASS_NAMES, HINT)
    return load_local_images("cifar10", source, seed, SHAPE, CLASS_NAMES)


def from_tfds(data_dir=None):
    x_train, y_train, x_test, y_test = tfds_source.load_tfds("cifar10", data_dir)
    return Splits("cifar10", "tfds", x_train, y_train, x_test, y_test, CLASS_NAMES)


def read_file(path):
    return read_local_images(path, SHAPE)
