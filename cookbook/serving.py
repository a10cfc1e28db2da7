"""What an exported model takes and answers, the same in every format (SavedModel, ONNX, LiteRT).

Its input is named as the model's (`image`, `features`, `tokens`; the SavedModel of a text recipe
takes raw strings as `review`), and its outputs are:

- classifiers with several classes: `probabilities`, `class_id`, `class_name`;
- binary classifiers: `probability` (of class 1), `class_id` (probability >= 0.5), `class_name`;
- regression: `prediction`.

`class_id` follows `cookbook.answers`, the rule `cookbook predict` and the plots answer by.
These functions build TensorFlow graphs: the exports need TensorFlow (`cookbook.export`).
"""

from cookbook.answers import class_ids, is_binary


def serving_outputs(tf, probs, task, class_names):
    """The named outputs (a dict of tensors) for a batch of model outputs `probs`."""
    if task == "regression":
        return {"prediction": probs[:, 0]}
    ids = class_ids(probs, "int64", ops=tf)
    names = tf.gather(tf.constant(class_names or [""]), ids)
    if is_binary(probs):
        return {"probability": probs[:, 0], "class_id": ids, "class_name": names}
    return {"probabilities": probs, "class_id": ids, "class_name": names}


def input_spec(tf, model, name, any_image_size=True):
    """The serving input of a model with one input: its input shape, any batch size.

    Args:
        tf: the TensorFlow module.
        model: a Keras model with one input.
        name: the input's name.
        any_image_size: images of any height and width (`to_image_size` brings them to the
            model's); else the model's own size.

    Returns:
        A `tf.TensorSpec` of the model input's dtype and shape `(None, *input_shape[1:])`:
        every other dimension the model fixes is fixed.
    """
    shape = tuple(model.inputs[0].shape)
    if any_image_size and image_size(model):
        shape = (None, None, None) + shape[3:]
    return tf.TensorSpec((None,) + shape[1:], model.inputs[0].dtype, name=name)


def image_size(model):
    """`(height, width)` of an image model's fixed input size, or None (tabular and text
    models, and image models that take any size)."""
    shape = tuple(model.inputs[0].shape)
    if len(shape) not in (3, 4) or None in shape[1:3]:
        return None
    return shape[1:3]


def to_image_size(tf, x, size):
    """Images `x` (`(N, H, W)` grey or `(N, H, W, C)`) at `size`, resized by the rule image files
    are read by (`cookbook.data.images.RESAMPLING`) where their size differs."""
    from cookbook.data.images import RESAMPLING

    grey = x.shape.rank == 3

    def resized():
        y = tf.image.resize(x[..., None] if grey else x, size, method=RESAMPLING, antialias=True)
        y = tf.round(tf.clip_by_value(y, 0.0, 255.0))  # whole pixel values, as a decoded file
        return y[..., 0] if grey else y

    same = tf.reduce_all(tf.equal(tf.shape(x)[1:3], size))
    return tf.ensure_shape(tf.cond(same, lambda: x, resized), (None,) + tuple(size) + x.shape[3:])


def max_abs_diff(served, expected):
    """Largest absolute difference between an export's outputs and the Keras model's."""
    import numpy as np

    expected = np.asarray(expected)
    return float(np.max(np.abs(np.asarray(served).reshape(expected.shape) - expected)))
