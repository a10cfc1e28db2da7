"""Errors raised by cookbook.

Every error names the problem and the way out; the command line prints the message alone,
without a traceback.
"""


class CookbookError(Exception):
    """Base class of the errors a user can act on."""


class UnknownRecipeError(CookbookError, KeyError):
    """A recipe name that is not registered."""

    def __str__(self):  # KeyError would quote the message
        return str(self.args[0])


class BackendError(CookbookError, RuntimeError):
    """A Keras backend that cookbook does not support, or that is not installed."""


class UnsupportedKerasError(BackendError):
    """A Keras or TensorFlow release without an internal cookbook relies on
    (`cookbook.keras_internals`)."""


class ConfigError(CookbookError, ValueError):
    """A recipe file or `--set` override that does not fit the recipe."""


class DataError(CookbookError, ValueError):
    """Data that is missing, unreachable, malformed or of the wrong shape."""


class DataUnavailableError(DataError):
    """A data source that cannot be reached from here (no local copy, no network)."""


class TrainingError(CookbookError, RuntimeError):
    """Training that could not finish, e.g. a loss that became NaN."""


class RunDirError(CookbookError, ValueError):
    """A run or export directory that is missing, incomplete, unreadable or would be
    overwritten."""


class MissingDependencyError(CookbookError, ImportError):
    """An optional package a feature needs is not installed (the message says what to install)."""


class ExportError(CookbookError, RuntimeError):
    """A SavedModel that could not be written or does not answer as the Keras model does."""
