"""From a model's output to its answer: the one rule `cookbook predict`, the exported
SavedModel's signature and the run's plots all use.

A classifier with one sigmoid output answers class 1 when its probability is at least
`THRESHOLD`, else class 0; one with a softmax over several classes answers the most probable
class. NumPy arrays or the backend's tensors in (inside the SavedModel: TensorFlow's).

Example:

```python
class_ids(np.array([[0.2], [0.7]]))          # [0, 1]
class_ids(np.array([[0.1, 0.6, 0.3]]))       # [1]
```
"""

THRESHOLD = 0.5


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
