"""Run configuration: which recipe, its hyper-parameters, its data and how to fit it.

A recipe file (`recipes/<name>.toml`) has a top-level `recipe = "<name>"` and three tables:

```toml
recipe = "mnist_dense"

[model]          # keyword arguments of cookbook.recipes.mnist_dense
hidden_units = [256]

[data]           # keys of DataConfig
source = "auto"

[fit]            # keys of FitConfig
epochs = 20
```

Every key is checked against the recipe function's signature or the dataclass it fills, and every
value against the type of its default, so a typo fails with the file and the key.
"""

import dataclasses
import os
import tomllib

from cookbook import compilation, distribute, precision
from cookbook.errors import ConfigError
from cookbook.registry import RecipeSpec, get_recipe, list_recipes



@dataclasses.dataclass
class DataConfig:
    """Where the data comes from.

    Args:
        source: `"auto"`, a named source of the recipe's dataset, or a local path.
        validation_fraction: fraction of the training split held out for early stopping.
        label_column: the label's column in a CSV of tabular features (every other column is a
            feature).
    """

    source: str = "auto"
    validation_fraction: float = 0.1
    label_column: str = "label"


@dataclasses.dataclass
class FitConfig:
    """How to fit.

    Args:
        epochs: maximum number of epochs.
        batch_size: examples per gradient step.
        early_stopping_patience: epochs without a better validation loss before stopping
            (0 turns early stopping off); the best weights are restored.
        reduce_lr_patience: epochs without a better validation loss before the learning rate
            is halved (0 turns it off).
        seed: seeds Python, NumPy and the backend, and the data splits.
        distribute: `"none"`, or `"data_parallel"` to split each batch over every device
            (`cookbook.distribute`; JAX and TensorFlow backends).
        precision: `"float32"`, `"mixed_bfloat16"` or `"mixed_float16"` (`cookbook.precision`);
            the recipe is built with this dtype policy after checking the devices can do it.
        jit_compile: `"auto"` (Keras' choice: XLA on JAX, and on TensorFlow with a GPU; eager
            on PyTorch), `true` or `false` (`true` on PyTorch means `torch.compile`).
        steps_per_execution: training steps per compiled call, or `"auto"`: on JAX and
            TensorFlow, enough steps that a call lasts about 20 ms, from a few timed steps
            (`cookbook.compilation`); 1 on PyTorch and with `--find-lr`. More steps per call
            cut the host's per-step work; callbacks then see every Nth batch.
        verbose: Keras progress output (0 silent, 1 progress bar, 2 one line per epoch).
    """

    epochs: int = 10
    batch_size: int = 64
    early_stopping_patience: int = 3
    reduce_lr_patience: int = 2
    seed: int = 0
    distribute: str = "none"
    precision: str = "float32"
    jit_compile: str = "auto"
    steps_per_execution: object = "auto"
    verbose: int = 1


# Keys whose value is one of a few choices rather than any value of the default's type; each list
# is defined once, in the module that implements the option, and the CLI's choices come from here.
CHOICES = {
    "fit.distribute": distribute.MODES,
    "fit.precision": precision.POLICIES,
    "fit.jit_compile": compilation.JIT_COMPILE,
}


# Allowed ranges, checked with the type: (low, high, whether high itself is allowed).
RANGES = {
    "fit.epochs": (1, None, True),
    "fit.batch_size": (1, None, True),
    "fit.early_stopping_patience": (0, None, True),
    "fit.reduce_lr_patience": (0, None, True),
    "fit.seed": (0, 2**32 - 1, True),
    "fit.verbose": (0, 2, True),
    "data.validation_fraction": (0, 1, False),
    # Hyper-parameters of any recipe that has them.
    "model.dropout": (0, 1, False),
    "model.learning_rate": (0, None, True),
}


@dataclasses.dataclass
class RunConfig:
    """A fully resolved run: recipe name, model hyper-parameters, data and fit settings."""

    recipe: str
    model: dict
    data: DataConfig
    fit: FitConfig
    # The registry's entry for `recipe`, looked up once and carried along with the config.
    spec: RecipeSpec = dataclasses.field(default=None, compare=False, repr=False)

    def __post_init__(self):
        if self.spec is None:
            self.spec = get_recipe(self.recipe)

    def to_dict(self) -> dict:
        return {
            "recipe": self.recipe,
            "model": {k: list(v) if isinstance(v, tuple) else v for k, v in self.model.items()},
            "data": dataclasses.asdict(self.data),
            "fit": dataclasses.asdict(self.fit),
        }


def default_config(recipe: str) -> RunConfig:
    """The configuration `cookbook run <recipe>` uses: the recipe's own defaults."""
    spec = get_recipe(recipe)
    return RunConfig(recipe, spec.hyperparameters(), DataConfig(), FitConfig(**spec.fit), spec)


def from_dict(raw: dict, origin: str = "config") -> RunConfig:
    """Validate a nested dict (as read from TOML) into a `RunConfig`.

    Missing keys take the recipe's defaults; unknown keys and values of the wrong type fail with
    `origin` (a file name) and the key.
    """
    if not isinstance(raw, dict) or "recipe" not in raw:
        raise ConfigError(f"{origin}: missing top-level key 'recipe' "
                          f"(one of {', '.join(list_recipes())})")
    unknown = set(raw) - {"recipe", "model", "data", "fit"}
    if unknown:
        raise ConfigError(f"{origin}: unknown top-level key(s) {sorted(unknown)}; "
                          "expected recipe, [model], [data], [fit]")
    try:
        config = default_config(raw["recipe"])
    except Exception as e:
        raise ConfigError(f"{origin}: {e}") from None
    for section in ("model", "data", "fit"):
        values = raw.get(section, {})
        if not isinstance(values, dict):
            raise ConfigError(f"{origin}: [{section}] must be a table, got {values!r}")
        for key, value in values.items():
            set_value(config, f"{section}.{key}", value, origin)
    return config


def load_config(path: str) -> RunConfig:
    """Read and validate a recipe file (TOML)."""
    try:
        with open(path, "rb") as f:
            raw = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"recipe file not found: {path}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML ({e})") from None
    return from_dict(raw, path)


def resolve(recipe_or_file: str) -> RunConfig:
    """A recipe name (its defaults) or the path of a recipe file, as a `RunConfig`."""
    if recipe_or_file.endswith(".toml") or os.sep in recipe_or_file:
        return load_config(recipe_or_file)
    return default_config(recipe_or_file)


def configure(recipe, overrides=()) -> RunConfig:
    """A recipe name, recipe file or `RunConfig`, with `overrides` applied and checked.

    Args:
        recipe: a recipe name (its defaults), the path of a recipe file, or a `RunConfig`.
        overrides: `"section.key=value"` strings or a `{"section.key": value}` dict.
    """
    config = recipe if isinstance(recipe, RunConfig) else resolve(recipe)
    items = overrides.items() if isinstance(overrides, dict) else map(parse_override, overrides)
    for key, value in items:
        set_value(config, key, value)
    return config


def set_value(config: RunConfig, dotted: str, value, origin: str = "--set"):
    """Set `section.key` to `value` in place, checking the key and the value's type."""
    section, _, key = dotted.partition(".")
    if section == "model":
        known = config.spec.hyperparameters()
        target = config.model
    elif section in ("data", "fit"):
        target = getattr(config, section)
        known = {f.name: getattr(target, f.name) for f in dataclasses.fields(target)}
    else:
        raise ConfigError(f"{origin}: unknown key {dotted!r}; keys start with model., data. or "
                          "fit.")
    if key not in known:
        raise ConfigError(f"{origin}: unknown key {dotted!r} for recipe {config.recipe}; "
                          f"known {section} keys: {', '.join(sorted(known))}")
    if dotted == "fit.steps_per_execution":
        if value != "auto" and (type(value) is not int or value < 1):
            raise ConfigError(f"{origin}: fit.steps_per_execution must be \"auto\" or an "
                              f"integer of 1 or more, got {value!r}")
    elif dotted in CHOICES:
        if not any(type(value) is type(c) and value == c for c in CHOICES[dotted]):
            shown = ", ".join(str(c).lower() if isinstance(c, bool) else repr(c)
                              for c in CHOICES[dotted])
            raise ConfigError(f"{origin}: {dotted} must be one of {shown}, got {value!r}")
    else:
        value = _check_type(value, known[key], dotted, origin)
        _check_range(value, dotted, origin)
    if isinstance(target, dict):
        target[key] = value
    else:
        setattr(target, key, value)


def parse_override(text: str):
    """`"fit.epochs=3"` -> `("fit.epochs", 3)`; the value is read as TOML, else as a string."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--set {text!r}: expected KEY=VALUE, e.g. --set fit.epochs=3")
    try:
        parsed = tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value
    return key.strip(), parsed


def _check_type(value, default, key, origin):
    expected = type(default)
    if default is None or isinstance(value, expected):
        return value
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(default, (list, tuple)) and isinstance(value, (list, tuple)):
        return list(value)
    raise ConfigError(f"{origin}: {key} must be {_type_name(expected)} (default {default!r}), "
                      f"got {value!r}")


def _check_range(value, key, origin):
    if key not in RANGES or value is None:
        return
    low, high, high_allowed = RANGES[key]
    above = high is not None and (value > high or (value == high and not high_allowed))
    # A learning rate must be positive; other lows are allowed values.
    below = value < low or (key == "model.learning_rate" and value == low)
    if below or above:
        if high is None:
            allowed = f"more than {low}" if key == "model.learning_rate" else f"{low} or more"
        else:
            allowed = f"from {low} to {high}" + ("" if high_allowed else f" (below {high})")
        raise ConfigError(f"{origin}: {key} must be {allowed}, got {value!r}")


def _type_name(t):
    return {int: "an integer", float: "a number", str: "a string", bool: "true or false",
            list: "a list", tuple: "a list"}.get(t, t.__name__)


