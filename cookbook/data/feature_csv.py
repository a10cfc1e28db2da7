"""Tabular examples in a CSV file: a header row, one label column, every other column a feature."""

import csv
import gzip

import numpy as np

from cookbook.data.checks import read_errors
from cookbook.errors import DataError

_FLOAT32_MAX = float(np.finfo(np.float32).max)


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
    opener = gzip.open if str(path).endswith(".gz") else open
    rows, lines, labels = [], [], []
    with read_errors(path, "a CSV file"), opener(path, "rt", encoding="utf-8-sig",
                                                 newline="") as f:
        reader = csv.reader(f)
        header = [h.strip() for h in next(reader, [])]
        label_index = _label_index(path, header, label_column, num_features)
        names = header[:label_index] + header[label_index + 1:]
        for row in reader:
            if not row:
                continue
            line = reader.line_num
            if len(row) != len(header):
                raise DataError(f"{path}, line {line}: {len(row)} fields, expected "
                                f"{len(header)} like the header")
            label = row.pop(label_index)
            rows.append(_numbers(path, line, names, row))
            labels.append(_label(path, line, label_column, label, integer_labels))
            lines.append(line)
    if not rows:
        raise DataError(f"{path}: no data rows after the header")
    x = np.array(rows, dtype=np.float64).reshape(len(rows), len(names))
    _check_finite(path, x, lines, names)
    y = np.array(labels, dtype=np.int64 if integer_labels else np.float32)
    return x.astype(np.float32), y


def _label_index(path, header, label_column, num_features):
    """The position of `label_column` in `header`, after checking the header's columns."""
    if not any(header):
        raise DataError(f"{path}: missing header row; the first line must name the columns, "
                        f"with a {label_column!r} column")
    if label_column not in header:
        if all(_is_number(h) for h in header):
            raise DataError(f"{path}: missing header row (line 1 holds numbers); the first line "
                            f"must name the columns, with a {label_column!r} column")
        raise DataError(f"{path}: no label column {label_column!r}; the header has columns "
                        f"{', '.join(header)}; name the label column with "
                        "--set data.label_column=NAME")
    if header.count(label_column) > 1:
        raise DataError(f"{path}: the header names {label_column!r} more than once; rename "
                        "the other column(s)")
    found = len(header) - 1
    if num_features is not None and found != num_features:
        raise DataError(f"{path}: {found} feature columns besides {label_column!r}, but the "
                        f"recipe's model takes {num_features} features")
    return header.index(label_column)


def _numbers(path, line, names, cells):
    """The cells of one row as floats, or a DataError naming the first one that is not."""
    try:
        return list(map(float, cells))
    except ValueError:
        pass
    for name, cell in zip(names, cells):
        if not _is_number(cell):
            what = "empty cell" if not cell.strip() else f"not a number: {cell!r}"
            raise DataError(f"{path}, line {line}, column {name!r}: {what}")
    raise AssertionError("unreachable: every cell parsed")


def _label(path, line, label_column, cell, integer_labels):
    """One label: an int class id or a finite float."""
    where = f"{path}, line {line}, column {label_column!r}"
    if not cell.strip():
        raise DataError(f"{where}: empty label")
    if not _is_number(cell) or not abs(float(cell)) <= _FLOAT32_MAX:
        raise DataError(f"{where}: label {cell!r} is not a finite number")
    value = float(cell)
    if not integer_labels:
        return value
    if value != int(value) or not 0 <= value < 2**31:
        raise DataError(f"{where}: label {cell!r} is not a class id; expected a whole "
                        "number 0, 1, 2, ...")
    return int(value)


def _check_finite(path, x, lines, names):
    """A DataError naming the first NaN, infinite or float32-overflowing value of `x`."""
    bad = ~np.isfinite(x) | (np.abs(x) > _FLOAT32_MAX)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise DataError(f"{path}, line {lines[row]}, column {names[col]!r}: {x[row, col]:g} is "
                        "not a finite float32 number; fill in or drop missing values first")


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True
