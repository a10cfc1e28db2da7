"""The Wisconsin breast cancer set that scikit-learn ships (569 examples, 30 features)."""

from cookbook.data.feature_csv import read_feature_csv
from cookbook.data.npz import read_npz
from cookbook.data.splits import TEST_FRACTION, Splits, seeded_split, split_file

# scikit-learn's target: 0 = malignant, 1 = benign.
CLASS_NAMES = ["malignant", "benign"]
NUM_FEATURES = 30


def load(source, seed, label_column="label"):
    if source not in ("auto", "sklearn"):
        return split_file("breast_cancer", source, seed, read_file, CLASS_NAMES,
                          label_column=label_column)
    from sklearn.datasets import load_breast_cancer

    x, y = load_breast_cancer(return_X_y=True)
    x_train, y_train, x_test, y_test = seeded_split(x.astype("float32"), y, TEST_FRACTION, seed)
    return Splits("breast_cancer", "sklearn", x_train, y_train, x_test, y_test, CLASS_NAMES)


def read_file(path, label_column="label"):
    """Features and 0/1 labels of a CSV (a header, `label_column` and 30 feature columns) or
    of an .npz."""
    if path.lower().endswith((".csv", ".csv.gz")):
        return read_feature_csv(path, NUM_FEATURES, label_column)
    x, y = read_npz(path, (None, NUM_FEATURES))
    return x.astype("float32"), y
