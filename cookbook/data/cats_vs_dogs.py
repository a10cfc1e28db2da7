"""Cats vs dogs: 23,262 photos of varying size, through tensorflow-datasets.

tensorflow-datasets has only a train split: it is split 80/20 here (stratified, seeded). The
photos stay encoded in tensorflow-datasets' files and are decoded a batch at a time, at the size
the recipe's preprocessor asks for; the recipe's model resizes whatever it is given, so a served
model takes photos of any size.
"""

import os

from cookbook.data import tfds_source
from cookbook.data.class_folders import load_image_folder, read_image_folder
from cookbook.data.npz import read_npz
from cookbook.data.splits import TEST_FRACTION, Splits, split_file, split_indices

CLASS_NAMES = ["cat", "dog"]
HINT = ("pass --data with a folder of class folders (cat/, dog/) or a local .npz holding x "
        "(N, H, W, 3) pixel values and y (N,) labels")


def load(source, seed):
    if source in ("auto", "tfds"):
        tfds_source.require_tfds("cats_vs_dogs", HINT)
        files, labels = from_tfds()
        train, test = split_indices(labels, TEST_FRACTION, seed)
        return Splits("cats_vs_dogs", "tfds", files.subset(train), labels[train],
                      files.subset(test), labels[test], CLASS_NAMES)
    if os.path.isdir(source):
        return load_image_folder("cats_vs_dogs", source, seed)
    return split_file("cats_vs_dogs", source, seed, read_file, CLASS_NAMES)


def from_tfds(data_dir=None):
    """Every photo, as `ImageFiles` decoded when read, and its label (0 cat, 1 dog)."""
    return tfds_source.load_tfds_images("cats_vs_dogs", data_dir)


def read_file(path):
    if os.path.isdir(path):
        return read_image_folder(path)[:2]
    return read_npz(path, (None, None, None, 3))
