"""Cats vs dogs: 23,262 photos of varying size, through tensorflow-datasets.

tensorflow-datasets has only a train split: it is split 80/20 here (stratified, seeded). To hold
the set as one array the photos are resized to `IMAGE_SIZE` on loading; the recipe's model
resizes whatever it is given, so a served model takes photos of any size.
"""

import os

from cookbook.data import tfds_source
from cookbook.data.class_folders import load_image_folder, read_image_folder
from cookbook.data.dataset import Dataset, seeded_split
from cookbook.data.npz import read_npz

CLASS_NAMES = ["cat", "dog"]
IMAGE_SIZE = (160, 160)
HINT = "pass --data with a local .npz holding x (N, H, W, 3) pixel values and y (N,) labels"


def load(source, seed):
    if source in ("auto", "tfds"):
        tfds_source.require_tfds("cats_vs_dogs", HINT)
        x, y = from_tfds()
        source = "tfds"
    elif os.path.isdir(source):
        return load_image_folder("cats_vs_dogs", source, seed)
    else:
        x, y = read_file(source)
    x_train, y_train, x_test, y_test = seeded_split(x, y, 0.2, seed)
    return Dataset("cats_vs_dogs", source, x_train, y_train, x_test, y_test, CLASS_NAMES)


def from_tfds(data_dir=None, image_size=IMAGE_SIZE):
    """Every photo, resized to `image_size` (uint8), and its label (0 cat, 1 dog)."""
    return tfds_source.load_tfds_images("cats_vs_dogs", image_size, data_dir)


def read_file(path):
    if os.path.isdir(path):
        return read_image_folder(path)[:2]
    return read_npz(path, (None, None, None, 3))
