"""The Wisconsin breast cancer set that scikit-learn ships (569 examples, 30 features)."""

from cookbook.data.dataset import Dataset, seeded_split
from cookbook.data.npz import read_npz

# scikit-learn's target: 0 = malignant, 1 = benign.
CLASS_NAMES = ["malignant", "benign"]


def load(source, seed):
    if source in ("auto", "sklearn"):
        from sklearn.datasets import load_breast_cancer

        x, y = load_breast_cancer(return_X_y=True)
        source = "sklearn"
    else:
        x, y = read_file(source)
    x_train, y_train, x_test, y_test = seeded_split(x.astype("float32"), y, 0.2, seed)
    return Dataset("breast_cancer", source, x_train, y_train, x_test, y_test, CLASS_NAMES)


def read_file(path):
    x, y = read_npz(path, (None, 30))
    return x.astype("float32"), y
