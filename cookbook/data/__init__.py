"""Datasets for the recipes: real data through tensorflow-datasets, offline samples, local files.

Every loader returns the `Splits` of a dataset, NumPy arrays in the form a user has them: pixel
values 0-255, raw tabular features, review strings.

>>> from cookbook.data import load_dataset
>>> data = load_dataset("mnist", source="sample")   # 5,000 real digits, no download
>>> data.x_train.shape
(4000, 28, 28)
"""

from cookbook.data.catalog import DATASETS, dataset_kind, load_dataset, read_dataset_file
from cookbook.data.splits import Splits, seeded_split

__all__ = ["DATASETS", "Splits", "dataset_kind", "load_dataset", "read_dataset_file",
           "seeded_split"]
