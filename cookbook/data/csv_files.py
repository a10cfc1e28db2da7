"""CSV files as users have them, read the same way for training, evaluation and `predict`:
plain or gzip-compressed (`.gz`), UTF-8 with or without a spreadsheet's byte-order mark, CRLF
line ends, a header row, blank lines skipped.
"""

import gzip

from cookbook.errors import DataError


def open_csv(path):
    """`path` opened as CSV text (gzip when its name ends in `.gz`, any case)."""
    opener = gzip.open if str(path).lower().endswith(".gz") else open
    return opener(path, "rt", encoding="utf-8-sig", newline="")


def read_header(path, reader, needs="the columns"):
    """The first row of `reader`, its names stripped; a DataError when there is none.

    Args:
        path: the file, for the message.
        reader: a `csv.reader` at the start of the file.
        needs: what the header must name, in words, for the message.
    """
    header = [h.strip() for h in next(reader, [])]
    if not any(header):
        raise DataError(f"{path}: missing header row; the first line must name {needs}")
    return header


def data_rows(reader):
    """`(line, row)` of every row after the header, `line` where the row starts; blank lines
    are skipped."""
    line = reader.line_num + 1
    for row in reader:
        if row:
            yield line, row
        line = reader.line_num + 1


def width_error(row, header):
    """Why `row` cannot be read against `header` (another number of fields), or None."""
    if len(row) == len(header):
        return None
    return f"{len(row)} fields, expected {len(header)} like the header"


def is_number(text) -> bool:
    """Whether `text` parses as a float (`"1"`, `" 2.5e3 "`, `"nan"`)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def feature_columns(path, header, label_column, num_features, label_required=True,
                    model="the recipe's model"):
    """The feature names of a header and the label's position (None when it has none and
    `label_required` is False), after checking the columns.

    Args:
        path: the file, for the messages.
        header: the header's names.
        label_column: the label column's name.
        num_features: the features the model takes (None: any number).
        label_required: whether the label column must be there (training) or may be
            (`predict`, which drops it).
        model: the model the features are for, in words, for the message.
    """
    if label_column not in header and all(is_number(h) for h in header):
        raise DataError(f"{path}: missing header row (line 1 holds numbers); the first line "
                        f"must name the columns" + (f", with a {label_column!r} column"
                                                    if label_required else ""))
    if label_required and label_column not in header:
        raise DataError(f"{path}: no label column {label_column!r}; the header has columns "
                        f"{', '.join(header)}; name the label column with "
                        "--set data.label_column=NAME")
    if header.count(label_column) > 1:
        raise DataError(f"{path}: the header names {label_column!r} more than once; rename "
                        "the other column(s)")
    names = [h for h in header if h != label_column]
    if num_features is not None and len(names) != num_features:
        besides = f" besides {label_column!r}" if label_column in header else ""
        raise DataError(f"{path}: {len(names)} feature columns{besides}, but {model} takes "
                        f"{num_features} features (the header has columns "
                        f"{', '.join(header)})")
    return names, (header.index(label_column) if label_column in header else None)


def numbers(path, line, names, cells):
    """The cells of one row as floats, or a DataError naming the first one that is not."""
    try:
        return list(map(float, cells))
    except ValueError:
        pass
    for name, cell in zip(names, cells):
        if not is_number(cell):
            what = "empty cell" if not cell.strip() else f"not a number: {cell!r}"
            raise DataError(f"{path}, line {line}, column {name!r}: {what}")
    raise AssertionError("unreachable: every cell parsed")
