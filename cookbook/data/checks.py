"""Checks of a dataset's arrays before any training: labels, targets, feature values, splits.

Every check raises a one-line `DataError`, `"<origin>: <what is wrong>; <what to do>"`, where
`origin` names the file (or the data in words).
"""

import contextlib
import csv
import gzip
import zlib

import numpy as np

from cookbook.errors import DataError

SHOWN = 5  # bad values named in a message, then a count
CHUNK = 1 << 22  # elements per pass when locating bad feature values
GZIP_ERRORS = (zlib.error, EOFError, gzip.BadGzipFile)
FLOAT32_MAX = float(np.finfo(np.float32).max)


def finite(x):
    """Elementwise: whether each value is finite and within float32's range, the rule every
    feature and target check applies (a value beyond float32 turns infinite in the model)."""
    with np.errstate(invalid="ignore"):
        return np.isfinite(x) & (np.abs(x) <= FLOAT32_MAX)


def check_labels(y, num_classes, origin):
    """Class ids `y` as int64, after checking each is a whole number in `[0, num_classes)`.

    Whole floats (`1.0`) and booleans are accepted and converted; anything else (a fraction,
    NaN, a negative or too large id, strings) is a DataError naming the first few bad values,
    their count and the allowed range.
    """
    y = np.asarray(y)
    allowed = f"0 to {num_classes - 1} ({num_classes} classes)"
    if y.dtype.kind not in "biuf":
        raise DataError(f"{origin}: labels are {y.dtype} values, not class ids; save the labels "
                        f"as whole numbers {allowed}")
    if y.dtype.kind == "f":
        with np.errstate(invalid="ignore"):
            bad = ~np.isfinite(y) | (y != np.round(y))
        _raise_bad(origin, y, bad, "label(s) are not whole numbers",
                   f"labels are class ids {allowed}; save them as integers")
    bad = (y < 0) | (y >= num_classes)
    _raise_bad(origin, y, bad, "label(s) out of range",
               f"labels must be class ids {allowed}; fix or drop those examples")
    return y.astype(np.int64)


def check_targets(y, origin):
    """Regression targets `y`, after checking they are finite numbers."""
    y = np.asarray(y)
    if y.dtype.kind not in "biuf":
        raise DataError(f"{origin}: targets are {y.dtype} values; save the targets as numbers")
    if y.dtype.kind == "f":
        _raise_bad(origin, y, ~finite(y), "target(s) are NaN or infinite",
                   "fill in or drop those examples")
    return y


def _raise_bad(origin, y, bad, what, fix):
    """A DataError naming the first few values of `y` where `bad`, their count and the first
    index, when there are any."""
    if not bad.any():
        return
    rows = np.flatnonzero(bad)
    values = list(dict.fromkeys(_fmt(v) for v in y[rows]))
    shown = ", ".join(values[:SHOWN]) + (", ..." if len(values) > SHOWN else "")
    raise DataError(f"{origin}: {len(rows)} {what}: {shown} (first at row index {rows[0]}); "
                    f"{fix}")


def _fmt(value):
    value = value.item()
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def check_finite(x, origin):
    """Check that numeric features `x` hold no NaN, infinite or beyond-float32 values.

    Only float arrays are looked at (integer pixels cannot be NaN; texts and lazily read
    images are skipped). One `min`/`max` pass decides; the bad values are located, a chunk of
    rows at a time, only when there are some.
    """
    if not isinstance(x, np.ndarray) or x.dtype.kind not in "fc" or x.size == 0:
        return
    low, high = np.min(x), np.max(x)  # NaN propagates through both
    if finite(low) and finite(high):
        return
    nan, huge, first = _locate_non_finite(x)
    found = " and ".join(part for part in (f"{nan} NaN" if nan else "",
                                           f"{huge} infinite (or beyond float32)" if huge else "")
                         if part)
    raise DataError(f"{origin}: the features hold {found} value(s), first in row index {first}; "
                    "fill in or drop those values (e.g. np.nan_to_num, or remove those rows) "
                    "and save the file again")


def _locate_non_finite(x):
    """`(NaN count, infinite or beyond-float32 count, first bad row)` of `x`, by chunks."""
    step = max(1, CHUNK // max(1, x[:1].size))
    nan = huge = 0
    first = None
    for start in range(0, len(x), step):
        chunk = x[start:start + step].reshape(min(step, len(x) - start), -1)
        is_nan = np.isnan(chunk)
        is_huge = ~is_nan & ~finite(chunk)
        bad_rows = np.flatnonzero((is_nan | is_huge).any(axis=1))
        nan += int(is_nan.sum())
        huge += int(is_huge.sum())
        if first is None and len(bad_rows):
            first = start + int(bad_rows[0])
    return nan, huge, first


def check_split(y, n_test, origin=None):
    """Check that a stratified split of class ids `y` with `n_test` examples in the second part
    can put every class in both parts (each class needs >= 2 examples)."""
    where = f"{origin}: " if origin else ""
    if len(y) == 0:
        raise DataError(f"{where}no examples to split; add at least 2 examples of each class")
    classes, counts = np.unique(y, return_counts=True)
    single = classes[counts < 2]
    if len(single):
        shown = ", ".join(map(str, single[:SHOWN])) + (", ..." if len(single) > SHOWN else "")
        raise DataError(f"{where}class id(s) {shown} have a single example; the stratified "
                        "split needs at least 2 examples per class (one to train on, one to "
                        "test on): add examples of that class or drop it")
    if min(n_test, len(y) - n_test) < len(classes):
        raise DataError(f"{where}{len(y)} examples split {len(y) - n_test}/{n_test} cannot put "
                        f"all {len(classes)} classes in both parts; add examples")


@contextlib.contextmanager
def read_errors(path, reading):
    """Inside: a file that cannot be read as `reading` (e.g. `"a CSV file"`) fails with one
    line: not gzip or corrupt (`gzip_error`), not UTF-8 (`encoding_error`), or the system's
    reason."""
    try:
        yield
    except GZIP_ERRORS as e:
        raise gzip_error(path, e, reading) from None
    except UnicodeDecodeError:
        raise encoding_error(path, reading) from None
    except (OSError, csv.Error) as e:
        raise DataError(f"{path}: cannot read as {reading} ({e})") from None


def encoding_error(path, reading):
    """A DataError for a text file that is not UTF-8, naming what it looks like and how to
    save it (a spreadsheet's "CSV UTF-8" is read as it is, byte-order mark and CRLF included).

    `reading` says what the file was read as, e.g. `"a CSV file"`.
    """
    try:
        with (gzip.open if str(path).endswith(".gz") else open)(path, "rb") as f:
            start = f.read(4096)
    except (OSError, EOFError):
        start = b""
    if start[:2] in (b"\xff\xfe", b"\xfe\xff") or start[1:200:2].count(0) > 50:
        looks = "UTF-16 (what Excel saves as \"Unicode Text\")"
    else:
        looks = "another encoding than UTF-8, such as Latin-1 or Windows-1252"
    return DataError(f"{path}: cannot read as {reading}: the text is in {looks}; save it as "
                     "UTF-8 (in a spreadsheet: \"CSV UTF-8\")")


def gzip_error(path, error, reading):
    """A DataError for a `.gz` file gzip cannot read: not gzip at all, or corrupt/truncated.

    `reading` says what the file was read as, e.g. `"a CSV file"`.
    """
    try:
        with open(path, "rb") as f:
            is_gzip = f.read(2) == b"\x1f\x8b"
    except OSError:
        is_gzip = True
    if not is_gzip:
        return DataError(f"{path}: cannot read as {reading}: not a gzip file, though its name "
                         "ends in .gz; compress it with gzip, or remove .gz from its name")
    return DataError(f"{path}: cannot read as {reading}: the file is corrupt (not a complete "
                     f"gzip file: {_reason(error)}); re-download or re-compress it")


def _reason(error):
    """A short reason for a gzip error, for the message."""
    if isinstance(error, EOFError):
        return "truncated, it ends early"
    if isinstance(error, zlib.error):
        return "corrupted compressed data"
    return str(error) or type(error).__name__
