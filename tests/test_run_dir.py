"""cookbook.run_dir: claiming a directory for a run, releasing it, reading what a run wrote."""

import json
import os

import pytest

from cookbook import config as config_lib, run_dir, run_lock
from cookbook.errors import RunDirError


@pytest.fixture(autouse=True)
def let_go_of_every_lock():
    """Claims here are never followed by a run that would let go of their locks."""
    yield
    for path in list(run_lock._HELD):
        run_lock.let_go_file(path)


def config(epochs=3):
    c = config_lib.default_config("logistic_regression")
    c.fit.epochs = epochs
    return c


def test_a_new_directory_is_created_with_the_config(tmp_path):
    out = str(tmp_path / "run")
    assert run_dir.claim(out, config()) == "new"
    assert sorted(os.listdir(out)) == sorted([run_dir.CONFIG_FILE, run_lock.LOCK_FILE])
    assert config_lib.load_config(os.path.join(out, run_dir.CONFIG_FILE)).fit.epochs == 3
    run_dir.release(out, "new")
    assert not os.path.exists(out)


def test_an_empty_directory_is_emptied_again_on_release(tmp_path):
    assert run_dir.claim(str(tmp_path), config()) == "fresh"
    run_dir.release(str(tmp_path), "fresh")
    assert tmp_path.is_dir() and os.listdir(tmp_path) == []


def test_the_same_config_resumes_and_loses_the_debris_of_a_killed_write(tmp_path):
    out = str(tmp_path)
    run_dir.claim(out, config())
    (tmp_path / ".model.keras.ab12cd34.keras").write_text("half")
    assert run_dir.claim(out, config()) == "resume"
    assert sorted(os.listdir(out)) == sorted([run_dir.CONFIG_FILE, run_lock.LOCK_FILE])


def test_another_config_is_refused_only_when_epochs_were_backed_up(tmp_path):
    out = str(tmp_path)
    run_dir.claim(out, config(3))
    assert run_dir.claim(out, config(5)) == "fresh"  # nothing to resume: start again
    backup = tmp_path / run_dir.BACKUP_DIR
    backup.mkdir()
    (backup / run_dir.BACKUP_METADATA_FILE).write_text(json.dumps({"epoch": 2, "batch": 0}))
    assert run_dir.backed_up_epochs(out) == 2
    with pytest.raises(RunDirError, match=r"unfinished run of 2 epoch\(s\) with another"):
        run_dir.claim(out, config(7))


def test_finished_runs_files_and_foreign_folders_are_never_claimed(tmp_path):
    (tmp_path / "finished").mkdir()
    (tmp_path / "finished" / run_dir.METRICS_FILE).write_text("{}")
    with pytest.raises(RunDirError, match="already holds a finished run"):
        run_dir.claim(str(tmp_path / "finished"), config())
    (tmp_path / "file").write_text("mine")
    with pytest.raises(RunDirError, match="is a file, not a folder"):
        run_dir.claim(str(tmp_path / "file"), config())
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "cat.jpg").write_text("x")
    with pytest.raises(RunDirError, match="exists and is not a run directory"):
        run_dir.claim(str(tmp_path / "photos"), config())
    assert (tmp_path / "file").read_text() == "mine"
    assert os.listdir(tmp_path / "photos") == ["cat.jpg"]


def test_history_counts_a_resumed_epoch_once_and_skips_missing_values(tmp_path):
    path = tmp_path / run_dir.HISTORY_FILE
    path.write_text("epoch,loss,val_loss\n0,1.0,NA\n1,0.5,NA\n1,0.4,NA\n2,0.3,NA\n")
    assert run_dir.read_history(str(path)) == {"loss": [1.0, 0.4, 0.3]}
    assert run_dir.read_history(str(tmp_path / "none.csv")) == {}


def test_a_missing_or_unfinished_run_says_what_is_missing(tmp_path):
    with pytest.raises(RunDirError, match="run directory not found"):
        run_dir.RunDir(str(tmp_path / "nope")).check()
    (tmp_path / run_dir.CONFIG_FILE).write_text("")
    with pytest.raises(RunDirError, match="missing metrics.json, model.keras"):
        run_dir.RunDir(str(tmp_path)).check()


def test_a_run_directory_reads_its_config_once(tmp_path, monkeypatch):
    import tomli_w

    (tmp_path / run_dir.CONFIG_FILE).write_text(tomli_w.dumps(config(epochs=4).to_dict()))
    reads = []
    load = config_lib.load_config
    monkeypatch.setattr(config_lib, "load_config", lambda path: reads.append(path) or load(path))
    run = run_dir.RunDir(str(tmp_path))
    assert run.config().fit.epochs == 4 and run.recipe().name == "logistic_regression"
    assert run.config() is run.config() and len(reads) == 1


HOLD = """
import sys
from cookbook import run_lock
run_lock.hold(sys.argv[1])
print("held", flush=True)
sys.stdin.read()
"""


def test_a_second_trainer_is_refused_with_the_holder_until_it_ends(tmp_path):
    import socket
    import subprocess
    import sys

    out = str(tmp_path / "run")
    os.makedirs(out)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, out], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        message = f"is being trained by pid {holder.pid} on host {socket.gethostname()}"
        with pytest.raises(RunDirError, match=message):
            run_dir.claim(out, config())
        with pytest.raises(RunDirError, match=message):
            run_lock.check_free(out)
        assert os.listdir(out) == [run_lock.LOCK_FILE]  # nothing written, nothing removed
    finally:
        holder.kill()  # as a crash would: the lock goes with the process, its file stays
        holder.wait()
    assert run_dir.claim(out, config()) == "fresh"
    run_dir.release(out, "fresh")
    assert os.listdir(out) == []


@pytest.mark.slow
@pytest.mark.parametrize("count", [2, 5])
def test_concurrent_runs_into_one_out_train_once(tmp_path, count):
    import subprocess
    import sys

    out = str(tmp_path / "run")
    args = [sys.executable, "-m", "cookbook", "run", "logistic_regression", "--data", "sklearn",
            "--quiet", "--set", "fit.epochs=3", "--out", out]
    procs = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(count)]
    results = [(p.wait(timeout=600), *p.communicate()) for p in procs]
    assert sorted(code for code, _, _ in results) == [0] + [2] * (count - 1), results
    for code, _, err in results:
        if code == 2:  # refused at once, or once the winner had finished
            assert err.count("\n") == 1 and "Traceback" not in err, err
            assert "is being trained by pid" in err or "already holds a finished run" in err
    with open(os.path.join(out, run_dir.METRICS_FILE)) as f:
        assert json.load(f)["epochs"] == 3
    assert run_lock.LOCK_FILE not in os.listdir(out)
    assert os.path.exists(os.path.join(out, run_dir.MODEL_FILE))
