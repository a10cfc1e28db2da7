"""cookbook.console: framework start-up logs hidden unless asked for, warnings as one line."""

import os
import warnings

import pytest

from cookbook.console import FRAMEWORK_LOGS, hidden_framework_logs, one_line_warnings


def test_native_writes_to_stderr_are_hidden(capfd, monkeypatch):
    monkeypatch.delenv(FRAMEWORK_LOGS, raising=False)
    with hidden_framework_logs():
        os.write(2, b"I0000 00:00 port.cc:153] oneDNN custom operations are on\n")
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "after\n"


def test_hidden_lines_are_shown_when_the_block_fails(capfd, monkeypatch):
    monkeypatch.delenv(FRAMEWORK_LOGS, raising=False)
    with pytest.raises(ImportError):
        with hidden_framework_logs():
            os.write(2, b"why it failed\n")
            raise ImportError("no backend")
    assert capfd.readouterr().err == "why it failed\n"


def test_framework_logs_on_request(capfd, monkeypatch):
    monkeypatch.setenv(FRAMEWORK_LOGS, "1")
    with hidden_framework_logs():
        os.write(2, b"shown\n")
    assert capfd.readouterr().err == "shown\n"


def test_warnings_are_one_line(capsys):
    with one_line_warnings():
        warnings.warn("mnist is not prepared here:\n   training on the sample", UserWarning)
    assert capsys.readouterr().err == (
        "cookbook: warning: mnist is not prepared here: training on the sample\n")


QUIET_API = """
import sys
import cookbook
cookbook.recipes.mnist_dense()
result = cookbook.train("logistic_regression", out=sys.argv[1], verbose=0,
                        overrides={"data.source": "sklearn", "fit.epochs": 1})
print(result.metrics["test"]["accuracy"])
"""


@pytest.mark.slow
def test_the_python_api_prints_no_framework_start_up_lines(tmp_path):
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", FRAMEWORK_LOGS)}
    proc = subprocess.run([sys.executable, "-c", QUIET_API, str(tmp_path / "run")], env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "" and float(proc.stdout) > 0.5
