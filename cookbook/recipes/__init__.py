"""Recipes: functions that build and return a compiled `keras.Model`.

Every recipe takes keyword-only hyper-parameters with defaults that work, takes the inputs a user
has (pixel values 0-255, raw tabular features, token ids from `cookbook.text.Tokenizer`) and
keeps its scaling inside the model.

>>> import cookbook
>>> model = cookbook.recipes.mnist_dense()
"""

from cookbook.recipes.imdb import imdb_lstm
from cookbook.recipes.mnist import mnist_cnn, mnist_dense
from cookbook.recipes.tabular import logistic_regression

__all__ = ["imdb_lstm", "logistic_regression", "mnist_cnn", "mnist_dense"]
