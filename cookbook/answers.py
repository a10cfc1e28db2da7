"""From a model's output to its answer: the one rule `cookbook predict`, the exported models'
signatures and the run's plots all use.

A classifier with one sigmoid output answers class 1 when its probability is at least
`THRESHOLD`, else class 0; one with a softmax over several classes answers the most probable
class. NumPy arrays or the backend's tensors in (inside the exports: TensorFlow's). The answer's
name is the run's class name for that id (`class_name`), and the outputs are named as in
`OUTPUT_KEYS` (`cookbook.serving` builds the same in TensorFlow graphs).

Example:

```python
class_ids(np.array([[0.2], [0.7]]))          # [0, 1]
class_ids(np.array([[0.1, 0.6, 0.3]]))       # [1]
```
"""

THRESHOLD = 0.5
# The output holding the model's values: regression, binary, several classes.
OUTPUT_KEYS = ("prediction", "probability", "probabilities")


def is_binary(probs):
    """Whether `probs` are one probability per example (`(N,)` or `(N, 1)`)."""
    return len(probs.shape) == 1 or probs.shape[-1] == 1


def class_ids(probs, dtype="int32", ops=None):
    """The answer for each row of `probs`, as class ids of `dtype`.

    Args:
        probs: probabilities, `(N, classes)`, or `(N, 1)` / `(N,)` for binary models.
        dtype: the ids' dtype (exported models give int64, which JAX has only with x64).
        ops: the module that computes it: `keras.ops` (default; backend tensors out), or
            `tensorflow` inside exported graphs (ONNX and LiteRT converters lack some of the
            operations `keras.ops.argmax` uses on TensorFlow).
    """
    if ops is None:
        import keras

        ops = keras.ops
    if is_binary(probs):
        p = ops.reshape(probs, (-1,))
        return ops.cast(ops.greater_equal(p, THRESHOLD), dtype)
    return ops.cast(ops.argmax(probs, axis=-1), dtype)


def class_name(class_names, class_id) -> str:
    """The name of `class_id`: its entry in `class_names`, or the id itself as text where the
    run recorded no name for it."""
    return str(class_names[class_id]) if 0 <= class_id < len(class_names) else str(class_id)


def output_key(outputs) -> str:
    """Which of `OUTPUT_KEYS` a model's named outputs (a dict) hold their values under."""
    return next(k for k in OUTPUT_KEYS if k in outputs)


def answer(row, class_id, task, class_names) -> dict:
    """The named outputs for one example, as plain Python values: what `cookbook predict`
    prints and the exports return.

    Args:
        row: the model's outputs for the example, `(classes,)`, `(1,)` (binary or one
            regression target) or `(targets,)`.
        class_id: its class id (`class_ids`); unused for regression.
        task: `"classification"` or `"regression"`.
        class_names: the run's class names.

    Example:

    >>> answer([0.8], 1, "classification", ["cat", "dog"])
    {'class_name': 'dog', 'class_id': 1, 'probability': 0.8}
    """
    if task == "regression":
        return {"prediction": float(row[0]) if len(row) == 1 else [float(v) for v in row]}
    named = {"class_name": class_name(class_names, class_id), "class_id": class_id}
    if len(row) == 1:
        return {**named, "probability": round(float(row[0]), 6)}
    return {**named, "probabilities": [round(float(p), 6) for p in row]}
