"""Data loaders: tensorflow-datasets (mocked), offline sources, local files, bad files."""

import time

import numpy as np
import pytest
import tensorflow_datasets as tfds

from cookbook.data import load_dataset, read_dataset_file
from cookbook.data import imdb, mnist, tfds_source
from cookbook.errors import DataError, DataUnavailableError
from conftest import write_reviews_csv, write_text


def test_mnist_from_tfds_mock():
    with tfds.testing.mock_data(num_examples=12):
        data = mnist.from_tfds()
    assert data.x_train.shape == (12, 28, 28) and data.x_train.dtype == np.uint8
    assert data.x_test.shape == (12, 28, 28) and data.y_test.shape == (12,)
    assert data.source == "tfds" and data.class_names[3] == "3"


def test_imdb_from_tfds_mock():
    with tfds.testing.mock_data(num_examples=6):
        data = imdb.from_tfds()
    assert data.x_train.shape == (6,) and isinstance(data.x_train[0], str)
    assert set(np.unique(data.y_train)) <= {0, 1}


def test_mnist_sample_is_real_and_split_4000_1000():
    data = load_dataset("mnist", "sample", seed=0)
    assert data.x_train.shape == (4000, 28, 28) and data.x_test.shape == (1000, 28, 28)
    assert data.x_train.dtype == np.uint8 and data.x_train.max() == 255
    assert np.bincount(data.y_test).tolist() == [100] * 10  # stratified
    again = load_dataset("mnist", "sample", seed=0)
    np.testing.assert_array_equal(data.y_train, again.y_train)


def test_breast_cancer_split():
    data = load_dataset("breast_cancer", seed=0)
    assert data.x_train.shape == (455, 30) and data.x_test.shape == (114, 30)
    assert data.class_names == ["malignant", "benign"]


def test_auto_falls_back_to_sample_with_a_warning_when_offline(offline):
    with pytest.warns(UserWarning, match="offline sample of 5,000 MNIST digits"):
        data = load_dataset("mnist", "auto")
    assert data.source == "sample"


def test_explicit_tfds_offline_fails_fast_with_the_way_out(offline):
    with pytest.raises(DataUnavailableError, match="cannot be reached.*--data sample"):
        load_dataset("mnist", "tfds")


def test_imdb_auto_offline_fails_fast_and_asks_for_a_local_copy(offline):
    with pytest.raises(DataUnavailableError, match="pass --data with a local copy"):
        load_dataset("imdb_reviews", "auto")


def test_unreachable_host_is_detected_within_the_timeout():
    start = time.perf_counter()
    assert not tfds_source.host_reachable("download.invalid", 443, timeout=3)
    assert time.perf_counter() - start < 4


def test_tfds_status_without_data_or_network(monkeypatch, tmp_path):
    monkeypatch.setattr(tfds_source, "host_reachable", lambda host, port, timeout=5.0: False)
    usable, reason = tfds_source.tfds_status("mnist", data_dir=str(tmp_path))
    assert not usable and "storage.googleapis.com" in reason


@pytest.mark.parametrize("gz", [False, True])
def test_reviews_csv_plain_and_gzip(tmp_path, gz):
    path = write_reviews_csv(tmp_path / ("r.csv.gz" if gz else "r.csv"), n=20, gz=gz)
    x, y = read_dataset_file("imdb_reviews", path)
    assert len(x) == 20 and y.tolist() == [0, 1] * 10
    data = load_dataset("imdb_reviews", path, seed=1)
    assert (len(data.x_train), len(data.x_test)) == (16, 4)
    assert data.source == path


@pytest.mark.parametrize("row, message", [
    ('"a fine film",positive,extra', r"line 3: expected 2 fields \(review,sentiment\), got 3"),
    ('"a fine film",great', r"line 3: unknown sentiment 'great'; expected positive or negative"),
    ('"  ",negative', "line 3: empty review"),
])
def test_corrupt_csv_row_names_file_and_line(tmp_path, row, message):
    path = tmp_path / "bad.csv"
    path.write_text(f'review,sentiment\n"ok film",positive\n{row}\n')
    with pytest.raises(DataError, match=f"bad.csv, {message}"):
        read_dataset_file("imdb_reviews", str(path))


@pytest.mark.parametrize("gz", [False, True])
def test_a_spreadsheets_csv_with_a_byte_order_mark_and_crlf(tmp_path, gz):
    text = '\ufeffreview,sentiment\r\n"line one\r\nline two",positive\r\nawful,negative\r\n'
    path = write_text(tmp_path / ("excel.csv.gz" if gz else "excel.csv"), text, gz)
    x, y = read_dataset_file("imdb_reviews", path)
    assert x.tolist() == ["line one\r\nline two", "awful"] and y.tolist() == [1, 0]


@pytest.mark.parametrize("encoding, looks", [("utf-16", "in UTF-16"),
                                             ("latin-1", "such as Latin-1")])
def test_a_csv_in_another_encoding_names_it_and_the_fix(tmp_path, encoding, looks):
    path = tmp_path / "reviews.csv"
    path.write_bytes('review,sentiment\n"caf\u00e9 cr\u00e8me, tr\u00e8s bien",positive\n'
                     .encode(encoding))
    with pytest.raises(DataError, match=f"{looks}.*save it as UTF-8") as error:
        read_dataset_file("imdb_reviews", str(path))
    assert "\n" not in str(error.value)
    features = tmp_path / "features.csv"
    features.write_bytes(("caf\u00e9," * 10 + "label\n" + "1," * 10 + "0\n").encode(encoding))
    with pytest.raises(DataError, match=f"{looks}.*CSV UTF-8"):
        read_dataset_file("diabetes", str(features))


def test_csv_without_header(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("text,label\nfine,positive\n")
    with pytest.raises(DataError, match="expected a header row 'review,sentiment'"):
        read_dataset_file("imdb_reviews", str(path))


def test_aclimdb_folder(tmp_path):
    for split in ("train", "test"):
        for label in ("pos", "neg"):
            folder = tmp_path / "aclImdb" / split / label
            folder.mkdir(parents=True)
            for i in range(3):
                (folder / f"{i}_7.txt").write_text(f"{label} review {i}")
    data = load_dataset("imdb_reviews", str(tmp_path / "aclImdb"))
    assert len(data.x_train) == 6 and len(data.x_test) == 6
    assert data.y_train.tolist() == [0, 0, 0, 1, 1, 1]
    assert data.x_train[3] == "pos review 0"
    x, y = read_dataset_file("imdb_reviews", str(tmp_path / "aclImdb"))
    assert len(x) == 6


def test_folder_without_the_aclimdb_layout(tmp_path):
    (tmp_path / "train").mkdir()
    with pytest.raises(DataError, match="missing folder neg/"):
        load_dataset("imdb_reviews", str(tmp_path))


def test_missing_file_and_unknown_source():
    with pytest.raises(DataError, match="data file not found: nowhere/r.csv"):
        load_dataset("imdb_reviews", "nowhere/r.csv")
    with pytest.raises(DataError, match="unknown data source 'smaple' for mnist; use one of "
                                        "auto, tfds, keras, sample, fashion_mnist"):
        load_dataset("mnist", "smaple")


def test_npz_of_the_wrong_shape(tmp_path):
    path = tmp_path / "flat.npz"
    np.savez(path, x=np.zeros((4, 784)), y=np.zeros(4))
    with pytest.raises(DataError, match=r"x has shape \(4, 784\), expected \(N, 28, 28\)"):
        read_dataset_file("mnist", str(path))
