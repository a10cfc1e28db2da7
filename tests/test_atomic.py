"""Atomic writes: complete files only, with the user's usual permissions."""

import os
import stat

import pytest

from cookbook import atomic


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_written_files_follow_the_umask(tmp_path, mask, mode):
    old = os.umask(mask)
    try:
        assert atomic.umask() == mask
        atomic.write_text(str(tmp_path / "metrics.json"), "{}\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "metrics.json").st_mode) == mode
    assert (tmp_path / "metrics.json").read_text() == "{}\n"


def test_a_failed_write_leaves_the_old_file(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic.atomic_path(str(path)) as tmp:
            with open(tmp, "w") as f:
                f.write("half")
            raise RuntimeError("killed")
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["config.toml"]


def test_a_run_and_its_export_are_readable_by_others(tmp_path):
    import cookbook
    from cookbook.export import export

    old = os.umask(0o022)
    try:
        result = cookbook.train("logistic_regression", out=str(tmp_path / "run"), verbose=0,
                                overrides={"fit.epochs": 1})
        exported = export(result.out, str(tmp_path / "exports"))
    finally:
        os.umask(old)
    modes = {p: stat.S_IMODE(os.stat(p).st_mode)
             for root in (result.out, exported.path)
             for p in [root] + [os.path.join(d, n) for d, dirs, files in os.walk(root)
                                for n in dirs + files]}
    wrong = {p: oct(m) for p, m in modes.items() if m != (0o755 if os.path.isdir(p) else 0o644)}
    assert not wrong and len(modes) > 10


def test_leftovers_of_a_killed_write_are_removed(tmp_path):
    from cookbook.atomic import remove_leftovers

    for name in (".model.keras.abc123xy.keras", ".config.toml.k2j3h4g5.toml", ".notes.txt.x",
                 "model.keras", ".model.keras"):
        (tmp_path / name).write_text("x")
    removed = remove_leftovers(str(tmp_path), ("model.keras", "config.toml"))
    assert sorted(removed) == [".config.toml.k2j3h4g5.toml", ".model.keras.abc123xy.keras"]
    assert sorted(os.listdir(tmp_path)) == [".model.keras", ".notes.txt.x", "model.keras"]
