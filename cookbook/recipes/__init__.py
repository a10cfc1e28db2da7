"""Recipes: functions that build and return a compiled `keras.Model`.

Every recipe takes keyword-only hyper-parameters with defaults that work, takes the inputs a user
has (pixel values 0-255, raw tabular features, token ids or bag-of-words vectors from
`cookbook.text.Tokenizer`) and keeps its scaling inside the model.

>>> import cookbook
>>> model = cookbook.recipes.mnist_dense()
"""

from cookbook.recipes.cats_vs_dogs import cats_vs_dogs_cnn
from cookbook.recipes.cifar10 import cifar10_cnn
from cookbook.recipes.imdb import bow_mlp, imdb_lstm, imdb_transformer
from cookbook.recipes.mnist import mnist_cnn, mnist_dense
from cookbook.recipes.tabular import linear_regression, logistic_regression

__all__ = ["bow_mlp", "cats_vs_dogs_cnn", "cifar10_cnn", "imdb_lstm", "imdb_transformer",
           "linear_regression", "logistic_regression", "mnist_cnn", "mnist_dense"]
