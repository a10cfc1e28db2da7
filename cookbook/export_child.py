"""Exporting from the JAX and PyTorch backends: a child process on the TensorFlow backend
(`python -m cookbook.export ...`) writes the export, checked against the outputs of the model
on the caller's backend.

`model.export(format="tf_saved_model")` does not work from every backend (on PyTorch,
torch.export fails on the dynamic batch size); `model.keras` is backend-independent, so the
child reloads it under TensorFlow. The child answers on its standard output with one JSON line
(`answer_line`): `{"result": ExportResult's fields}`, or `{"error": {"type": the cookbook
error's class, "message": its text}}`, which is raised here as the same error.
"""

import dataclasses
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

from cookbook.errors import CookbookError, ExportError
from cookbook.run_dir import RunDir


def export_from_other_backend(run, out, version, force, format="saved_model"):
    """Export in a child process on the TensorFlow backend, checked there also against the
    model's outputs on this process's backend (JAX, PyTorch); returns the fields of its
    `cookbook.export.ExportResult`."""
    run_dir = RunDir(run).check()
    # The outputs on this backend, which the child checks the export against before it moves
    # anything into place (a --force export never loses the old version to a mismatch).
    model, tokenizer = run_dir.load_model(), run_dir.tokenizer()
    examples = run_dir.examples()
    x = tokenizer.transform(examples) if tokenizer else np.asarray(examples, "float32")
    expected = model.predict(x, verbose=0)
    with tempfile.TemporaryDirectory() as scratch:
        expected_path = os.path.join(scratch, "expected.npy")
        np.save(expected_path, expected)
        args = [sys.executable, "-m", "cookbook.export", run, out, str(version or ""),
                "1" if force else "", keras_backend(), expected_path, format]
        env = {**os.environ, "KERAS_BACKEND": "tensorflow"}
        proc = subprocess.run(args, env=env, capture_output=True, text=True)
    answer = _answer(proc.stdout)
    if "result" in answer:
        return answer["result"]
    if "error" in answer:
        raise _as_error(answer["error"])
    raise ExportError(_child_failure(proc.stderr, run, out))


def _answer(stdout):
    """The child's JSON answer (its last line that parses as one), or {}."""
    for line in reversed(stdout.splitlines()):
        if line.startswith("{"):
            try:
                answer = json.loads(line)
            except ValueError:
                continue
            if isinstance(answer, dict) and ({"result", "error"} & set(answer)):
                return answer
    return {}


def _as_error(error):
    """The child's cookbook error as the same type here (`ExportError` for an unknown one)."""
    from cookbook import errors

    cls = getattr(errors, str(error.get("type")), None)
    cls = cls if isinstance(cls, type) and issubclass(cls, CookbookError) else ExportError
    return cls(str(error.get("message")))


def _child_failure(stderr, run, out):
    """One line for a child export that failed without a cookbook error: its last line."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    last = lines[-1] if lines else "no error message"
    return (f"export on the TensorFlow backend failed: {last}; see the whole error with "
            f"`KERAS_BACKEND=tensorflow cookbook export {run} --out {out}`")


def keras_backend():
    import keras

    return keras.backend.backend()


def child_arguments(argv):
    """`(run, out, options)` of the child's command line `RUN OUT VERSION FORCE BACKEND
    EXPECTED.npy FORMAT`: `options` are `cookbook.export.export`'s keyword arguments, the
    reference being the outputs on `BACKEND`."""
    run, out, version, force, backend, expected_path, format = argv
    return run, out, {"version": int(version) if version else None, "force": bool(force),
                      "reference": (backend, np.load(expected_path)), "format": format}


def answer_line(result=None, error=None) -> str:
    """The child's answer: an export's result (a dataclass), or the cookbook error it raised."""
    if error is not None:
        return json.dumps({"error": {"type": type(error).__name__, "message": str(error)}})
    return json.dumps({"result": dataclasses.asdict(result)})
