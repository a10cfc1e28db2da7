"""Real data through tensorflow-datasets, with a fast check that it can be had at all.

With no network, `tfds.load(..., download=True)` hangs for minutes before it fails. Before it is
called, `tfds_status` checks within seconds whether the data is already prepared locally or its
download host can be reached.
"""

import importlib.util
import io
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
    "fashion_mnist": ("fashion-mnist.s3-website.eu-central-1.amazonaws.com", 80),
}
TFDS_NAMES = {"mnist": "mnist", "imdb_reviews": "imdb_reviews/plain_text", "cifar10": "cifar10",
              "cats_vs_dogs": "cats_vs_dogs", "fashion_mnist": "fashion_mnist"}


def _tfds():
    from cookbook.console import hidden_framework_logs

    try:
        # tensorflow-datasets imports TensorFlow when it first reads; on the JAX and PyTorch
        # backends that is here, and its start-up lines are hidden (`cookbook.console`).
        with hidden_framework_logs():
            import tensorflow  # noqa: F401
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
    from cookbook.console import hidden_framework_logs

    tfds = _tfds()
    # absl warns about every half-written folder it finds; the answer here says what matters.
    with hidden_framework_logs():
        return tfds.builder(TFDS_NAMES[name], data_dir=data_dir).is_prepared()


def tfds_prepared(name: str, data_dir=None) -> bool:
    """Whether tensorflow-datasets is installed and has `name` prepared; never downloads."""
    return importlib.util.find_spec("tensorflow_datasets") is not None and is_prepared(
        name, data_dir)


def tfds_status(name: str, data_dir=None, timeout: float = 5.0):
    """`(usable, reason)`: can `name` be loaded through tensorflow-datasets from here?"""
    if importlib.util.find_spec("tensorflow_datasets") is None:
        return False, _NOT_INSTALLED
    if is_prepared(name, data_dir):
        return True, "prepared locally"
    return download_status(name, timeout)


def download_status(name: str, timeout: float = 5.0):
    """`(usable, reason)` of a tensorflow-datasets download of `name`, for data known not to
    be prepared: is tensorflow-datasets installed, and does the download host answer?"""
    if importlib.util.find_spec("tensorflow_datasets") is None:
        return False, _NOT_INSTALLED
    host, port = DOWNLOAD_HOSTS[name]
    if host_reachable(host, port, timeout):
        return True, f"will download from {host}"
    return False, (f"{name} is not prepared in tensorflow-datasets' data directory and its "
                   f"download host {host} cannot be reached (no network?)")


_NOT_INSTALLED = "tensorflow-datasets is not installed (pip install \"cookbook[tensorflow]\")"


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


def load_tfds_images(name: str, data_dir=None):
    """The train split of an image dataset, read a batch at a time: `(ImageFiles, labels)`.

    tensorflow-datasets' random-access `data_source` (ArrayRecord files) keeps the images
    encoded; they are decoded like image files when a batch is read, so the split is never held
    whole in memory. Only the labels are read up front.
    """
    from cookbook.data.image_files import ImageFiles

    tfds = _tfds()
    try:
        source = tfds.data_source(TFDS_NAMES[name], split="train", data_dir=data_dir,
                                  decoders={"image": tfds.decode.SkipDecoding()},
                                  builder_kwargs={"file_format": "array_record"})
    except (NotImplementedError, ValueError) as e:
        # e.g. a copy prepared earlier in the TFRecord format, which has no random access
        raise DataUnavailableError(
            f"{name} in tensorflow-datasets cannot be read a batch at a time "
            f"({str(e).splitlines()[0]}); delete its folder in the tensorflow-datasets data "
            "directory so it is prepared again as ArrayRecord, or pass --data with a folder "
            "of class folders") from None
    labels = np.fromiter((int(source[i]["label"]) for i in range(len(source))), np.int64,
                         len(source))
    return ImageFiles(np.arange(len(source)), open_item=_EncodedImage(name, source)), labels


class _EncodedImage:
    """Example `i` of a data source as an open file of its encoded image."""

    def __init__(self, name, source):
        self.name, self.source = name, source

    def __call__(self, i):
        return _NamedBytes(self.source[int(i)]["image"], f"{self.name} (tfds) example {i}")


class _NamedBytes(io.BytesIO):
    def __init__(self, data, name):
        super().__init__(data)
        self.name = name

    def __str__(self):
        return self.name
