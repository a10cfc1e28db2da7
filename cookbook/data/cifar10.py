"""CIFAR-10: 32x32 colour images of 10 classes, through tensorflow-datasets."""

import os

from cookbook.data import tfds_source
from cookbook.data.class_folders import load_image_folder, read_image_folder
from cookbook.data.npz import read_npz
from cookbook.data.splits import Splits, split_file

CLASS_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
               "truck"]
HINT = "pass --data with a local .npz holding x (N, 32, 32, 3) pixel values and y (N,) labels"


def load(source, seed):
    if source in ("auto", "tfds"):
        # No offline sample of CIFAR-10 ships with any dependency: fail fast.
        tfds_source.require_tfds("cifar10", HINT)
        return from_tfds()
    if os.path.isdir(source):
        return load_image_folder("cifar10", source, seed)
    return split_file("cifar10", source, seed, read_file, CLASS_NAMES)


def from_tfds(data_dir=None):
    x_train, y_train, x_test, y_test = tfds_source.load_tfds("cifar10", data_dir)
    return Splits("cifar10", "tfds", x_train, y_train, x_test, y_test, CLASS_NAMES)


def read_file(path):
    if os.path.isdir(path):
        return read_image_folder(path)[:2]
    return read_npz(path, (None, 32, 32, 3))
