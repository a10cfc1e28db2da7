"""Score a finished run on its test split or on a local file."""

import warnings

from cookbook.data import dataset_kind, load_dataset, read_dataset_file
from cookbook.data.fingerprint import changed
from cookbook.data.pipeline import Batches, reader_threads
from cookbook.errors import DataError
from cookbook.run_dir import RunDir
from cookbook.model_inputs import check_inputs


def evaluate(run, data=None, batch_size=None):
    """Reload a run's model and score it.

    Args:
        run: a run directory written by `cookbook.train`.
        data: a local file for the recipe's dataset (e.g. a reviews CSV), or None for the test
            split the run was trained with.
        batch_size: examples per evaluation step (default: the run's `fit.batch_size`; a
            larger batch of large photos costs memory).

    Returns:
        `{"run", "recipe", "data", "examples", "test": {"loss": ..., "accuracy": ...}}`.

    Example:

    ```python
    evaluate("runs/imdb", data="other_reviews.csv.gz")["test"]["accuracy"]
    ```
    """
    run_dir = RunDir(run).check()
    config = run_dir.config()
    dataset = config.spec.dataset
    if data is None:
        source = run_dir.metrics()["data"]["source"]
        _check_unchanged(run, source, run_dir.metrics()["data"].get("fingerprint"))
        split = load_dataset(dataset, source, seed=config.fit.seed,
                             label_column=config.data.label_column)
        x, y = split.x_test, split.y_test
    else:
        source = data
        _check_class_folders(data, dataset, run_dir.metrics()["data"]["class_names"])
        # Labels are checked against the classes the run was trained on.
        x, y = read_dataset_file(dataset, data, label_column=config.data.label_column,
                                 class_names=run_dir.metrics()["data"]["class_names"])
    preprocessor = run_dir.preprocessor()
    x = preprocessor(x)
    model = run_dir.load_model()
    check_inputs(model, x, origin=str(source))
    batches = Batches(x, y, batch_size=batch_size or config.fit.batch_size,
                      workers=reader_threads(x))
    scores = model.evaluate(batches, verbose=0, return_dict=True)
    return {"run": run, "recipe": config.recipe, "data": str(source), "examples": int(len(x)),
            "test": {k: float(v) for k, v in scores.items()}}


def _check_unchanged(run, source, saved):
    """The test split is made again from `source`: refuse when it is not what the run was
    trained and tested on (`cookbook.data.fingerprint`); warn for a run that recorded none."""
    if saved is None:
        warnings.warn(f"{run} was written before cookbook recorded what its data held, so "
                      f"whether {source} changed since cannot be told; scoring it as it is now")
        return
    why = changed(source, saved)
    if why:
        raise DataError(f"{run} was trained and tested on {source}, but {why}: its test split "
                        "would not be the one metrics.json scored; restore it, or pass --data "
                        "to score a file as it is now (all of its examples)")


def _check_class_folders(path, dataset, trained):
    """A folder of class folders must hold the classes the run was trained on."""
    from cookbook.data.class_folders import folder_class_names

    if dataset_kind(dataset) == "tabular":
        return
    names = folder_class_names(path, dataset_kind(dataset))
    if names is not None and names != list(trained):
        raise DataError(f"{path} has the classes {', '.join(names)}, but the run was trained on "
                        f"{', '.join(trained)}; give it one folder per trained class, named the "
                        "same")
