"""Keras' own dataset files and the IDX / CIFAR-batch layouts: found in Keras' cache, read with
their own test splits, refused with one line when damaged or unsafe."""

import gzip
import os
import pickle

import numpy as np
import pytest

from cookbook.data import load_dataset, read_dataset_file
from cookbook.data.catalog import check_source
from cookbook.errors import DataError, DataUnavailableError

FASHION = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
           "Bag", "Ankle boot"]


def keras_npz(path, n_train=50, n_test=20, shape=(28, 28), label_shape=()):
    rng = np.random.default_rng(0)
    np.savez(path, x_train=rng.integers(0, 256, (n_train, *shape), dtype=np.uint8),
             y_train=(np.arange(n_train) % 10).astype(np.uint8).reshape(-1, *label_shape),
             x_test=rng.integers(0, 256, (n_test, *shape), dtype=np.uint8),
             y_test=(np.arange(n_test) % 10).astype(np.uint8).reshape(-1, *label_shape))
    return str(path)


def idx_file(path, array, gz=True):
    header = bytes([0, 0, 8, array.ndim]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
    with (gzip.open if gz else open)(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def idx_folder(folder, n_train=30, n_test=10, gz=True):
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(1)
    ext = ".gz" if gz else ""
    for part, n in (("train", n_train), ("t10k", n_test)):
        idx_file(os.path.join(folder, f"{part}-images-idx3-ubyte{ext}"),
                 rng.integers(0, 256, (n, 28, 28)), gz)
        idx_file(os.path.join(folder, f"{part}-labels-idx1-ubyte{ext}"), np.arange(n) % 10, gz)
    return str(folder)


def cifar_folder(folder, n=4):
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(2)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {b"batch_label": name.encode(), b"labels": [i % 10 for i in range(n)],
                 b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
                 b"filenames": [b"x.png"] * n}
        with open(os.path.join(folder, name), "wb") as f:
            pickle.dump(batch, f)
    return str(folder)


def test_a_keras_npz_keeps_its_own_test_split(tmp_path):
    path = keras_npz(tmp_path / "mnist.npz")
    data = load_dataset("mnist", path)
    assert data.sizes() == {"train": 50, "test": 20}
    with np.load(path) as f:
        np.testing.assert_array_equal(data.x_test, f["x_test"])
        assert data.y_train.dtype == np.int64
    x, y = read_dataset_file("mnist", path)  # to evaluate on: the examples not trained on
    assert len(x) == len(y) == 20


def test_auto_finds_keras_cached_mnist_before_the_sample(tmp_path, offline, monkeypatch):
    home = tmp_path / "keras-home"
    os.makedirs(home / "datasets")
    keras_npz(home / "datasets" / "mnist.npz")
    data = load_dataset("mnist", "auto")
    assert (data.source, data.sizes()) == ("keras", {"train": 50, "test": 20})


def test_auto_without_any_copy_says_where_it_looked(offline):
    with pytest.warns(UserWarning, match=r"Keras has no .*keras-home.datasets.mnist\.npz"):
        assert load_dataset("mnist", "auto").source == "sample"
    with pytest.raises(DataUnavailableError, match="Keras has not cached MNIST"):
        load_dataset("mnist", "keras")


@pytest.mark.parametrize("gz", [True, False])
def test_fashion_mnist_from_keras_cache_or_a_local_idx_folder(tmp_path, offline, monkeypatch,
                                                              gz):
    from cookbook.data import fashion_mnist

    monkeypatch.setattr(fashion_mnist, "DEBIAN_FOLDER", str(tmp_path / "not-installed"))
    with pytest.raises(DataUnavailableError, match=r"Keras has no .*fashion-mnist.*not-installed"):
        load_dataset("mnist", "fashion_mnist")
    idx_folder(tmp_path / "keras-home" / "datasets" / "fashion-mnist", gz=gz)
    data = load_dataset("mnist", "fashion_mnist")
    assert (data.name, data.source, data.class_names) == ("fashion_mnist",
                                                          "fashion_mnist:keras", FASHION)
    assert load_dataset("mnist", data.source).name == "fashion_mnist"  # as a run records it
    assert data.sizes() == {"train": 30, "test": 10} and data.x_train.shape[1:] == (28, 28)
    local = idx_folder(tmp_path / "elsewhere", n_train=20, gz=gz)
    assert check_source("mnist", f"fashion_mnist:{local}").class_names == tuple(FASHION)
    assert load_dataset("mnist", f"fashion_mnist:{local}").sizes()["train"] == 20
    assert load_dataset("mnist", local).class_names == [str(i) for i in range(10)]


def test_fashion_mnist_from_debian_path(tmp_path, offline, monkeypatch):
    from cookbook.data import fashion_mnist

    monkeypatch.setattr(fashion_mnist, "DEBIAN_FOLDER", idx_folder(tmp_path / "debian"))
    assert load_dataset("fashion_mnist", "auto").source == "debian"


def test_a_damaged_idx_file_is_one_line(tmp_path):
    folder = idx_folder(tmp_path / "idx", gz=False)
    with open(os.path.join(folder, "t10k-labels-idx1-ubyte"), "r+b") as f:
        f.truncate(20)
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte: the header says \(10,\) but "
                                        r"the file holds 12 values"):
        load_dataset("mnist", folder)
    with open(os.path.join(folder, "t10k-labels-idx1-ubyte"), "wb") as f:
        f.write(b"not an idx file")
    with pytest.raises(DataError, match="not an IDX file of unsigned bytes with 1 dimension"):
        load_dataset("mnist", folder)


def test_a_missing_fashion_mnist_path(tmp_path):
    with pytest.raises(DataError, match="data file not found: .*nowhere"):
        check_source("mnist", f"fashion_mnist:{tmp_path / 'nowhere'}")


def test_keras_cached_cifar10_batches(tmp_path, offline):
    home = tmp_path / "keras-home" / "datasets"
    cifar_folder(home / "cifar-10-batches-py-target" / "cifar-10-batches-py")
    data = load_dataset("cifar10", "auto")
    assert data.source == "keras" and data.sizes() == {"train": 20, "test": 4}
    assert data.x_train.shape[1:] == (32, 32, 3) and data.x_train.dtype == np.uint8
    with pytest.raises(DataError, match=r"holds images of shape \(32, 32, 3\), expected "
                                        r"\(28, 28\)"):
        load_dataset("mnist", str(home / "cifar-10-batches-py-target" / "cifar-10-batches-py"))


class _Runs:
    def __reduce__(self):
        return (os.system, ("touch ran",))


def test_a_cifar_batch_that_would_run_code_is_refused(tmp_path, monkeypatch):
    folder = cifar_folder(tmp_path / "batches")
    with open(os.path.join(folder, "test_batch"), "wb") as f:
        pickle.dump({b"data": _Runs(), b"labels": [0]}, f)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError, match=r"test_batch: refused: the file asks to run "
                                        r"(posix|os)\.system"):
        load_dataset("cifar10", folder)
    assert not os.path.exists(tmp_path / "ran")


def test_keras_cifar_npz_labels_of_shape_n_1(tmp_path):
    path = keras_npz(tmp_path / "c.npz", 30, 10, (32, 32, 3), label_shape=(1,))
    assert load_dataset("cifar10", path).y_test.shape == (10,)


@pytest.mark.parametrize("source, dataset, names", [
    (None, "mnist", [str(i) for i in range(10)]),
    pytest.param("fashion_mnist", "fashion_mnist", FASHION, marks=pytest.mark.slow),
])
def test_a_run_on_keras_cached_data_with_no_flag(tmp_path, offline, source, dataset, names):
    import cookbook
    from cookbook.evaluate import evaluate
    from conftest import SMALL

    home = tmp_path / "keras-home" / "datasets"
    os.makedirs(home)
    keras_npz(home / "mnist.npz")
    idx_folder(home / "fashion-mnist")
    more = {"data.source": source} if source else {}
    run = cookbook.train("mnist_cnn", out=str(tmp_path / "run"),
                         overrides={**SMALL["mnist_cnn"], "fit.epochs": 1, "fit.verbose": 0,
                                    **more})
    data = run.metrics["data"]
    assert (data["dataset"], data["class_names"], data["test"]) == (dataset, names, 20 if
                                                                 dataset == "mnist" else 10)
    assert evaluate(str(tmp_path / "run"))["examples"] == data["test"]
