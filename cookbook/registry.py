"""The recipe registry: recipes are plain functions registered with a decorator.

The registry never imports the recipes: importing `cookbook` imports `cookbook.recipes`, whose
modules register their functions (and import Keras only when a function builds its model).

Example:

>>> import cookbook
>>> cookbook.list_recipes()
['bow_mlp', 'cats_vs_dogs_cnn', 'cifar10_cnn', 'imdb_lstm', 'imdb_transformer',
 'linear_regression', 'logistic_regression', 'mnist_cnn', 'mnist_dense']
>>> cookbook.get_recipe("mnist_dense").dataset
'mnist'
"""

import dataclasses
import functools
import inspect
from typing import Any, Callable

from cookbook.errors import UnknownRecipeError

_RECIPES: dict[str, "RecipeSpec"] = {}


@dataclasses.dataclass(frozen=True)
class Target:
    """What a recipe's defaults reach, as data: `cookbook list`, the README's table and the
    benchmarks all read it.

    Args:
        metric: the test metric in `metrics.json` (`"accuracy"`, `"r2"`).
        at_least: the value the metric reaches; with `reference`, the largest gap below the
            reference's value. None where it is not set yet.
        data: what it is measured on, in words.
        source: the `--data` source the benchmarks measure it on (`"sample"`, `"sklearn"`,
            `"imdb"` for the IMDB reviews CSV, `"keras"` and `"fashion_mnist"` for the full
            datasets of `benchmarks/bench_full_scale.py`), or None when it cannot be measured
            offline.
        reference: a baseline measured on the same split (`"least squares"`).
        note: anything more, in words.

    Example:

    ```python
    Target("accuracy", 0.94, "5k sample", source="sample").describe()
    # 'test accuracy >= 0.94 (5k sample)'
    ```
    """

    metric: str
    at_least: float | None
    data: str
    source: str | None = None
    reference: str | None = None
    note: str = ""

    def describe(self) -> str:
        if self.at_least is None:
            text = f"test {self.metric} ({self.data})"
        elif self.reference:
            text = f"test {self.metric} within {self.at_least:g} of {self.reference} ({self.data})"
        else:
            text = f"test {self.metric} >= {self.at_least:g} ({self.data})"
        return f"{text}, {self.note}" if self.note else text

    def met(self, value, reference_value=None) -> bool | None:
        """Whether `value` reaches the target (None when it sets no value)."""
        if self.at_least is None:
            return None
        if self.reference:
            return value >= reference_value - self.at_least
        return value >= self.at_least

# Keyword arguments of recipe functions that are set by the run, not by `[model]`.
BUILD_OPTIONS = ("dtype",)


@dataclasses.dataclass(frozen=True)
class RecipeSpec:
    """What the registry knows about one recipe.

    Args:
        name: the recipe's name, the function's name.
        fn: the function that builds and compiles the model.
        dataset: name of the dataset it trains on (see `cookbook.data.DATASETS`).
        targets: what its defaults reach (`Target`s); `target` says it in words.
        fit: defaults for training (keys of `cookbook.config.FitConfig`).
        task: `"classification"` or `"regression"`.
        make_preprocessor: `make_preprocessor(hyperparameters)` gives the recipe's
            preprocessor (`cookbook.preprocessors`); see `preprocessor`.
    """

    name: str
    fn: Callable[..., Any]
    dataset: str
    targets: tuple
    fit: dict = dataclasses.field(default_factory=dict)
    task: str = "classification"
    make_preprocessor: Callable[[dict], Any] | None = None

    @property
    def target(self) -> str:
        """The targets in words, as `cookbook list` shows them."""
        return "; ".join(t.describe() for t in self.targets)

    def preprocessor(self, model_config: dict | None = None):
        """What turns raw data into this recipe's inputs, for the hyper-parameters in
        `model_config` (the defaults for those left out)."""
        if self.make_preprocessor is None:
            raise ValueError(f"recipe {self.name} declares no preprocessor")
        return self.make_preprocessor({**self.hyperparameters(), **(model_config or {})})

    def hyperparameters(self) -> dict[str, Any]:
        """The recipe function's keyword-only parameters and their defaults.

        `dtype` (the precision policy, `cookbook.precision`) is a build option, not a
        hyper-parameter: it is set by `fit.precision` and left out here.
        """
        return {
            p.name: p.default
            for p in inspect.signature(self.fn).parameters.values()
            if p.kind is inspect.Parameter.KEYWORD_ONLY and p.name not in BUILD_OPTIONS
        }

    def takes(self, option: str) -> bool:
        """Whether the recipe function accepts the keyword `option` (e.g. `"dtype"`)."""
        return option in inspect.signature(self.fn).parameters


def register(*, dataset: str, targets, preprocessor: Callable[[dict], Any],
             fit: dict | None = None, task: str = "classification"):
    """Register a recipe function under its own name.

    Args:
        dataset: name of the dataset the recipe trains on.
        targets: what the defaults reach, one `Target` or several.
        preprocessor: a function from the recipe's hyper-parameters (a dict) to the
            preprocessor of its inputs (`cookbook.preprocessors`).
        fit: training defaults for this recipe, e.g. `{"epochs": 10}`.
        task: `"classification"` (outputs are class probabilities) or `"regression"`.

    Example:

    ```python
    @register(dataset="mnist", targets=Target("accuracy", 0.94, "5k sample", "sample"),
              preprocessor=lambda hp: ImagePreprocessor((28, 28), channels=1,
                                                        channel_axis=False))
    def my_recipe(*, units=64):
        ...
    ```
    """

    def decorator(fn):
        params = inspect.signature(fn).parameters.values()
        loose = [p.name for p in params if p.kind is not inspect.Parameter.KEYWORD_ONLY]
        if loose:
            raise TypeError(
                f"recipe {fn.__name__} must take keyword-only hyper-parameters "
                f"(def {fn.__name__}(*, ...)); got positional {loose}"
            )
        if fn.__name__ in _RECIPES:
            raise ValueError(f"a recipe named {fn.__name__!r} is already registered")
        if task not in ("classification", "regression"):
            raise ValueError(f"task must be 'classification' or 'regression', got {task!r}")
        @functools.wraps(fn)
        def recipe(**hyperparameters):
            from cookbook.console import start_backend

            start_backend()  # Keras' first import, without the frameworks' start-up lines
            return fn(**hyperparameters)

        _RECIPES[fn.__name__] = RecipeSpec(fn.__name__, recipe, dataset,
                                           (targets,) if isinstance(targets, Target)
                                           else tuple(targets), dict(fit or {}),
                                           task, preprocessor)
        return recipe

    return decorator


def list_recipes() -> list[str]:
    """Names of all registered recipes, sorted."""
    return sorted(_RECIPES)


def get_recipe(name: str) -> RecipeSpec:
    """The registry entry for `name`; an unknown name fails with the known ones."""
    try:
        return _RECIPES[name]
    except KeyError:
        raise UnknownRecipeError(
            f"unknown recipe {name!r}; known recipes: {', '.join(list_recipes())}"
        ) from None
