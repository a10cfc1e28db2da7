"""Tabular examples in a CSV file: a header row, one label column, every other column a feature."""

import csv

import numpy as np

from cookbook.data.checks import finite, read_errors
from cookbook.data.csv_files import (data_rows, feature_columns, is_number, numbers, open_csv,
                                     read_header, width_error)
from cookbook.errors import DataError


def read_feature_csv(path, num_features, label_column="label", integer_labels=True):
    """Features and labels of a CSV file with a header row (plain, or gzip-compressed as `.gz`).

    The column named `label_column` (anywhere in the header) holds the labels; every other
    column is a feature, in file order. Blank lines are ignored. Every cell must be a finite
    number; any other content fails with the file, line and column.

    Args:
        path: the CSV file; a name ending in `.gz` is read as gzip.
        num_features: the number of feature columns the recipe expects (None: any number).
        label_column: the name of the label column in the header.
        integer_labels: True for class ids (`"1"` or `"1.0"`, returned int64), False for
            regression targets (returned float32).

    Returns:
        `(x, y)`: float32 features of shape `(N, num_features)` and the labels, shape `(N,)`.

    Raises:
        DataError: an unreadable file, a missing header or label column, a wrong number of
            columns, a cell that is not a finite number, or no data rows.

    Example:

    ```python
    x, y = read_feature_csv("patients.csv.gz", num_features=30, label_column="diagnosis")
    ```
    """
    rows, lines, labels = [], [], []
    with read_errors(path, "a CSV file"), open_csv(path) as f:
        reader = csv.reader(f)
        header = read_header(path, reader, f"the columns, with a {label_column!r} column")
        names, label_index = feature_columns(path, header, label_column, num_features)
        for line, row in data_rows(reader):
            error = width_error(row, header)
            if error:
                raise DataError(f"{path}, line {line}: {error}")
            label = row.pop(label_index)
            rows.append(numbers(path, line, names, row))
            labels.append(_label(path, line, label_column, label, integer_labels))
            lines.append(line)
    if not rows:
        raise DataError(f"{path}: no data rows after the header")
    x = np.array(rows, dtype=np.float64).reshape(len(rows), len(names))
    check_finite_cells(path, x, lines, names)
    y = np.array(labels, dtype=np.int64 if integer_labels else np.float32)
    return x.astype(np.float32), y


def _label(path, line, label_column, cell, integer_labels):
    """One label: an int class id or a finite float."""
    where = f"{path}, line {line}, column {label_column!r}"
    if not cell.strip():
        raise DataError(f"{where}: empty label")
    if not is_number(cell) or not finite(float(cell)):
        raise DataError(f"{where}: label {cell!r} is not a finite number")
    value = float(cell)
    if not integer_labels:
        return value
    if value != int(value) or not 0 <= value < 2**31:
        raise DataError(f"{where}: label {cell!r} is not a class id; expected a whole "
                        "number 0, 1, 2, ...")
    return int(value)


def check_finite_cells(path, x, lines, names):
    """A DataError naming the file, line and column of the first value of `x` (rows read from
    `lines` of `path`, columns `names`) that is not finite in float32 (`checks.finite`)."""
    bad = ~finite(x)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise DataError(f"{path}, line {lines[row]}, column {names[col]!r}: {x[row, col]:g} is "
                        "not a finite float32 number; fill in or drop missing values first")
