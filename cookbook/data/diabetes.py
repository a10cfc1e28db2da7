"""The diabetes progression set that scikit-learn ships (442 examples, 10 features)."""

from cookbook.data.dataset import Dataset, seeded_split
from cookbook.data.npz import read_npz


def load(source, seed):
    if source in ("auto", "sklearn"):
        from sklearn.datasets import load_diabetes

        x, y = load_diabetes(return_X_y=True)
        source = "sklearn"
    else:
        x, y = read_file(source)
    x_train, y_train, x_test, y_test = seeded_split(x.astype("float32"), y.astype("float32"),
                                                    0.2, seed)
    return Dataset("diabetes", source, x_train, y_train, x_test, y_test, [])


def read_file(path):
    x, y = read_npz(path, (None, 10))
    return x.astype("float32"), y.astype("float32")
