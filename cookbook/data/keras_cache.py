"""Where Keras keeps the datasets `keras.datasets.*.load_data()` downloaded.

Keras writes them under `$KERAS_HOME/datasets`, or `~/.keras/datasets` (`/tmp/.keras/datasets`
when the home folder is not writable). The same rule is followed here without importing Keras,
so a command can look for them before a backend starts.
"""

import os


def keras_datasets_dir() -> str:
    """The folder Keras downloads its datasets into."""
    if "KERAS_HOME" in os.environ:
        home = os.environ["KERAS_HOME"]
    else:
        base = os.path.expanduser("~")
        home = os.path.join(base if os.access(base, os.W_OK) else "/tmp", ".keras")
    return os.path.join(os.path.expanduser(home), "datasets")


def cached(*candidates: str):
    """The first of `candidates` (paths relative to `keras_datasets_dir()`) that exists, or
    None.

    Example:

    ```python
    cached("mnist.npz")   # e.g. "/home/me/.keras/datasets/mnist.npz", or None
    ```
    """
    root = keras_datasets_dir()
    for candidate in candidates:
        path = os.path.join(root, candidate)
        if os.path.exists(path):
            return path
    return None


def describe(*candidates: str) -> str:
    """Where `cached` looks, in words, for a message."""
    root = keras_datasets_dir()
    return " or ".join(os.path.join(root, c) for c in candidates)
