"""Datasets for the recipes: real data through tensorflow-datasets, offline samples, local files.

Every loader returns a `Dataset` of NumPy arrays in the form a user has them: pixel values 0-255,
raw tabular features, review strings.

>>> from cookbook.data import load_dataset
>>> data = load_dataset("mnist", source="sample")   # 5,000 real digits, no download
>>> data.x_train.shape
(4000, 28, 28)
"""

from cookbook.data.dataset import (DATASETS, Dataset, dataset_kind, load_dataset,
                                  read_dataset_file, seeded_split)

__all__ = ["DATASETS", "Dataset", "dataset_kind", "load_dataset", "read_dataset_file",
           "seeded_split"]
