"""ONNX and LiteRT exports of a run's model, and answers from them through their own runtimes.

`cookbook export RUN --format onnx|litert` writes `<out>/<recipe>/<version>/model.onnx` or
`model.tflite` (`cookbook.export` does the versioned, atomic layout and calls `write` and
`parity` here). The file takes the model's own input and gives the outputs of
`cookbook.serving` (`probabilities` / `probability`, `class_id`, `class_name`; `prediction` for
regression):

- images: float32 pixel values 0-255 at the model's size, `(N, 28, 28)` for MNIST, `(N, 32, 32, 3)`
  for CIFAR-10 (cats_vs_dogs takes photos of any size and resizes them itself); unlike the
  SavedModel, no resizing of other sizes is inside (read files with `cookbook.data.images`);
- tabular: float32 `(N, features)`;
- text: the tokenizer's output, not strings (ONNX Runtime and LiteRT's built-in operations have no
  text vectorization): int32 token ids `(N, sequence_length)`, or a float32 bag of words
  `(N, vocab_size)` for bow_mlp. `vocabulary.txt` and `tokenizer.json` (the rule,
  `cookbook.text.Tokenizer.rule`) are written next to the model; `cookbook predict RUN
  --exported FILE` applies them for you.

The runtimes are extras: `pip install "cookbook[onnx]"` (tf2onnx writes the file, onnxruntime
checks it) and `"cookbook[litert]"` (TensorFlow's converter writes it, ai-edge-litert checks it).
Writing needs TensorFlow; answering from a written file needs only the runtime.
"""

import importlib.util
import json
import os
import tempfile

import numpy as np

from cookbook.answers import output_key
from cookbook.errors import DataError, MissingDependencyError
from cookbook.framework_logs import hidden_framework_logs
from cookbook.serving import max_abs_diff

TOKENIZER_FILE = "tokenizer.json"
# format: (file name, label, extra, modules needed to write, modules needed to answer)
FORMATS = {
    "onnx": ("model.onnx", "ONNX", "onnx", ("tf2onnx", "onnxruntime"), ("onnxruntime",)),
    "litert": ("model.tflite", "LiteRT", "litert", ("ai_edge_litert",), ("ai_edge_litert",)),
}
OUTPUT_KEYS = ("probabilities", "probability", "class_id", "class_name", "prediction")


def file_name(fmt):
    return FORMATS[fmt][0]


def require(fmt, to="export"):
    """Fail with the extra to install unless the packages `fmt` needs `to` "export" or
    "answer" are installed."""
    _, label, extra, for_export, for_answer = FORMATS[fmt]
    missing = [m for m in (for_export if to == "export" else for_answer)
               if importlib.util.find_spec(m) is None]
    if missing:
        what = "exporting to" if to == "export" else "answering from"
        raise MissingDependencyError(
            f"{what} {label} needs {', '.join(m.replace('_', '-') for m in missing)}, which is "
            f"not installed: pip install \"cookbook[{extra}]\"")


def format_of(path):
    """`"onnx"` or `"litert"` from an exported file's name."""
    for fmt, (name, *_rest) in FORMATS.items():
        if path.endswith(os.path.splitext(name)[1]):
            return fmt
    raise DataError(f"--exported {path}: not an ONNX (.onnx) or LiteRT (.tflite) file; pass the "
                    "model file `cookbook export --format onnx|litert` wrote")


def write(fmt, tf, keras, model, tokenizer, task, class_names, folder):
    """Write the model as `fmt` into `folder` (with the tokenizer's files for text); returns the
    input's name."""
    from cookbook.serving import input_spec, serving_outputs

    input_name = model.inputs[0].name
    if fmt == "litert":
        model = _unrolled(keras, model)  # LiteRT's built-ins have no loop over a tensor list
    spec = input_spec(tf, model, input_name, any_image_size=False)

    def serve(x):
        return serving_outputs(tf, model(x, training=False), task, class_names)

    serve.__name__ = f"serve_{input_name}"
    function = tf.function(serve, input_signature=[spec])
    path = os.path.join(folder, file_name(fmt))
    # The converters log their passes; shown only when they fail (`cookbook.framework_logs`).
    with hidden_framework_logs():
        if fmt == "onnx":
            _write_onnx(tf, function, input_name, path)
        else:
            _write_litert(tf, keras, model, function, spec, path)
    if tokenizer is not None:
        tokenizer.save(folder)
        with open(os.path.join(folder, TOKENIZER_FILE), "w", encoding="utf-8") as f:
            json.dump(tokenizer.rule(), f, indent=1)
            f.write("\n")
    return input_name


def _write_onnx(tf, function, input_name, path):
    import tf2onnx
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2)

    concrete = function.get_concrete_function()
    # Constants for the weights and for the tensors layers hold (a Normalization's mean), which
    # tf2onnx would otherwise leave as inputs; loops kept as loops (an LSTM converts then).
    frozen = convert_variables_to_constants_v2(concrete, lower_control_flow=False)
    keys = sorted(concrete.structured_outputs)  # the flattened outputs come in key order
    onnx_model, _ = tf2onnx.convert.from_graph_def(
        frozen.graph.as_graph_def(), input_names=[frozen.inputs[0].name],
        output_names=[t.name for t in frozen.outputs])
    _rename(onnx_model, {frozen.inputs[0].name: input_name,
                         **{t.name: k for t, k in zip(frozen.outputs, keys)}})
    with open(path, "wb") as f:
        f.write(onnx_model.SerializeToString())


def _rename(onnx_model, names):
    """Give the graph's inputs and outputs the signature's names (tf2onnx keeps `x:0`)."""
    graph = onnx_model.graph
    for value in list(graph.input) + list(graph.output):
        value.name = names.get(value.name, value.name)
    for node in graph.node:
        node.input[:] = [names.get(n, n) for n in node.input]
        node.output[:] = [names.get(n, n) for n in node.output]


def _write_litert(tf, keras, model, function, spec, path):
    # TensorFlow's converter keeps the signature's names when it reads a SavedModel.
    with tempfile.TemporaryDirectory() as scratch:
        archive = keras.export.ExportArchive()
        archive.track(model)
        archive.add_endpoint("serving_default", function, input_signature=[spec])
        archive.write_out(scratch, verbose=False)
        flatbuffer = tf.lite.TFLiteConverter.from_saved_model(scratch).convert()
    with open(path, "wb") as f:
        f.write(flatbuffer)


def _unrolled(keras, model):
    """`model` with its recurrent layers unrolled (same weights), or `model` itself when it has
    none: an unrolled LSTM is plain operations, which LiteRT runs without TensorFlow's."""
    recurrent = (keras.layers.RNN, keras.layers.Bidirectional)
    if not any(isinstance(layer, recurrent) for layer in model.layers):
        return model

    def clone(layer):
        config = layer.get_config()
        if isinstance(layer, keras.layers.Bidirectional):
            for key in ("layer", "backward_layer"):
                if config.get(key):
                    config[key]["config"]["unroll"] = True
        elif isinstance(layer, keras.layers.RNN):
            config["unroll"] = True
        return layer.__class__.from_config(config)

    unrolled = keras.models.clone_model(model, clone_function=clone)
    unrolled.set_weights(model.get_weights())
    return unrolled


class Runtime:
    """An exported ONNX or LiteRT file, answering through its own runtime.

    Args:
        path: `model.onnx` or `model.tflite` written by `cookbook export`.

    Example:

    ```python
    runtime = Runtime("exports/mnist_dense/1/model.onnx")
    runtime(np.zeros((1, 28, 28), "float32"))["class_id"]   # array([3])
    ```
    """

    def __init__(self, path):
        self.path = path
        self.format = format_of(path)
        self._first_call = True
        require(self.format, to="answer")
        if not os.path.isfile(path):
            raise DataError(f"--exported {path}: not found")
        try:
            self._load(path)
        except MissingDependencyError:
            raise
        except Exception as e:  # the runtimes raise their own types for a damaged file
            first = (str(e).strip().splitlines() or [type(e).__name__])[0]
            raise DataError(f"--exported {path}: the {FORMATS[self.format][1]} runtime cannot "
                            f"load it ({first[:200]}); export it again") from None

    def _load(self, path):
        if self.format == "onnx":
            import onnxruntime

            self._session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
            self.input = self._session.get_inputs()[0]
            self.input_dtype = np.int32 if "int32" in self.input.type else np.float32
        else:
            from ai_edge_litert.interpreter import Interpreter

            interpreter = Interpreter(model_path=path)
            self._runner = interpreter.get_signature_runner("serving_default")
            [(self._input_key, detail)] = self._runner.get_input_details().items()
            self.input_dtype = detail["dtype"]

    def __call__(self, x):
        """The named outputs (NumPy arrays, `class_name` as str) for a batch `x`."""
        x = np.asarray(x, dtype=self.input_dtype)
        try:
            if self.format == "onnx":
                names = [o.name for o in self._session.get_outputs()]
                outputs = dict(zip(names, self._session.run(None, {self.input.name: x})))
            elif self._first_call:  # LiteRT names its delegate then; later calls say nothing
                with hidden_framework_logs():
                    outputs = dict(self._runner(**{self._input_key: x}))
                self._first_call = False
            else:
                outputs = dict(self._runner(**{self._input_key: x}))
        except Exception as e:  # e.g. the file of another run, whose input has another shape
            first = (str(e).strip().splitlines() or [type(e).__name__])[0]
            raise DataError(f"--exported {self.path} does not take inputs of shape {x.shape} "
                            f"({first[:200]}); pass the file exported from this run") from None
        if "class_name" in outputs:
            outputs["class_name"] = np.array([n.decode("utf-8") if isinstance(n, bytes) else n
                                              for n in outputs["class_name"]], dtype=object)
        return outputs


def parity(fmt, folder, model, tokenizer, examples):
    """`(largest absolute difference, outputs)`: the written file, through its runtime, against
    the Keras model on `examples`."""
    x = tokenizer.transform(examples) if tokenizer else np.asarray(examples, "float32")
    served = Runtime(os.path.join(folder, file_name(fmt)))(x)
    expected = model.predict(x, verbose=0)
    key = output_key(served)
    return max_abs_diff(served[key], expected), served[key]
