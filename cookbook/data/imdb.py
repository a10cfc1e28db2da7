"""IMDB movie reviews: tensorflow-datasets, a CSV `review,sentiment`, an `aclImdb/` folder, or
a folder with one sub-folder of `.txt` files per class.

Labels are 1 for a positive review and 0 for a negative one; in a folder of class folders, the
classes are the sub-folders' names, sorted (`neg/` and `pos/`, or `negative/` and `positive/`,
give the same labels).
"""

import csv
import os

import numpy as np

from cookbook.data import tfds_source
from cookbook.data.class_folders import (is_acl_imdb, is_acl_split, load_text_folder,
                                         read_texts)
from cookbook.data.checks import read_errors
from cookbook.data.csv_files import open_csv
from cookbook.data.splits import Splits, split_file
from cookbook.errors import DataError

CLASS_NAMES = ["negative", "positive"]
LABELS = {"negative": 0, "positive": 1, "neg": 0, "pos": 1, "0": 0, "1": 1}
LOCAL_HINT = ("pass --data with a local copy: a CSV with columns review,sentiment (plain or .gz) "
              "or the aclImdb/ folder of the original archive")


def load(source, seed):
    if source in ("auto", "tfds"):
        # No offline sample of IMDB ships with any dependency: fail fast, don't fall back.
        tfds_source.require_tfds("imdb_reviews", LOCAL_HINT)
        return from_tfds()
    if os.path.isdir(source) and not is_acl_imdb(source):
        return load_text_folder("imdb_reviews", source, seed)
    if not os.path.isdir(source):
        return split_file("imdb_reviews", source, seed, read_file, CLASS_NAMES)
    x_train, y_train = read_folder(_split_dir(source, "train"))
    x_test, y_test = read_folder(_split_dir(source, "test"))
    return Splits("imdb_reviews", source, x_train, y_train, x_test, y_test, CLASS_NAMES)


def from_tfds(data_dir=None):
    x_train, y_train, x_test, y_test = tfds_source.load_tfds("imdb_reviews", data_dir)
    return Splits("imdb_reviews", "tfds", _decode(x_train), y_train, _decode(x_test), y_test,
                  CLASS_NAMES)


def read_file(path):
    """Every review of a CSV file, of an aclImdb folder's test/ split (or a split folder with
    pos/ and neg/), or of a folder of class folders."""
    if os.path.isdir(path):
        test = os.path.join(path, "test")
        if os.path.isdir(test):
            return read_folder(test)
        if is_acl_split(path):
            return read_folder(path)
        return read_texts(path)[:2]
    return read_csv(path)


def review_column(path, header, with_sentiment=False):
    """Where the reviews are in a CSV's `header`: the `review` column (any case). With
    `with_sentiment` (training data), the header must be `review,sentiment`."""
    names = [h.strip().lower() for h in header]
    if with_sentiment and names != ["review", "sentiment"]:
        raise DataError(f"{path}: expected a header row 'review,sentiment', got {header}")
    if "review" not in names:
        raise DataError(f"{path}: no 'review' column; the header has columns "
                        f"{', '.join(header)}")
    return names.index("review")


def _reviews(path, f):
    """A `csv.reader` over `f` past its header, which must be `review,sentiment`."""
    reader = csv.reader(f)
    review_column(path, next(reader, []), with_sentiment=True)
    return reader


def check_file(path):
    """Fail as `read_file` would on a review CSV whose header is wrong, reading nothing else
    (a quick check before training starts)."""
    if os.path.isdir(path):
        return
    with read_errors(path, "CSV review,sentiment"), open_csv(path) as f:
        _reviews(path, f)


def read_csv(path):
    """Reviews and labels of a CSV with a header `review,sentiment` (plain or gzip-compressed).

    A row with the wrong number of fields, an empty review or an unknown sentiment fails with
    the file and line.
    """
    texts, labels = [], []
    with read_errors(path, "CSV review,sentiment"), open_csv(path) as f:
        reader = _reviews(path, f)
        for row in reader:
            if len(row) != 2:
                raise DataError(f"{path}, line {reader.line_num}: expected 2 fields "
                                f"(review,sentiment), got {len(row)}: {_clip(row)}")
            text, label = row
            key = label.strip().lower()
            if key not in LABELS:
                raise DataError(f"{path}, line {reader.line_num}: unknown sentiment "
                                f"{label!r}; expected positive or negative")
            if not text.strip():
                raise DataError(f"{path}, line {reader.line_num}: empty review")
            texts.append(text)
            labels.append(LABELS[key])
    if not texts:
        raise DataError(f"{path}: no reviews after the header")
    return np.array(texts, dtype=object), np.array(labels, dtype=np.int64)


def read_folder(path):
    """Reviews of an aclImdb split folder: `pos/*.txt` (positive) and `neg/*.txt` (negative)."""
    texts, labels = [], []
    for name, label in (("neg", 0), ("pos", 1)):
        sub = os.path.join(path, name)
        if not os.path.isdir(sub):
            raise DataError(f"{path}: missing folder {name}/; expected the aclImdb layout "
                            "with pos/*.txt and neg/*.txt")
        for fname in sorted(os.listdir(sub)):
            if fname.endswith(".txt"):
                with open(os.path.join(sub, fname), encoding="utf-8") as f:
                    texts.append(f.read())
                labels.append(label)
    if not texts:
        raise DataError(f"{path}: no .txt reviews in pos/ or neg/")
    return np.array(texts, dtype=object), np.array(labels, dtype=np.int64)


def _split_dir(root, split):
    path = os.path.join(root, split)
    if not os.path.isdir(path):
        raise DataError(f"{root}: missing {split}/ folder; expected the aclImdb layout "
                        f"{split}/pos/*.txt and {split}/neg/*.txt")
    return path


def _decode(texts):
    return np.array([t.decode("utf-8") for t in texts], dtype=object)


def _clip(row):
    text = ",".join(row)
    return text[:60] + ("..." if len(text) > 60 else "")
