import gzip
import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

POSITIVE = ["a wonderful film, I loved every minute", "great acting and a moving story",
            "brilliant, funny and warm", "the best movie this year, superb"]
NEGATIVE = ["a dull film, I hated every minute", "terrible acting and a boring story",
            "awful, slow and cold", "the worst movie this year, dreadful"]


@pytest.fixture
def mnist_npz(tmp_path):
    """100 random 'digits' (10 per class) as a local .npz file."""
    rng = np.random.default_rng(0)
    path = tmp_path / "digits.npz"
    np.savez(path, x=rng.integers(0, 256, (100, 28, 28), dtype=np.uint8),
             y=np.repeat(np.arange(10), 10))
    return str(path)


def write_reviews_csv(path, n=40, gz=False):
    rows = ["review,sentiment"]
    for i in range(n):
        text = (POSITIVE if i % 2 else NEGATIVE)[i % 4]
        rows.append(f'"{text} ({i})",{"positive" if i % 2 else "negative"}')
    return write_text(path, "\n".join(rows) + "\n", gz)


def write_text(path, text, gz=False):
    """Write `text` to `path` as UTF-8, gzip-compressed with `gz`; returns the path."""
    if gz:
        with gzip.open(path, "wt", encoding="utf-8") as f:
            f.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
def reviews_csv(tmp_path):
    return write_reviews_csv(tmp_path / "reviews.csv.gz", gz=True)


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No tensorflow-datasets data prepared here, nothing in Keras' dataset cache, no network."""
    from cookbook.data import tfds_source

    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    monkeypatch.setattr(tfds_source, "is_prepared", lambda name, data_dir=None: False)
    monkeypatch.setattr(tfds_source, "host_reachable", lambda host, port, timeout=5.0: False)


# Small models so that the end-to-end tests take seconds.
SMALL = {
    "imdb_lstm": {"model.vocab_size": 50, "model.sequence_length": 12,
                  "model.embedding_dim": 8, "model.lstm_units": 4,
                  "model.conv_filters": 4, "model.pool_size": 2},
    "imdb_transformer": {"model.vocab_size": 50, "model.sequence_length": 40, "model.width": 8,
                         "model.feedforward_dim": 8},
    "mnist_cnn": {"model.filters": [4], "model.dense_units": 8},
    "mnist_dense": {"model.hidden_units": [16]},
    "bow_mlp": {"model.vocab_size": 50, "model.hidden_units": 4},
    "cifar10_cnn": {"model.widths": [4, 8], "model.blocks_per_stage": 1},
    "cats_vs_dogs_cnn": {"model.image_size": 32, "model.filters": [4], "model.dense_units": 4},
    "linear_regression": {"fit.epochs": 2},
}
