"""cookbook: Keras 3 recipes for classic deep-learning tasks, from real data to a served model.

>>> import cookbook
>>> cookbook.list_recipes()
['bow_mlp', 'cats_vs_dogs_cnn', 'cifar10_cnn', 'imdb_lstm', 'imdb_transformer',
 'linear_regression', 'logistic_regression', 'mnist_cnn', 'mnist_dense']
>>> model = cookbook.recipes.mnist_dense()   # a compiled keras.Model

Importing `cookbook` registers the recipes without importing Keras: Keras (and with it the
backend) is imported when a recipe builds its model or a run trains, so `import cookbook` is
light.
"""

from cookbook.registry import get_recipe, list_recipes, register
from cookbook import recipes  # registers the built-in recipes

# Bound after the submodule is imported, so that `cookbook.predict` is the function (importing
# `cookbook.predict` would otherwise set the package attribute to the module). The module
# imports no Keras until it is called.
from cookbook.predict import predict

__version__ = "0.1.0"


def train(recipe, **kwargs):
    """Fit a recipe and write a run directory; see `cookbook.training.train`."""
    from cookbook.backend import check_backend

    check_backend()  # a clear error before Keras fails to import an unknown backend
    from cookbook.console import start_backend

    # As the command line does, without the start-up lines; the devices are listed once the
    # process has joined any others it trains with.
    start_backend(with_tensorflow=True, devices=False)
    from cookbook.training import train as _train

    return _train(recipe, **kwargs)


def adapt(model, x):
    """Adapt a recipe's input `Normalization` to training features; see `cookbook.training.adapt`."""
    from cookbook.training import adapt as _adapt

    return _adapt(model, x)


__all__ = ["adapt", "get_recipe", "list_recipes", "predict", "recipes", "register", "train"]
