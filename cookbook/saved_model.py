"""The SavedModel TF Serving loads: one `serving_default` signature (`cookbook.serving` says
what it takes and answers), and its check against the Keras model."""

import numpy as np

from cookbook.answers import output_key
from cookbook.serving import image_size, input_spec, max_abs_diff, serving_outputs, to_image_size
from cookbook.text import NO_WORDS, has_words


def write_saved_model(tf, keras, model, tokenizer, task, class_names, path):
    """Write `model` (and the text `tokenizer`, if any) as a SavedModel with the
    `serving_default` signature `cookbook.serving` describes; returns the input's name."""

    def outputs(probs):
        return serving_outputs(tf, probs, task, class_names)

    archive = keras.export.ExportArchive()
    archive.track(model)
    if tokenizer is not None:
        vectorize = tokenizer.layer()
        vectorize.build(None)  # the lookup table exists with the vocabulary; build marks it so
        archive.track(vectorize)
        input_name = "review"
        spec = tf.TensorSpec([None], tf.string, name=input_name)

        def serve(review):
            review = tf.ensure_shape(review, spec.shape)
            tokens = vectorize(review)
            # One answer for the same input: `cookbook predict` refuses such a text too.
            tf.debugging.assert_equal(has_words(tokens), True, message=f"a review with {NO_WORDS}")
            return outputs(model(tokens, training=False))
    else:
        input_name = model.inputs[0].name
        spec = input_spec(tf, model, input_name)
        size = image_size(model)

        def serve(x):
            # A signature does not check its input's shape itself: a tabular model would take
            # (N, 15, 2) for (N, 30). EnsureShape fails the call instead.
            x = tf.ensure_shape(x, spec.shape)
            if size:
                x = to_image_size(tf, x, size)
            return outputs(model(x, training=False))
    serve.__name__ = f"serve_{input_name}"
    archive.add_endpoint("serving_default", serve, input_signature=[spec])
    archive.write_out(path, verbose=False)
    return input_name


def parity(tf, model, tokenizer, path, input_name, examples):
    """`(largest absolute difference, served outputs)`: the SavedModel against the Keras model
    on `examples`."""
    signature = tf.saved_model.load(path).signatures["serving_default"]
    if tokenizer is not None:
        served = signature(**{input_name: tf.constant(examples)})
        expected = model.predict(tokenizer.transform(examples), verbose=0)
    else:
        x = np.asarray(examples, dtype="float32")
        served = signature(**{input_name: tf.constant(x)})
        expected = model.predict(x, verbose=0)
    key = output_key(served)
    return max_abs_diff(served[key].numpy(), expected), served[key].numpy()
