"""Real data through tensorflow-datasets, with a fast check that it can be had at all.

With no network, `tfds.load(..., download=True)` hangs for minutes before it fails. Before it is
called, `tfds_status` checks within seconds whether the data is already prepared locally or its
download host can be reached.
"""

import importlib.util
import socket
import threading

import numpy as np

from cookbook.errors import DataUnavailableError

# Where tensorflow-datasets downloads each dataset from.
DOWNLOAD_HOSTS = {
    "mnist": ("storage.googleapis.com", 443),
    "imdb_reviews": ("ai.stanford.edu", 80),
    "cifar10": ("www.cs.toronto.edu", 443),
    "cats_vs_dogs": ("download.microsoft.com", 443),
}
TFDS_NAMES = {"mnist": "mnist", "imdb_reviews": "imdb_reviews/plain_text", "cifar10": "cifar10",
              "cats_vs_dogs": "cats_vs_dogs"}


def _tfds():
    try:
        import tensorflow_datasets as tfds
    except ImportError:
        raise DataUnavailableError(
            "tensorflow-datasets (with TensorFlow) is not installed: pip install "
            "\"cookbook[tensorflow]\", or pass --data with a local file"
        ) from None
    return tfds


def host_reachable(host: str, port: int, timeout: float = 5.0) -> bool:
    """Whether a TCP connection to `host:port` opens within `timeout` seconds (DNS included)."""
    result = []

    def probe():
        try:
            with socket.create_connection((host, port), timeout=timeout):
                result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(result and result[0])


def is_prepared(name: str, data_dir=None) -> bool:
    """Whether tensorflow-datasets has `name` prepared in `data_dir` (default ~/tensorflow_datasets)."""
    return _tfds().builder(TFDS_NAMES[name], data_dir=data_dir).is_prepared()


def tfds_status(name: str, data_dir=None, timeout: float = 5.0):
    """`(usable, reason)`: can `name` be loaded through tensorflow-datasets from here?"""
    if importlib.util.find_spec("tensorflow_datasets") is None:
        return False, ("tensorflow-datasets is not installed (pip install "
                       "\"cookbook[tensorflow]\")")
    if is_prepared(name, data_dir):
        return True, "prepared locally"
    host, port = DOWNLOAD_HOSTS[name]
    if host_reachable(host, port, timeout):
        return True, f"will download from {host}"
    return False, (f"{name} is not prepared in tensorflow-datasets' data directory and its "
                   f"download host {host} cannot be reached (no network?)")


def require_tfds(name: str, instead: str, data_dir=None):
    """Fail fast with a hint at `instead` when `name` cannot come from tensorflow-datasets."""
    usable, reason = tfds_status(name, data_dir)
    if not usable:
        raise DataUnavailableError(f"{reason}; {instead}")


def load_tfds(name: str, data_dir=None):
    """Train and test splits of `name` as NumPy arrays: `(x_train, y_train, x_test, y_test)`."""
    tfds = _tfds()
    splits = tfds.load(TFDS_NAMES[name], split=["train", "test"], as_supervised=True,
                       data_dir=data_dir)
    arrays = []
    for split in splits:
        batches = list(tfds.as_numpy(split.batch(4096)))
        arrays.append(np.concatenate([x for x, _ in batches]))
        arrays.append(np.concatenate([y for _, y in batches]))
    return tuple(arrays)


def load_tfds_images(name: str, image_size, data_dir=None):
    """The train split of an image dataset of varying sizes, resized: `(x uint8, y)`."""
    import tensorflow as tf

    tfds = _tfds()
    split = tfds.load(TFDS_NAMES[name], split="train", as_supervised=True, data_dir=data_dir)
    split = split.map(lambda x, y: (tf.cast(tf.image.resize(x, image_size), tf.uint8), y))
    batches = list(tfds.as_numpy(split.batch(1024)))
    return (np.concatenate([x for x, _ in batches]), np.concatenate([y for _, y in batches]))
