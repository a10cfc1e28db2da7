"""Checks that data fits a model before any step runs: input shape and dtype, class ids.

Example:

```python
check_inputs(model, x_test, origin="test.npz")
check_labels(model, "classification", y_test, origin="test.npz")
```
"""

import numpy as np

from cookbook.errors import DataError


def check_inputs(model, x, origin="data"):
    """Fail with expected vs got when `x` does not fit the model's input."""
    expected = tuple(model.input_shape)
    name = model.inputs[0].name if model.inputs else "input"
    shape = "(N, " + ", ".join("any" if d is None else str(d) for d in expected[1:]) + ")"
    x = np.asarray(x) if not hasattr(x, "shape") else x
    if x.ndim != len(expected) or any(
            e is not None and e != g for e, g in zip(expected[1:], x.shape[1:])):
        raise DataError(f"{origin}: {model.name} expects input '{name}' of shape {shape}, "
                        f"got {tuple(x.shape)}")
    if x.dtype.kind not in "biuf":
        raise DataError(f"{origin}: {model.name} expects numbers for input '{name}', got dtype "
                        f"{x.dtype}" + (" (text must be tokenized first)"
                                        if x.dtype.kind in "OSU" else ""))


def check_labels(model, task, y, origin="data"):
    """For a classifier, fail unless the class ids `y` fit the model's output (one unit: two
    classes; else one unit per class)."""
    from cookbook.data.checks import check_labels as check_class_ids

    if task != "classification":
        return
    units = model.output_shape[-1]
    classes = 2 if units == 1 else units
    check_class_ids(y, classes, f"{origin}, for a model of {classes} classes")
