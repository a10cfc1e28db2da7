"""Fashion-MNIST: 70,000 28x28 greyscale photos of clothing in 10 classes, shaped like MNIST.

Read from tensorflow-datasets, Keras' cache (`keras.datasets.fashion_mnist`), Debian's
`dataset-fashion-mnist` package, or local files, always with its own 60,000 / 10,000 split.
"""

from cookbook.data import keras_cache, tfds_source
from cookbook.data.idx import is_idx_folder
from cookbook.data.local_images import (load_keras_cached, load_local_images,
                                         read_local_images)
from cookbook.data.splits import Splits
from cookbook.errors import DataUnavailableError

CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]
SHAPE = (None, 28, 28)
KERAS_FOLDER = "fashion-mnist"
DEBIAN_FOLDER = "/usr/share/datasets/fashion-mnist"
HINT = ("pass --data fashion_mnist:PATH with a folder of its four IDX files (train-images-idx3-"
        "ubyte.gz ...) or an .npz, or install Debian's dataset-fashion-mnist package")


def load(source, seed):
    if source == "auto":
        source = _auto()
        if source == "tfds":  # already found usable
            return from_tfds()
    if source == "tfds":
        tfds_source.require_tfds("fashion_mnist", HINT)
        return from_tfds()
    if source == "keras":
        return load_keras_cached("fashion_mnist", "Fashion-MNIST", (KERAS_FOLDER,), SHAPE,
                                 CLASS_NAMES, HINT, usable=is_idx_folder)
    if source == "debian":
        return load_local_images("fashion_mnist", DEBIAN_FOLDER, seed, SHAPE, CLASS_NAMES,
                                 source="debian")
    return load_local_images("fashion_mnist", source, seed, SHAPE, CLASS_NAMES)


def _auto():
    """The first of: tensorflow-datasets' prepared copy, Keras' cache, Debian's package, a
    tensorflow-datasets download; with none, one line saying where it looked."""
    if tfds_source.tfds_prepared("fashion_mnist"):
        return "tfds"
    folder = keras_cache.cached(KERAS_FOLDER)
    if folder is not None and is_idx_folder(folder):
        return "keras"
    if is_idx_folder(DEBIAN_FOLDER):
        return "debian"
    usable, reason = tfds_source.download_status("fashion_mnist")
    if usable:
        return "tfds"
    raise DataUnavailableError(f"{reason}; Keras has no {keras_cache.describe(KERAS_FOLDER)} and "
                               f"{DEBIAN_FOLDER} does not exist; {HINT}")


def from_tfds(data_dir=None):
    x_train, y_train, x_test, y_test = tfds_source.load_tfds("fashion_mnist", data_dir)
    return Splits("fashion_mnist", "tfds", x_train[..., 0], y_train, x_test[..., 0], y_test,
                  CLASS_NAMES)


def read_file(path):
    return read_local_images(path, SHAPE)
