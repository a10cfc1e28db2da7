"""The inputs of `cookbook.predict` as items `(label, raw value, error)`: image paths, texts,
rows of features, and the lines of a `.txt` or rows of a `.csv` file (plain or `.gz`).

`label` names the input in its record (`"FILE:LINE"`, the first characters of a text,
`"features[I]"`); an input that cannot be read carries its `error` instead of a value, so the
others are still predicted. CSV files are read by the rules training reads them by
(`cookbook.data.csv_files`).
"""

import csv
import os
import zlib

from cookbook.errors import DataError

TEXT_LABEL_CHARS = 60
_READ_ERRORS = (OSError, EOFError, zlib.error, UnicodeDecodeError, csv.Error)


def _open(path):
    from cookbook.data.csv_files import open_csv

    if not os.path.isfile(path):
        what = "is a folder, not a file" if os.path.isdir(path) else "not found"
        raise DataError(f"--file {path}: {what}")
    return open_csv(path)


def as_list(values):
    """None, or a list: one string or path alone is one input, not a sequence of characters."""
    if values is None:
        return None
    if isinstance(values, (str, bytes, os.PathLike)):
        return [values]
    return list(values)


def file_type(file):
    name = os.fspath(file).lower().removesuffix(".gz")
    for suffix in ("txt", "csv"):
        if name.endswith("." + suffix):
            return suffix
    raise DataError(f"{os.fspath(file)}: unknown kind of file; --file takes a .txt (one text "
                    "per line) or a .csv with a header row, plain or gzip-compressed (.gz)")


def text_item(label, text):
    if not isinstance(text, str):
        return label, None, f"not a text: {type(text).__name__}"
    return label, text, None


def file_items(path, kind, preprocessor, label_column):
    try:
        with _open(path) as f:
            if file_type(path) == "txt":
                return _text_lines(path, f.read())
            reader = csv.reader(f)
            if kind == "text":
                return _review_rows(path, reader)
            return _feature_rows(path, reader, preprocessor.num_features, label_column)
    except UnicodeDecodeError:
        from cookbook.data.checks import encoding_error

        raise encoding_error(path, f"a .{file_type(path)} file") from None
    except _READ_ERRORS as e:
        raise DataError(f"{path}: cannot read ({e})") from None


def _text_lines(path, content):
    """One item per line; lines end at "\\n" alone (as `Tokenizer` splits the vocabulary)."""
    lines = content.split("\n")
    if lines[-1] == "":  # the last line's "\n" starts no new line
        lines.pop()
    return [text_item(f"{path}:{number}", line.removesuffix("\r"))
            for number, line in enumerate(lines, 1)]


def _rows_like_header(path, reader, header):
    """`(label, line, row, error)` per row: a row whose width differs from the header's gets only
    an error."""
    from cookbook.data.csv_files import data_rows, width_error

    for line, row in data_rows(reader):
        yield f"{path}:{line}", line, row, width_error(row, header)


def _review_rows(path, reader):
    from cookbook.data.csv_files import read_header
    from cookbook.data.imdb import review_column

    header = read_header(path, reader)
    column = review_column(path, header)
    items = []
    for label, _, row, error in _rows_like_header(path, reader, header):
        if error:
            items.append((label, None, error))
        else:
            items.append(text_item(label, row[column]))
    return items


def _feature_rows(path, reader, num_features, label_column):
    from cookbook.data.csv_files import feature_columns, read_header

    header = read_header(path, reader, "the feature columns")
    names, _ = feature_columns(path, header, label_column, num_features, label_required=False,
                               model="the run's model")
    keep = [i for i, h in enumerate(header) if h != label_column]
    items = []
    for label, line, row, error in _rows_like_header(path, reader, header):
        if error:
            items.append((label, None, error))
            continue
        values, error = _feature_values(path, line, names, [row[i] for i in keep])
        items.append((label, values, error))
    return items


def _feature_values(path, line, names, cells):
    """One row of a feature CSV as float32, or the reason it is not (the training checks)."""
    import numpy as np

    from cookbook.data.csv_files import numbers
    from cookbook.data.feature_csv import check_finite_cells

    prefix = f"{path}, line {line}, "
    try:
        x = np.array([numbers(path, line, names, cells)], dtype=np.float64)
        check_finite_cells(path, x, [line], names)
    except DataError as e:
        return None, str(e).removeprefix(prefix)
    return x[0].astype(np.float32), None


def feature_items(features, num_features, label_column):
    """Items of an array-like of rows (a pandas DataFrame drops its label column)."""
    import numpy as np

    from cookbook.data.checks import finite

    columns = getattr(features, "columns", None)
    if columns is not None and hasattr(features, "to_numpy"):
        if label_column in list(columns):
            features = features.drop(columns=[label_column])
        features = features.to_numpy()
    rows = list(features)
    if rows and all(np.ndim(r) == 0 for r in rows):
        raise DataError(f"features must be rows: a 2-D array-like, e.g. [[...], [...]], got one "
                        f"row of {len(rows)} values; wrap it in a list")
    items = []
    for i, row in enumerate(rows):
        label = f"features[{i}]"
        try:
            x = np.asarray(row, dtype=np.float64)
        except (TypeError, ValueError):
            items.append((label, None, "not a row of numbers"))
            continue
        if x.ndim != 1 or len(x) != num_features:
            items.append((label, None, f"{x.size} values, but the run's model takes "
                                       f"{num_features} features"))
        elif not np.all(finite(x)):
            column = int(np.argmin(finite(x)))
            items.append((label, None, f"column {column}: {x[column]:g} is not a finite float32 "
                                       "number"))
        else:
            items.append((label, x.astype(np.float32), None))
    return items
