"""Bad local files fail with one clear DataError before any training, through `load_dataset`
(training) and `read_dataset_file` (evaluation): labels out of range, NaN features, corrupt
gzip, files that are not .npz archives, splits that cannot be stratified."""

import gzip

import numpy as np
import pytest

from conftest import write_reviews_csv, write_text
from cookbook.data import load_dataset, read_dataset_file, seeded_split
from cookbook.data.checks import check_finite, check_labels, check_targets
from cookbook.errors import DataError

BOTH = [pytest.param(lambda name, path: load_dataset(name, path, seed=0), id="load_dataset"),
        pytest.param(read_dataset_file, id="read_dataset_file")]


def digits(path, y, dtype=np.uint8):
    """An MNIST-like .npz of `len(y)` random 28x28 images with labels `y`."""
    rng = np.random.default_rng(0)
    np.savez(path, x=rng.integers(0, 256, (len(y), 28, 28)).astype(dtype), y=np.asarray(y))
    return str(path)


def features(path, y, n=30, nan_at=None):
    """A tabular .npz of `len(y)` rows of `n` random features, one NaN at `nan_at` (row, col)."""
    x = np.random.default_rng(0).normal(size=(len(y), n))
    if nan_at is not None:
        x[nan_at] = np.nan
    np.savez(path, x=x, y=np.asarray(y))
    return str(path)


def features_csv(path, y, n=30, nan_at=None, gz=False):
    """The same as a CSV with a header f0..f{n-1},label."""
    x = np.random.default_rng(0).normal(size=(len(y), n))
    if nan_at is not None:
        x[nan_at] = np.nan
    rows = [",".join(f"f{i}" for i in range(n)) + ",label"]
    rows += [",".join(map(str, row)) + f",{label}" for row, label in zip(x, y)]
    return write_text(path, "\n".join(rows) + "\n", gz)


def message(call, *args):
    with pytest.raises(DataError) as e:
        call(*args)
    text = str(e.value)
    assert "\n" not in text and "Traceback" not in text
    return text


# ---------------------------------------------------------------- labels


@pytest.mark.parametrize("read", BOTH)
def test_mnist_label_out_of_range(tmp_path, read):
    y = np.repeat(np.arange(10), 4)
    y[37] = 11
    text = message(read, "mnist", digits(tmp_path / "bad.npz", y))
    assert text.startswith(str(tmp_path / "bad.npz") + ": ")
    assert "1 label(s) out of range: 11" in text and "row index 37" in text
    assert "0 to 9" in text and "least populated" not in text


@pytest.mark.parametrize("read", BOTH)
def test_breast_cancer_label_2_in_a_binary_task(tmp_path, read):
    y = np.repeat([0, 1], 10)
    y[[3, 5, 6]] = [2, 2, 7]
    text = message(read, "breast_cancer", features(tmp_path / "bc.npz", y))
    assert "3 label(s) out of range: 2, 7 (first at row index 3)" in text
    assert "0 to 1 (2 classes)" in text


@pytest.mark.parametrize("read", BOTH)
def test_breast_cancer_csv_label_out_of_range(tmp_path, read):
    y = [0, 1] * 10
    y[4] = 3
    text = message(read, "breast_cancer", features_csv(tmp_path / "bc.csv", y))
    assert "out of range: 3" in text and "0 to 1" in text


@pytest.mark.parametrize("read", BOTH)
def test_fractional_and_negative_labels(tmp_path, read):
    y = np.repeat([0.0, 1.0], 10)
    y[2] = 0.5
    text = message(read, "breast_cancer", features(tmp_path / "half.npz", y))
    assert "not whole numbers: 0.5 (first at row index 2)" in text
    y[2] = -1
    text = message(read, "breast_cancer", features(tmp_path / "neg.npz", y))
    assert "out of range: -1" in text


def test_whole_float_labels_are_class_ids(tmp_path):
    path = features(tmp_path / "f.npz", np.repeat([0.0, 1.0], 10))
    x, y = read_dataset_file("breast_cancer", path)
    assert y.dtype == np.int64 and y.tolist() == [0] * 10 + [1] * 10
    data = load_dataset("breast_cancer", path, seed=0)
    assert np.bincount(data.y_test).tolist() == [2, 2]  # stratified, as int labels are


def test_many_bad_labels_show_the_first_few_and_a_count():
    with pytest.raises(DataError, match=r"x.npz: 8 label\(s\) out of range: 10, 11, 12, 13, "
                                        r"14, \.\.\. \(first at row index 0\)"):
        check_labels(np.arange(10, 18), 10, "x.npz")


def test_string_labels(tmp_path):
    np.savez(tmp_path / "s.npz", x=np.zeros((4, 30)), y=np.array(["a", "b", "a", "b"]))
    with pytest.raises(DataError, match=r"array y holds <U1 values, not numbers"):
        read_dataset_file("breast_cancer", str(tmp_path / "s.npz"))


@pytest.mark.parametrize("read", BOTH)
def test_diabetes_targets_must_be_finite_but_have_no_range(tmp_path, read):
    y = np.linspace(-50, 400, 20)
    path = features(tmp_path / "d.npz", y, n=10)
    read("diabetes", path)  # any finite target is fine
    y[6] = np.inf
    text = message(read, "diabetes", features(tmp_path / "inf.npz", y, n=10))
    assert "1 target(s) are NaN or infinite: inf (first at row index 6)" in text


def test_targets_check():
    assert check_targets(np.array([1.5, -2.0]), "t").tolist() == [1.5, -2.0]
    with pytest.raises(DataError, match="t: 1 target"):
        check_targets(np.array([1.5, np.nan]), "t")


# ---------------------------------------------------------------- splits


@pytest.mark.parametrize("read", [BOTH[0]])
def test_single_example_of_a_class(tmp_path, read):
    y = np.array([0] * 5 + [1] * 5 + [2])
    text = message(read, "mnist", digits(tmp_path / "one.npz", y))
    assert "class id(s) 2 have a single example" in text
    assert "stratified split needs at least 2 examples per class" in text
    assert text.startswith(str(tmp_path / "one.npz"))


def test_seeded_split_errors_are_data_errors():
    x = np.arange(12)
    with pytest.raises(DataError, match=r"^class id\(s\) 3 have a single example"):
        seeded_split(x, np.array([0] * 6 + [1] * 5 + [3]), 0.5, 0)
    with pytest.raises(DataError, match="f.npz: 12 examples split 10/2 cannot put all 3 classes"):
        seeded_split(x, np.repeat([0, 1, 2], 4), 2, 0, origin="f.npz")
    with pytest.raises(DataError, match="no examples to split"):
        seeded_split(x[:0], np.array([], dtype=np.int64), 0.2, 0)
    with pytest.raises(DataError, match="cannot split 0 examples"):
        seeded_split(x[:0], np.array([], dtype=np.float32), 0.2, 0)  # regression: sklearn's


def test_seeded_split_unchanged_for_good_labels():
    x, y = np.arange(20), np.repeat([0, 1], 10)
    x_a, y_a, x_b, y_b = seeded_split(x, y, 0.2, 3)
    assert len(x_a) == 16 and np.bincount(y_b).tolist() == [2, 2]
    again = seeded_split(x, y, 0.2, 3)
    np.testing.assert_array_equal(x_b, again[2])


# ---------------------------------------------------------------- NaN / infinite features


@pytest.mark.parametrize("read", BOTH)
def test_nan_feature_in_npz(tmp_path, read):
    path = features(tmp_path / "nan.npz", np.repeat([0, 1], 10), nan_at=(7, 3))
    text = message(read, "breast_cancer", path)
    assert "1 NaN value(s), first in row index 7" in text and "np.nan_to_num" in text


@pytest.mark.parametrize("read", BOTH)
@pytest.mark.parametrize("gz", [False, True])
def test_nan_feature_in_csv(tmp_path, read, gz):
    path = features_csv(tmp_path / ("nan.csv.gz" if gz else "nan.csv"), [0, 1] * 10,
                        nan_at=(7, 3), gz=gz)
    text = message(read, "breast_cancer", path)
    assert "line 9, column 'f3': nan is not a finite" in text


@pytest.mark.parametrize("read", BOTH)
def test_nan_pixels_in_float_images(tmp_path, read):
    path = tmp_path / "img.npz"
    x = np.zeros((20, 28, 28), dtype=np.float32)
    x[4, 1, 2] = np.nan
    x[9, 0, 0] = -np.inf
    np.savez(path, x=x, y=np.repeat([0, 1], 10))
    text = message(read, "mnist", str(path))
    assert "1 NaN and 1 infinite" in text and "first in row index 4" in text


def test_check_finite_is_cheap_and_skips_non_float():
    check_finite(np.full((10, 28, 28), 255, dtype=np.uint8), "u8")
    check_finite(np.array(["text"], dtype=object), "texts")
    check_finite(np.zeros((0, 3)), "empty")
    big = np.zeros((5000, 28, 28), dtype=np.float32)
    big[4321, 27, 27] = np.nan
    with pytest.raises(DataError, match="1 NaN value.*row index 4321"):
        check_finite(big, "big")
    huge = np.array([[1.0, 1e300]])
    with pytest.raises(DataError, match=r"1 infinite \(or beyond float32\)"):
        check_finite(huge, "huge")


# ---------------------------------------------------------------- gzip


def corrupt_gzip(path, text):
    """A gzip file with a valid header and a corrupted deflate stream."""
    data = bytearray(gzip.compress(text.encode()))
    for i in range(20, 50):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    return str(path)


def truncated_gzip(path, text):
    data = gzip.compress(text.encode())
    path.write_bytes(data[: len(data) // 2])
    return str(path)


REVIEWS = "review,sentiment\n" + "".join(f'"good film {i}",positive\n"bad film {i}",negative\n'
                                         for i in range(200))


@pytest.mark.parametrize("read", BOTH)
@pytest.mark.parametrize("damage", [corrupt_gzip, truncated_gzip])
def test_corrupt_reviews_gzip(tmp_path, read, damage):
    path = damage(tmp_path / "r.csv.gz", REVIEWS)
    text = message(read, "imdb_reviews", path)
    assert text.startswith(path + ": ")
    assert "corrupt (not a complete gzip file" in text and "re-download or re-compress" in text


@pytest.mark.parametrize("read", BOTH)
@pytest.mark.parametrize("damage", [corrupt_gzip, truncated_gzip])
def test_corrupt_features_gzip(tmp_path, read, damage):
    rows = ",".join(f"f{i}" for i in range(30)) + ",label\n"
    rows += "".join(",".join(["1.5"] * 30) + f",{i % 2}\n" for i in range(200))
    text = message(read, "breast_cancer", damage(tmp_path / "f.csv.gz", rows))
    assert "cannot read as a CSV file: the file is corrupt" in text


def test_plain_text_named_gz(tmp_path):
    path = write_text(tmp_path / "r.csv.gz", REVIEWS)
    text = message(read_dataset_file, "imdb_reviews", path)
    assert "not a gzip file" in text and "remove .gz" in text


def test_good_gzip_unchanged(tmp_path):
    path = write_reviews_csv(tmp_path / "r.csv.gz", n=20, gz=True)
    x, y = read_dataset_file("imdb_reviews", path)
    assert len(x) == 20 and y.tolist() == [0, 1] * 10


# ---------------------------------------------------------------- not an .npz


@pytest.mark.parametrize("read", BOTH)
def test_text_file_named_npz(tmp_path, read):
    path = tmp_path / "hello.npz"
    path.write_text("hello\n")
    text = message(read, "mnist", str(path))
    assert "not an .npz archive" in text and "x (N, 28, 28) and y (N,)" in text
    assert "pickle" not in text


def test_npy_file_named_npz(tmp_path):
    path = tmp_path / "a.npz"
    with open(path, "wb") as f:
        np.save(f, np.zeros((2, 30)))
    text = message(read_dataset_file, "breast_cancer", str(path))
    assert "a single .npy array, not an .npz archive" in text and "pickle" not in text


@pytest.mark.parametrize("read", BOTH)
def test_object_arrays_in_npz(tmp_path, read):
    path = tmp_path / "obj.npz"
    np.savez(path, x=np.zeros((4, 28, 28)), y=np.array([0, 1, "a", None], dtype=object))
    text = message(read, "mnist", str(path))
    assert "array y holds Python objects (dtype=object)" in text and "pickle" not in text


def test_truncated_npz(tmp_path):
    good = tmp_path / "good.npz"
    digits(good, np.repeat(np.arange(10), 2))
    data = good.read_bytes()
    cut = tmp_path / "cut.npz"
    cut.write_bytes(data[: len(data) // 2])
    text = message(read_dataset_file, "mnist", str(cut))
    assert "corrupt" in text and "np.savez" in text


def test_missing_array_message_is_not_wrapped(tmp_path):
    path = tmp_path / "m.npz"
    np.savez(path, x=np.zeros((2, 28, 28)))
    text = message(read_dataset_file, "mnist", str(path))
    assert text.startswith(f"{path}: missing array(s) ['y']") and "not a readable" not in text


# ---------------------------------------------------------------- valid data unchanged


def test_valid_npz_unchanged(tmp_path):
    y = np.repeat(np.arange(10), 5).astype(np.uint8)
    path = digits(tmp_path / "ok.npz", y)
    x, y_read = read_dataset_file("mnist", path)
    assert x.dtype == np.uint8 and x.shape == (50, 28, 28)
    assert y_read.dtype == np.int64 and y_read.tolist() == y.tolist()
    data = load_dataset("mnist", path, seed=0)
    assert data.source == path and data.class_names == [str(i) for i in range(10)]
    assert (len(data.x_train), len(data.x_test)) == (40, 10)
    assert np.bincount(data.y_test).tolist() == [1] * 10


def test_valid_tabular_unchanged(tmp_path):
    path = features_csv(tmp_path / "ok.csv", [0, 1] * 10)
    x, y = read_dataset_file("breast_cancer", path)
    assert x.dtype == np.float32 and x.shape == (20, 30) and y.tolist() == [0, 1] * 10
    data = load_dataset("diabetes", features(tmp_path / "d.npz", np.arange(20.0), n=10))
    assert data.class_names == [] and data.y_train.dtype == np.float32
