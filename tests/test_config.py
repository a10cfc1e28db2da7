"""Recipe files and overrides are validated against the recipe function and the config."""

import glob
import os
import re

import pytest

import cookbook
from cookbook import config as config_lib
from cookbook.errors import ConfigError
from cookbook.recipe_files import RECIPES_DIR

RECIPE_FILES = sorted(glob.glob(os.path.join(RECIPES_DIR, "*.toml")))


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


@pytest.mark.parametrize("key, value, message", [
    ("fit.precision", "float16", "fit.precision must be one of 'float32', 'mixed_bfloat16', "
                                 "'mixed_float16', got 'float16'"),
    ("fit.jit_compile", "yes", "fit.jit_compile must be one of 'auto', true, false, got 'yes'"),
    ("fit.jit_compile", 1, "fit.jit_compile must be one of 'auto', true, false, got 1"),
    ("fit.distribute", "model_parallel", "fit.distribute must be one of 'none', "
                                         "'data_parallel'"),
    ("fit.steps_per_execution", 0, 'fit.steps_per_execution must be "auto" or an integer of 1 '
                                   "or more, got 0"),
    ("fit.steps_per_execution", "fast", 'must be "auto" or an integer of 1 or more'),
])
def test_choices_name_what_is_allowed(key, value, message):
    config = config_lib.default_config("mnist_dense")
    with pytest.raises(ConfigError, match=re.escape(message)):
        config_lib.set_value(config, key, value)


def test_choices_accept_their_values():
    config = config_lib.default_config("mnist_dense")
    for key, value in [("fit.jit_compile", False), ("fit.jit_compile", "auto"),
                       ("fit.precision", "mixed_bfloat16"), ("fit.steps_per_execution", 8),
                       ("fit.steps_per_execution", "auto")]:
        config_lib.set_value(config, key, value)
        assert getattr(config.fit, key[4:]) == value


@pytest.mark.parametrize("override, message", [
    ("fit.epochs=-1", "fit.epochs must be 1 or more, got -1"),
    ("fit.batch_size=0", "fit.batch_size must be 1 or more, got 0"),
    ("fit.seed=-1", "fit.seed must be from 0 to 4294967295, got -1"),
    ("model.dropout=1.5", "model.dropout must be from 0 to 1 (below 1), got 1.5"),
    ("model.learning_rate=0", "model.learning_rate must be more than 0, got 0.0"),
    ("data.validation_fraction=1", "data.validation_fraction must be from 0 to 1 (below 1)"),
])
def test_values_out_of_range_are_refused(override, message):
    config = config_lib.default_config("mnist_dense")
    with pytest.raises(ConfigError, match=re.escape(message)):
        config_lib.set_value(config, *config_lib.parse_override(override))


def test_values_in_range_pass():
    config = config_lib.default_config("mnist_dense")
    for override in ("fit.epochs=1", "model.dropout=0", "fit.seed=0",
                     "data.validation_fraction=0", "fit.early_stopping_patience=0"):
        config_lib.set_value(config, *config_lib.parse_override(override))
    assert config.model["dropout"] == 0 and config.fit.epochs == 1


def test_every_choice_is_defined_once_and_documented():
    # The config check, the CLI's --help and the docs take the allowed values from one place.
    import dataclasses
    import os

    from cookbook import compilation, distribute, precision
    from cookbook.cli import _parser
    from cookbook.config import CHOICES, FitConfig

    assert CHOICES["fit.distribute"] is distribute.MODES
    assert CHOICES["fit.precision"] is precision.POLICIES
    assert CHOICES["fit.jit_compile"] is compilation.JIT_COMPILE
    run = next(a for a in _parser()._subparsers._group_actions[0].choices["run"]._actions
               if a.dest == "precision")
    assert tuple(run.choices) == precision.POLICIES
    guides = os.path.join(os.path.dirname(os.path.dirname(__file__)), "docs", "pages", "guides")
    readme = "".join(open(os.path.join(guides, name), encoding="utf-8").read()
                     for name in sorted(os.listdir(guides)))
    for key, values in CHOICES.items():
        field = key.split(".")[1]
        assert field in {f.name for f in dataclasses.fields(FitConfig)}
        for value in values:
            shown = str(value).lower() if isinstance(value, bool) else value
            assert shown in readme and shown in FitConfig.__doc__, (key, shown)
