"""`cookbook export` and loading a run's model: every bad case is one clear line
(`RunDirError`), nothing is left half-written, and the signature enforces the input's shape."""

import importlib.util
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest
import tensorflow as tf

import cookbook
from cookbook import export as export_lib, export_versions, saved_model
from cookbook.cli import main
from cookbook.errors import ConfigError, ExportError, RunDirError
from cookbook.export import PARITY_TOLERANCE, export
from cookbook.run_dir import RunDir
from conftest import SMALL


@pytest.fixture(scope="module")
def tabular_run(tmp_path_factory):
    """A finished logistic_regression run (30 features): trains in about a second."""
    out = str(tmp_path_factory.mktemp("tabular") / "run")
    cookbook.train("logistic_regression", out=out, verbose=0,
                   overrides={"data.source": "sklearn", "fit.epochs": 1})
    return out


@pytest.fixture(scope="module")
def tabular_export(tabular_run, tmp_path_factory):
    return export(tabular_run, str(tmp_path_factory.mktemp("exports")))


@pytest.fixture
def run_copy(tabular_run, tmp_path):
    """A copy of the tabular run that a test may damage."""
    return shutil.copytree(tabular_run, str(tmp_path / "run"))


def cli(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err):
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cookbook: error: "), err
    return lines[0]


def test_force_keeps_the_old_version_when_the_other_backends_check_fails(tabular_run, tmp_path):
    out = str(tmp_path / "exports")
    first = export(tabular_run, out)
    pb = os.path.join(first.path, "saved_model.pb")
    with open(pb, "rb") as f:
        before = f.read()
    run = RunDir(tabular_run)
    expected = run.load_model().predict(np.asarray(run.examples(), "float32"), verbose=0)
    with pytest.raises(ExportError, match="differs from the jax model"):
        export(tabular_run, out, version=1, force=True, reference=("jax", expected + 0.5))
    with open(pb, "rb") as f:  # the version it found is there, untouched
        assert f.read() == before
    assert os.listdir(os.path.join(out, "logistic_regression")) == ["1"]
    again = export(tabular_run, out, version=1, force=True, reference=("jax", expected))
    assert again.path == first.path and again.max_abs_diff <= PARITY_TOLERANCE


HOLD_EXPORT = """
import sys
from cookbook import run_lock
run_lock.hold_file(sys.argv[1], "busy", "wait")
print("held", flush=True)
sys.stdin.read()
"""


def test_a_second_export_of_the_same_version_stops_at_once(tabular_run, tmp_path):
    base = tmp_path / "exports" / "logistic_regression"
    base.mkdir(parents=True)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_EXPORT, str(base / ".1.lock")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(RunDirError, match=f"{base / '1'} is being exported by pid "
                                              f"{holder.pid} on host .*export another --version"):
            export(tabular_run, str(tmp_path / "exports"), version=1)
        assert os.listdir(base) == [".1.lock"]  # its temporary folder is gone too
    finally:
        holder.kill()
        holder.wait()
    assert export(tabular_run, str(tmp_path / "exports"), version=1).version == 1
    assert sorted(os.listdir(base)) == ["1"]


def test_a_truncated_model_file_is_one_line(run_copy, tmp_path, capsys):
    model_file = os.path.join(run_copy, "model.keras")
    with open(model_file, "rb") as f:
        head = f.read(1000)
    with open(model_file, "wb") as f:
        f.write(head)
    with pytest.raises(RunDirError, match=r"model.keras is corrupt or truncated \(File is not a "
                                          r"zip file\); train again"):
        RunDir(run_copy).load_model()

    code, _, err = cli(capsys, "evaluate", run_copy)
    line = one_error_line(err)
    assert code == 2 and "corrupt or truncated" in line and "--out NEWDIR" in line
    assert f"cookbook run {os.path.join(run_copy, 'config.toml')}" in line

    code, _, err = cli(capsys, "export", run_copy, "--out", tmp_path / "exports")
    assert code == 2 and "corrupt or truncated" in one_error_line(err)
    assert not (tmp_path / "exports").exists()  # nothing written


def test_a_model_file_with_damaged_bytes_is_one_line(run_copy):
    model_file = os.path.join(run_copy, "model.keras")
    data = bytearray(open(model_file, "rb").read())
    middle = len(data) // 2
    data[middle:middle + 200] = bytes(b ^ 0xFF for b in data[middle:middle + 200])
    # Still a zip: Keras would read the damaged weights without checking their CRC.
    open(model_file, "wb").write(bytes(data))
    with pytest.raises(RunDirError, match=r"corrupt or truncated \(bad CRC-32 for "
                                          r"model.weights.h5\); train again"):
        RunDir(run_copy).load_model()


def test_a_lambda_layer_is_refused_not_loaded(run_copy, monkeypatch):
    import keras

    inputs = keras.Input((30,), name="features")
    x = keras.layers.Lambda(lambda t: t * 2.0)(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))
    model.save(os.path.join(run_copy, "model.keras"))

    calls = []
    load = keras.saving.load_model
    monkeypatch.setattr(keras.saving, "load_model",
                        lambda *args, **kwargs: calls.append(kwargs) or load(*args, **kwargs))
    with pytest.raises(RunDirError) as info:
        RunDir(run_copy).load_model()
    message = str(info.value)
    assert ("contains a Lambda layer (arbitrary Python code), which cookbook will not load"
            in message)
    assert "\n" not in message and "train again" in message
    assert calls == [{"safe_mode": True}]  # never retried unsafely


def test_another_load_error_is_its_first_line(run_copy, monkeypatch):
    import keras

    def fail(*args, **kwargs):
        raise TypeError("<class 'Functional'> could not be deserialized properly.\n\nconfig={...}")

    monkeypatch.setattr(keras.saving, "load_model", fail)
    with pytest.raises(RunDirError) as info:
        RunDir(run_copy).load_model()
    message = str(info.value)
    assert ("could not be loaded: TypeError: <class 'Functional'> could not be deserialized"
            in message)
    assert "\n" not in message and "config=" not in message


def test_out_that_is_a_file_is_one_line(tabular_run, tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("keep me")
    with pytest.raises(RunDirError, match=f"{afile} is a file, not a folder; pass --out a folder"):
        export(tabular_run, str(afile))
    with pytest.raises(RunDirError, match=f"{afile} is a file, not a folder"):
        export(tabular_run, str(afile / "below"))

    code, _, err = cli(capsys, "export", tabular_run, "--out", afile)
    assert code == 2 and "is a file, not a folder" in one_error_line(err)
    assert afile.read_text() == "keep me"


@pytest.mark.parametrize("blocked", ["makedirs", "mkdtemp"])
def test_out_we_cannot_write_to_is_one_line(tabular_run, tmp_path, monkeypatch, blocked):
    out = tmp_path / "readonly"
    real = {"makedirs": os.makedirs, "mkdtemp": export_versions.tempfile.mkdtemp}[blocked]

    def denied(path=None, *args, **kwargs):
        where = kwargs.get("dir", path)
        if str(where).startswith(str(out)):
            raise PermissionError(13, "Permission denied", str(where))
        return real(path, *args, **kwargs) if path is not None else real(*args, **kwargs)

    owner = os if blocked == "makedirs" else export_versions.tempfile
    monkeypatch.setattr(owner, blocked, denied)
    base = os.path.join(str(out), "logistic_regression")
    with pytest.raises(RunDirError) as info:
        export(tabular_run, str(out))
    assert str(info.value) == (f"cannot write to {base}: permission denied; pass --out a folder "
                               "you can write to, or fix its permissions")


def dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_temporary_folders_go_live_ones_stay(tabular_run, tmp_path):
    base = tmp_path / "exports" / "logistic_regression"
    host, dead, alive = export_versions.host(), dead_pid(), os.getpid()
    names = {
        "dead": f".1.tmp-{host}-{dead}-abcd1234",
        "alive": f".1.tmp-{host}-{alive}-abcd1234",
        "other_host": f".1.tmp-elsewhere-{dead}-abcd1234",  # pid means nothing here: age rule
        "legacy_fresh": ".1.tmp-efgh5678",
        "legacy_old": ".1.tmp-ijkl9012",
        "killed_force": f".3.old-{host}-{dead}-mnop3456",
    }
    for name in names.values():
        (base / name).mkdir(parents=True)
        (base / name / "saved_model.pb").write_bytes(b"partial")
    hours_ago = time.time() - 2 * export_versions.STALE_AFTER_S
    for path in (base / names["legacy_old"], base / names["legacy_old"] / "saved_model.pb"):
        os.utime(path, (hours_ago, hours_ago))
    (base / names["killed_force"] / "v").mkdir()  # version 3, swapped out when killed
    (base / names["killed_force"] / "v" / "saved_model.pb").write_bytes(b"version 3")

    result = export(tabular_run, str(tmp_path / "exports"))
    assert result.path == str(base / "4") and result.max_abs_diff < export_lib.PARITY_TOLERANCE
    assert sorted(os.listdir(base)) == sorted(
        ["3", "4", names["alive"], names["other_host"], names["legacy_fresh"]])
    assert (base / "3" / "saved_model.pb").read_bytes() == b"version 3"  # put back, not lost


def test_a_failed_export_leaves_no_temporary_folder(tabular_run, tmp_path, monkeypatch):
    base = tmp_path / "exports" / "logistic_regression"
    seen = []

    def fail(tf, keras, model, tokenizer, task, class_names, path):
        seen.append(os.path.basename(path))
        open(os.path.join(path, "saved_model.pb"), "wb").close()  # half-written
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(saved_model, "write_saved_model", fail)
    with pytest.raises(RunDirError, match=f"cannot write to {base}: No space left on device"):
        export(tabular_run, str(tmp_path / "exports"))
    assert seen[0].startswith(f".1.tmp-{export_versions.host()}-{os.getpid()}-")
    assert os.listdir(base) == []


def signature(path):
    return tf.saved_model.load(path).signatures["serving_default"]


def test_tabular_signature_enforces_the_number_of_features(tabular_export):
    serve = signature(tabular_export.path)
    assert serve.structured_input_signature[1]["features"].shape.as_list() == [None, 30]
    assert serve(features=tf.zeros((2, 30)))["probability"].shape == (2,)
    for shape in [(2, 29), (2, 15, 2), (60,)]:
        with pytest.raises(tf.errors.InvalidArgumentError, match="not compatible"):
            serve(features=tf.zeros(shape))


def test_images_of_another_size_get_one_answer_from_predict_and_the_saved_model(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(0)
    digits = tmp_path / "digits.npz"
    np.savez(digits, x=rng.integers(0, 256, (60, 28, 28), dtype=np.uint8),
             y=np.repeat(np.arange(10), 6))
    run = str(tmp_path / "run")
    cookbook.train("mnist_dense", out=run, verbose=0,
                   overrides={**SMALL["mnist_dense"], "data.source": str(digits),
                              "fit.epochs": 1})
    serve = signature(export(run, str(tmp_path / "exports")).path)
    assert serve.structured_input_signature[1]["image"].shape.as_list() == [None, None, None]
    assert serve(image=tf.zeros((2, 28, 28)))["probabilities"].shape == (2, 10)
    # A digit drawn at 14x56 (blocks of 4 pixels, like a scan): the file through predict and the
    # pixels through the SavedModel are both resized to 28x28 by the one rule, and agree.
    wide = np.kron(rng.integers(0, 256, (4, 14)), np.ones((4, 4))).astype(np.uint8)[:14, :56]
    Image.fromarray(wide).save(tmp_path / "wide.png")
    [record] = cookbook.predict(run, paths=[str(tmp_path / "wide.png")])
    served = serve(image=tf.constant(wide[None], tf.float32))
    assert int(served["class_id"][0]) == record["class_id"]
    np.testing.assert_allclose(served["probabilities"][0], record["probabilities"], atol=2e-3)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[2,28,28,3\] is not compatible"):
        serve(image=tf.zeros((2, 28, 28, 3)))  # colour where the model takes grey


def test_negative_version_is_one_line(tabular_run, tmp_path):
    with pytest.raises(ConfigError, match="--version -1 is negative"):
        export(tabular_run, str(tmp_path / "exports"), version=-1)
    assert not (tmp_path / "exports").exists()


def cookbook_on(backend, *args):
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run([sys.executable, "-m", "cookbook", *map(str, args)], env=env,
                          capture_output=True, text=True)


def test_export_from_jax_writes_a_checked_signature_and_passes_errors_on(tabular_run, run_copy,
                                                                        tmp_path):
    if importlib.util.find_spec("jax") is None:
        pytest.skip("jax is not installed")
    proc = cookbook_on("jax", "export", tabular_run, "--out", tmp_path / "exports")
    assert proc.returncode == 0, proc.stderr
    serve = signature(str(tmp_path / "exports" / "logistic_regression" / "1"))
    assert serve(features=tf.zeros((2, 30)))["probability"].shape == (2,)
    with pytest.raises(tf.errors.InvalidArgumentError):
        serve(features=tf.zeros((2, 29)))

    with open(os.path.join(run_copy, "model.keras"), "wb") as f:
        f.write(b"PK\x03\x04 truncated")
    proc = cookbook_on("jax", "export", run_copy, "--out", tmp_path / "exports")
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("cookbook:")]
    assert proc.returncode == 2 and len(lines) == 1 and "corrupt or truncated" in lines[0]
    assert "Traceback" not in proc.stderr
    assert sorted(os.listdir(tmp_path / "exports" / "logistic_regression")) == ["1"]
