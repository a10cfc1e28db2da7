"""The command line end to end: run -> evaluate -> export, and its errors."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from cookbook.cli import main
from cookbook.text import NO_WORDS
from cookbook.devices import accelerators, list_devices
from conftest import SMALL, write_reviews_csv


def small_sets(recipe, epochs=1):
    sets = [f"{k}={json.dumps(v)}" for k, v in SMALL.get(recipe, {}).items()]
    return sum((["--set", s] for s in sets + [f"fit.epochs={epochs}"]), [])


def cli(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_mnist_run_evaluate_export(tmp_path, capsys, mnist_npz):
    run, exports = tmp_path / "run", tmp_path / "exports"
    code, out, err = cli(capsys, "run", "mnist_dense", "--data", mnist_npz, "--out", run,
                         "--quiet", *small_sets("mnist_dense"))
    assert code == 0, err
    assert "mnist_dense: test accuracy" in out and str(run) in out

    code, out, _ = cli(capsys, "evaluate", run)
    result = json.loads(out)
    assert code == 0 and result["examples"] == 20
    stored = json.load(open(run / "metrics.json"))["test"]
    assert result["test"]["accuracy"] == pytest.approx(stored["accuracy"], abs=1e-6)

    code, out, _ = cli(capsys, "export", run, "--out", exports)
    assert code == 0 and "max abs difference" in out
    version = exports / "mnist_dense" / "1"
    assert (version / "saved_model.pb").exists()
    serve = tf.saved_model.load(str(version)).signatures["serving_default"]
    assert list(serve.structured_input_signature[1]) == ["image"]
    x = np.random.default_rng(0).uniform(0, 255, (2, 28, 28)).astype("float32")
    served = serve(image=tf.constant(x))
    assert set(served) == {"probabilities", "class_id", "class_name"}
    assert served["probabilities"].shape == (2, 10)
    assert served["class_name"].numpy()[0].decode() == str(served["class_id"].numpy()[0])

    # Never overwrite: the next export is version 2, an explicit existing version is refused.
    code, out, _ = cli(capsys, "export", run, "--out", exports)
    assert code == 0 and (exports / "mnist_dense" / "2" / "saved_model.pb").exists()
    mtime = os.path.getmtime(version / "saved_model.pb")
    code, _, err = cli(capsys, "export", run, "--out", exports, "--version", 1)
    assert code == 2 and "already exists" in err and "--force" in err
    assert os.path.getmtime(version / "saved_model.pb") == mtime
    code, _, _ = cli(capsys, "export", run, "--out", exports, "--version", 1, "--force")
    assert code == 0 and (version / "saved_model.pb").exists()
    assert sorted(os.listdir(exports / "mnist_dense")) == ["1", "2"]  # no temporary leftovers


def test_imdb_run_evaluate_on_other_file_and_export_takes_text(tmp_path, capsys, reviews_csv):
    run, exports = tmp_path / "run", tmp_path / "exports"
    code, _, err = cli(capsys, "run", "imdb_lstm", "--data", reviews_csv, "--out", run,
                       "--quiet", *small_sets("imdb_lstm", epochs=2))
    assert code == 0, err
    assert (run / "vocabulary.txt").read_text().split()[0] in ("a", "and", "film", "minute")

    other = write_reviews_csv(tmp_path / "other.csv", n=10)
    code, out, _ = cli(capsys, "evaluate", run, "--data", other)
    assert code == 0 and json.loads(out)["examples"] == 10 and json.loads(out)["data"] == other

    code, out, _ = cli(capsys, "export", run, "--out", exports)
    assert code == 0
    serve = tf.saved_model.load(str(exports / "imdb_lstm" / "1")).signatures["serving_default"]
    served = serve(review=tf.constant(["a wonderful film", "zzz unknown words"]))
    assert set(served) == {"probability", "class_id", "class_name"}
    assert served["probability"].shape == (2,)
    assert set(served["class_name"].numpy().tolist()) <= {b"negative", b"positive"}
    # A text with no words: both serving paths refuse it, by the same rule.
    no_words = ["", "  ", "!?!"]
    for text in no_words:
        with pytest.raises(tf.errors.InvalidArgumentError, match="a review with no words"):
            serve(review=tf.constant(["a wonderful film", text]))
    code, out, err = cli(capsys, "predict", run, *sum((["--text", t] for t in no_words), []))
    assert code == 2 and "3 of 3 inputs" in err
    assert [json.loads(line)["error"] for line in out.splitlines()] == [NO_WORDS] * 3


def test_run_from_a_recipe_file_with_a_bad_key(tmp_path, capsys):
    path = tmp_path / "r.toml"
    path.write_text('recipe = "logistic_regression"\n[fit]\nepoch = 3\n')
    code, _, err = cli(capsys, "run", path, "--out", tmp_path / "run")
    assert code == 2
    assert f"{path}: unknown key 'fit.epoch'" in err and "Traceback" not in err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("args, message", [
    (["run", "mnist_resnet"], "unknown recipe 'mnist_resnet'; known recipes: bow_mlp, "),
    (["run", "mnist_dense", "--set", "fit.epoch=3"], "unknown key 'fit.epoch'"),
    (["run", "mnist_dense", "--set", "fit.epochs=three"], "fit.epochs must be an integer"),
    (["run", "imdb_lstm", "--data", "missing/reviews.csv"], "data file not found"),
    (["evaluate", "no/such/run"], "run directory not found"),
    (["export", "no/such/run", "--out", "x"], "run directory not found"),
])
def test_bad_input_is_one_clear_line(capsys, args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = cli(capsys, *args)
    assert code == 2 and message in err and "Traceback" not in err


@pytest.mark.skipif(bool(accelerators(list_devices())), reason="this machine has an accelerator")
def test_float16_on_cpu_names_the_policies_that_run(capsys, tmp_path):
    code, _, err = cli(capsys, "run", "mnist_dense", "--precision", "mixed_float16",
                       "--out", tmp_path / "run")
    assert code == 2 and "Traceback" not in err
    assert "mixed_float16 needs an NVIDIA GPU of compute capability 7.0" in err
    assert "Use --precision mixed_bfloat16 (bfloat16 runs on CPUs) or float32" in err
    assert not (tmp_path / "run").exists()


def test_imdb_offline_fails_within_seconds(capsys, offline, tmp_path):
    code, _, err = cli(capsys, "run", "imdb_lstm", "--out", tmp_path / "run")
    assert code == 2 and "pass --data with a local copy" in err
    assert not (tmp_path / "run").exists()  # a retry with --data is not refused


def test_module_entry_point_lists_recipes():
    proc = subprocess.run([sys.executable, "-m", "cookbook", "list"], capture_output=True,
                          text=True, check=True)
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["recipe", "dataset", "target"]
    import cookbook

    assert [line.split()[0] for line in lines[1:]] == cookbook.list_recipes()
    assert ["linear_regression", "diabetes"] in [line.split()[:2] for line in lines]


def test_failed_export_leaves_nothing(tmp_path, capsys, monkeypatch, mnist_npz):
    from cookbook import export as export_lib

    run, exports = tmp_path / "run", tmp_path / "exports"
    assert cli(capsys, "run", "mnist_dense", "--data", mnist_npz, "--out", run, "--quiet",
               *small_sets("mnist_dense"))[0] == 0
    code, out, _ = cli(capsys, "export", run, "--out", exports)
    assert float(out.rsplit("max abs difference", 1)[1]) < export_lib.PARITY_TOLERANCE
    from cookbook import saved_model

    monkeypatch.setattr(saved_model, "max_abs_diff", lambda *args: 0.5)
    code, _, err = cli(capsys, "export", run, "--out", exports)
    assert code == 2 and "differs from the" in err and "model by 0.5" in err
    assert sorted(os.listdir(exports / "mnist_dense")) == ["1"]


@pytest.mark.slow
def test_find_lr_and_text_report(tmp_path, capsys, reviews_csv):
    run = tmp_path / "run"
    code, _, err = cli(capsys, "run", "imdb_lstm", "--data", reviews_csv, "--out", run,
                       "--quiet", "--find-lr", *small_sets("imdb_lstm"))
    assert code == 0, err
    metrics = json.load(open(run / "metrics.json"))
    assert metrics["lr_finder"]["suggested"] > 0
    assert (run / "lr_finder.png").exists() and (run / "confusion_matrix.png").exists()
    report = (run / "report.md").read_text()
    assert "![lr finder](lr_finder.png)" in report and "learning rate (LR finder)" in report


def test_an_option_out_of_range_names_the_option(tmp_path, capsys):
    code = main(["run", "mnist_dense", "--seed", "-1", "--out", str(tmp_path / "r")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err == ("cookbook: error: --seed: fit.seed must be from 0 to "
                                 "4294967295, got -1")
    assert not (tmp_path / "r").exists()


def test_list_help_and_argument_errors_import_no_framework():
    # The registry's metadata and the config check need neither Keras nor a backend, so these
    # answer at once (the seconds are measured by hand, not here).
    script = (
        "import sys, contextlib, io\n"
        "from cookbook.cli import main\n"
        "codes = [main(['list'])]\n"
        "with contextlib.redirect_stderr(io.StringIO()):\n"
        "    for argv in (['run', 'no_such_recipe'], ['run', 'mnist_dense', '--seed', '-1'],\n"
        "                 ['run', 'mnist_dense', '--set', 'fit.batch_size=0'],\n"
        "                 ['run', 'mnist_dense', '--set', 'model.dropout=1.5']):\n"
        "        codes.append(main(argv))\n"
        "    try:\n"
        "        main(['--help'])\n"
        "    except SystemExit as e:\n"
        "        codes.append(e.code)\n"
        "loaded = [m for m in ('keras', 'tensorflow', 'jax', 'torch') if m in sys.modules]\n"
        "print(codes, loaded)\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    assert proc.stdout.splitlines()[-1] == "[0, 2, 2, 2, 2, 0] []"


def test_bad_data_and_a_finished_out_are_refused_before_any_framework_starts(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("text,label\nfine,positive\n", encoding="utf-8")
    finished = tmp_path / "finished"
    finished.mkdir()
    (finished / "metrics.json").write_text("{}")
    script = (
        "import sys, contextlib, io\n"
        "from cookbook.cli import main\n"
        "err = io.StringIO()\n"
        "with contextlib.redirect_stderr(err):\n"
        f"    codes = [main(['run', 'imdb_lstm', '--data', {str(bad)!r}]),\n"
        f"             main(['run', 'mnist_dense', '--data', {str(tmp_path / 'no.npz')!r}]),\n"
        f"             main(['run', 'mnist_dense', '--out', {str(finished)!r}])]\n"
        "loaded = [m for m in ('keras', 'tensorflow', 'jax', 'torch') if m in sys.modules]\n"
        "print(err.getvalue().count(chr(10)), codes, loaded)\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    assert proc.stdout.splitlines()[-1] == "3 [2, 2, 2] []"


def test_an_unknown_backend_is_one_line(tmp_path):
    env = {**os.environ, "KERAS_BACKEND": "bogus"}
    proc = subprocess.run([sys.executable, "-m", "cookbook", "run", "mnist_dense", "--out",
                           str(tmp_path / "run")], capture_output=True, text=True, env=env)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        "cookbook: error: KERAS_BACKEND is 'bogus'; cookbook runs on tensorflow, jax, torch: set "
        "KERAS_BACKEND to one of them"]
    assert not (tmp_path / "run").exists()


@pytest.mark.slow
def test_a_run_prints_no_framework_start_up_lines(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("TF_CPP_MIN_LOG_LEVEL", "COOKBOOK_FRAMEWORK_LOGS")}
    args = [sys.executable, "-m", "cookbook", "run", "logistic_regression", "--data", "sklearn",
            "--quiet", "--set", "fit.epochs=1", "--out", str(tmp_path / "run")]
    proc = subprocess.run(args, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert proc.stdout.startswith("logistic_regression: test accuracy")
    # Asked for, the frameworks' own lines are there (TensorFlow prints some on every start).
    args[-1] = str(tmp_path / "run2")
    proc = subprocess.run(args, capture_output=True, text=True,
                          env={**env, "COOKBOOK_FRAMEWORK_LOGS": "1"})
    assert proc.returncode == 0 and proc.stderr != ""


def test_ctrl_c_says_resume_only_when_an_epoch_was_kept(tmp_path, capsys, monkeypatch):
    import cookbook.training
    from cookbook import run_dir

    out = tmp_path / "run"

    def interrupted(config, out, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cookbook.training, "train", interrupted)
    code, _, err = cli(capsys, "run", "logistic_regression", "--out", out)
    line = err.strip().splitlines()[-1]  # (a framework warning may come first, once a process)
    assert code == 130 and "nothing was kept" in line and "resume" not in err
    os.makedirs(run_dir.backup_dir(str(out)))
    with open(os.path.join(run_dir.backup_dir(str(out)), run_dir.BACKUP_METADATA_FILE), "w") as f:
        json.dump({"epoch": 3}, f)
    code, _, err = cli(capsys, "run", "logistic_regression", "--out", out)
    line = err.strip().splitlines()[-1]
    assert code == 130 and line.startswith("cookbook: interrupted; epoch 3 is kept in "
                                           f"{run_dir.backup_dir(str(out))}")
    assert "to resume" in line and "Traceback" not in err
