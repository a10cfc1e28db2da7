"""Recipe files and overrides are validated against the recipe function and the config."""

import glob
import os

import pytest

import cookbook
from cookbook import config as config_lib
from cookbook.errors import ConfigError

RECIPE_FILES = sorted(glob.glob(os.path.join(config_lib.RECIPES_DIR, "*.toml")))


def test_every_recipe_has_a_file():
    names = {os.path.basename(p)[:-5] for p in RECIPE_FILES}
    assert names == set(cookbook.list_recipes())


@pytest.mark.parametrize("path", RECIPE_FILES, ids=os.path.basename)
def test_recipe_file_is_valid_and_states_the_defaults(path):
    config = config_lib.load_config(path)
    assert config.recipe == os.path.basename(path)[:-5]
    assert config.to_dict() == config_lib.default_config(config.recipe).to_dict()


def write(tmp_path, text):
    path = tmp_path / "r.toml"
    path.write_text(text)
    return str(path)


def test_unknown_model_key_names_file_and_key(tmp_path):
    path = write(tmp_path, 'recipe = "mnist_dense"\n[model]\nhiden_units = [64]\n')
    with pytest.raises(ConfigError, match=r"r\.toml: unknown key 'model.hiden_units'.*hidden_units"):
        config_lib.load_config(path)


def test_mistyped_value_names_the_expected_type(tmp_path):
    path = write(tmp_path, 'recipe = "mnist_dense"\n[fit]\nepochs = "ten"\n')
    with pytest.raises(ConfigError, match=r"fit.epochs must be an integer.*got 'ten'"):
        config_lib.load_config(path)


def test_unknown_recipe_in_file(tmp_path):
    path = write(tmp_path, 'recipe = "mnist_big"\n')
    with pytest.raises(ConfigError, match="unknown recipe 'mnist_big'; known recipes"):
        config_lib.load_config(path)


def test_unknown_section_and_missing_recipe(tmp_path):
    with pytest.raises(ConfigError, match=r"unknown top-level key\(s\) \['train'\]"):
        config_lib.load_config(write(tmp_path, 'recipe = "mnist_dense"\n[train]\nx = 1\n'))
    with pytest.raises(ConfigError, match="missing top-level key 'recipe'"):
        config_lib.load_config(write(tmp_path, '[fit]\nepochs = 1\n'))


def test_invalid_toml_and_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        config_lib.load_config(write(tmp_path, 'recipe = \n'))
    with pytest.raises(ConfigError, match="recipe file not found"):
        config_lib.load_config(str(tmp_path / "nope.toml"))


def test_overrides_parse_toml_values():
    assert config_lib.parse_override("fit.epochs=3") == ("fit.epochs", 3)
    assert config_lib.parse_override("model.hidden_units=[64, 32]") == (
        "model.hidden_units", [64, 32])
    assert config_lib.parse_override("data.source=sample") == ("data.source", "sample")
    with pytest.raises(ConfigError, match="expected KEY=VALUE"):
        config_lib.parse_override("fit.epochs")


def test_set_value_converts_int_to_float_and_checks_sections():
    config = config_lib.default_config("mnist_dense")
    config_lib.set_value(config, "model.learning_rate", 1)
    assert config.model["learning_rate"] == 1.0 and isinstance(config.model["learning_rate"], float)
    with pytest.raises(ConfigError, match="keys start with model., data. or fit."):
        config_lib.set_value(config, "optimizer.lr", 1)
