"""The diabetes progression set that scikit-learn ships (442 examples, 10 features)."""

from cookbook.data.feature_csv import read_feature_csv
from cookbook.data.npz import read_npz
from cookbook.data.splits import TEST_FRACTION, Splits, seeded_split, split_file

NUM_FEATURES = 10


def load(source, seed, label_column="label"):
    if source not in ("auto", "sklearn"):
        return split_file("diabetes", source, seed, read_file, (), label_column=label_column)
    from sklearn.datasets import load_diabetes

    x, y = load_diabetes(return_X_y=True)
    x_train, y_train, x_test, y_test = seeded_split(x.astype("float32"), y.astype("float32"),
                                                    TEST_FRACTION, seed)
    return Splits("diabetes", "sklearn", x_train, y_train, x_test, y_test, [])


def read_file(path, label_column="label"):
    """Features and targets of a CSV (a header, `label_column` and 10 feature columns) or of an
    .npz."""
    if path.lower().endswith((".csv", ".csv.gz")):
        return read_feature_csv(path, NUM_FEATURES, label_column, integer_labels=False)
    x, y = read_npz(path, (None, NUM_FEATURES))
    return x.astype("float32"), y.astype("float32")
