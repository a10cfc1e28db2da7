"""Score a finished run on its test split or on a local file."""

from cookbook.data import load_dataset, read_dataset_file
from cookbook.registry import get_recipe
from cookbook.run_dir import RunDir
from cookbook.training import check_inputs


def evaluate(run, data=None, batch_size=256):
    """Reload a run's model and score it.

    Args:
        run: a run directory written by `cookbook.train`.
        data: a local file for the recipe's dataset (e.g. a reviews CSV), or None for the test
            split the run was trained with.
        batch_size: examples per evaluation step.

    Returns:
        `{"run", "recipe", "data", "examples", "test": {"loss": ..., "accuracy": ...}}`.

    Example:

    ```python
    evaluate("runs/imdb", data="other_reviews.csv.gz")["test"]["accuracy"]
    ```
    """
    run_dir = RunDir(run).check()
    config = run_dir.config()
    dataset = get_recipe(config.recipe).dataset
    if data is None:
        source = run_dir.metrics()["data"]["source"]
        split = load_dataset(dataset, source, seed=config.fit.seed)
        x, y = split.x_test, split.y_test
    else:
        source = data
        x, y = read_dataset_file(dataset, data)
    tokenizer = run_dir.tokenizer()
    if tokenizer is not None:
        x = tokenizer.transform(x)
    model = run_dir.load_model()
    check_inputs(model, x, origin=str(source))
    scores = model.evaluate(x, y, batch_size=batch_size, verbose=0, return_dict=True)
    return {"run": run, "recipe": config.recipe, "data": str(source), "examples": int(len(x)),
            "test": {k: float(v) for k, v in scores.items()}}
