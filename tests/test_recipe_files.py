"""cookbook.recipe_files: recipes/*.toml are written from the registry, their one source."""

import cookbook
from cookbook import config as config_lib
from cookbook.config import tomllib  # tomli before Python 3.11
from cookbook.recipe_files import main, out_of_date, render


def test_recipe_files_are_up_to_date():
    assert out_of_date() == [], "run `python -m cookbook.recipe_files`"
    assert main(["--check"]) == 0


def test_a_rendered_file_states_the_defaults_and_runs_as_they_do(tmp_path):
    for name in cookbook.list_recipes():
        path = tmp_path / f"{name}.toml"
        path.write_text(render(name))
        assert tomllib.loads(render(name))["recipe"] == name
        assert (config_lib.load_config(str(path)).to_dict()
                == config_lib.default_config(name).to_dict())


def test_check_names_a_stale_file_and_the_command(tmp_path, capsys):
    for name in cookbook.list_recipes():
        (tmp_path / f"{name}.toml").write_text(render(name))
    (tmp_path / "mnist_dense.toml").write_text(render("mnist_dense").replace("30", "31"))
    assert main(["--check", "--dir", str(tmp_path)]) == 1
    assert "mnist_dense.toml is out of date" in capsys.readouterr().out
    assert main(["--dir", str(tmp_path)]) == 0
    assert out_of_date(str(tmp_path)) == []


def test_an_installed_copy_asks_for_a_folder_instead_of_writing_into_site_packages(
        tmp_path, monkeypatch, capsys):
    from cookbook import recipe_files

    monkeypatch.setattr(recipe_files, "RECIPES_DIR", str(tmp_path / "site-packages" / "recipes"))
    assert main([]) == 2
    assert "pass --dir FOLDER" in capsys.readouterr().err
    assert not (tmp_path / "site-packages").exists()
    assert main(["--dir", str(tmp_path / "mine")]) == 0
    assert out_of_date(str(tmp_path / "mine")) == []
