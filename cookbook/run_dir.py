"""The run directory: what a run writes where, claiming one for a run, reading one back.

A run directory holds:

- `config.toml`: the resolved configuration (`cookbook run <dir>/config.toml` repeats it);
- `history.csv`: loss and metrics per epoch;
- `metrics.json`: test metrics under `"test"`, fit time, samples per second, data source and
  sizes (written last: a run is finished when it exists; see `cookbook.results`);
- `model.keras`: the trained model (Keras format, loads with `safe_mode=True`);
- `learning_curves.png`, and for classifiers `confusion_matrix.png` (image recipes also
  `predictions.png` and `mistakes.png`, `imdb_transformer` `attention.png`), with `--find-lr`
  `lr_finder.png`;
- `logs/`: TensorBoard's event files, `train/` and `validation/`;
- `report.md`: config, metrics and plots on one page (text recipes: the most confidently wrong
  reviews);
- `examples.json`: a few raw test inputs (the export checks the SavedModel on them);
- `vocabulary.txt` for text recipes;
- while training, `backup/`: the last finished epoch, from which a killed run resumes, and
  `trainer.lock`: the lock of the process training there (`cookbook.run_lock`).

Training claims a directory (`claim`) and writes it; `RunDir` reads a finished one for
`evaluate`, `export` and `predict`.
"""

import csv
import json
import os
import shutil

from cookbook import atomic, config as config_lib, run_lock
from cookbook.errors import RunDirError
from cookbook.text import VOCABULARY_FILE  # written by the text preprocessor

CONFIG_FILE = "config.toml"
HISTORY_FILE = "history.csv"
METRICS_FILE = "metrics.json"
MODEL_FILE = "model.keras"
EXAMPLES_FILE = "examples.json"
CURVES_FILE = "learning_curves.png"
LR_FINDER_FILE = "lr_finder.png"
CONFUSION_FILE = "confusion_matrix.png"
PREDICTIONS_FILE = "predictions.png"
MISTAKES_FILE = "mistakes.png"
ATTENTION_FILE = "attention.png"
REPORT_FILE = "report.md"
BACKUP_DIR = "backup"
LOGS_DIR = "logs"  # TensorBoard's event files, `train/` and `validation/`
# Keras' BackupAndRestore: the epochs finished are in this file of the backup.
BACKUP_METADATA_FILE = "training_metadata.json"

# Every file a run writes directly in its directory.
RUN_FILES = (CONFIG_FILE, HISTORY_FILE, METRICS_FILE, MODEL_FILE, EXAMPLES_FILE,
             VOCABULARY_FILE, CURVES_FILE, LR_FINDER_FILE, CONFUSION_FILE, PREDICTIONS_FILE,
             MISTAKES_FILE, ATTENTION_FILE, REPORT_FILE)
# What a run writes before its first epoch is backed up. An unfinished run holding only these
# has nothing to resume, so it may be started again, with other settings too.
BEFORE_FIRST_EPOCH = (CONFIG_FILE, HISTORY_FILE, EXAMPLES_FILE, LR_FINDER_FILE, VOCABULARY_FILE,
                      LOGS_DIR)


def claim(out, config):
    """Create `out`, or accept it for resuming the same config; never touch a finished run.
    This process then holds the lock of `out` (`cookbook.run_lock`) until `release`, or until
    `cookbook.train` ends; a second trainer is refused.

    Args:
        out: the run directory.
        config: the run's `RunConfig`; its TOML is written to `config.toml`.

    Returns:
        `"new"` when `out` was created, `"fresh"` when it was empty or held only what a run
        writes before its first epoch (cleared now), `"resume"` for the same config with epochs
        to resume. Give it to `release` if the run fails before training.
    """
    import tomli_w

    if os.path.exists(out) and not os.path.isdir(out):
        raise RunDirError(f"--out {out} is a file, not a folder; choose another --out")
    existed = os.path.isdir(out)
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as e:
        raise RunDirError(f"cannot write the run directory {out} ({e.strerror or e}); choose an "
                          "--out you can write to") from None
    try:
        run_lock.hold(out)  # one trainer per run directory, from here to the end of the run
        return _claim_held(out, config, tomli_w.dumps(config.to_dict()), existed)
    except BaseException:
        run_lock.let_go(out)
        if not existed:
            shutil.rmtree(out, ignore_errors=True)
        raise


def _claim_held(out, config, wanted, existed):
    """`claim` once `out` exists and its lock is held."""
    check_unfinished(out)
    path = os.path.join(out, CONFIG_FILE)
    try:
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                held = f.read()
            if held == wanted or _what_trains(held) == _what_trains(wanted):
                # Files a killed process was writing when it stopped.
                atomic.remove_leftovers(out, RUN_FILES)
                if held != wanted:  # only how much it prints changed (e.g. --quiet)
                    atomic.write_text(path, wanted)
                return "resume"
            if os.path.isdir(os.path.join(out, BACKUP_DIR)):
                raise RunDirError(
                    f"{out} holds an unfinished run of {backed_up_epochs(out)} epoch(s) with "
                    f"another configuration ({path}); resume it with the same settings, or "
                    "choose another --out")
        if set(os.listdir(out)) - set(BEFORE_FIRST_EPOCH) - {run_lock.LOCK_FILE}:
            raise RunDirError(f"{out} exists and is not a run directory; choose another --out")
        _remove_before_first_epoch(out)
        atomic.write_text(path, wanted)
    except OSError as e:
        raise RunDirError(f"cannot write the run directory {out} ({e.strerror or e}); choose an "
                          "--out you can write to") from None
    return "fresh" if existed else "new"


def _what_trains(toml_text):
    """A config's settings without those that only change what a run prints (`fit.verbose`),
    or None when the text is not a config."""
    import tomllib

    try:
        return _without_printing(tomllib.loads(toml_text))
    except tomllib.TOMLDecodeError:
        return None


def trains_the_same(a: dict, b: dict) -> bool:
    """Whether two configs (`RunConfig.to_dict()`) train the same run: they differ at most in
    what a run prints (`fit.verbose`), the rule by which an unfinished run resumes."""
    return _without_printing(a) == _without_printing(b)


def _without_printing(settings):
    settings = {**settings}
    if isinstance(settings.get("fit"), dict):
        settings["fit"] = {k: v for k, v in settings["fit"].items() if k != "verbose"}
    return settings


def check_unfinished(out):
    """Fail if `out` holds a finished run; write nothing. `claim` starts with it, and the
    processes of a multi-process run other than the chief (which claims) call it alone.
    Returns `"joined"`, for which `release` removes nothing."""
    if os.path.exists(os.path.join(out, METRICS_FILE)):
        raise RunDirError(f"{out} already holds a finished run ({METRICS_FILE}); choose another "
                          "--out, or delete it to train again")
    return "joined"


def release(out, claimed):
    """Undo `claim` for a run that failed before training: nothing is left to trip the retry
    (a directory `claim` created is removed, one it found empty is emptied again)."""
    if claimed in ("new", "fresh", "resume"):
        run_lock.let_go(out)
    if claimed == "new":
        shutil.rmtree(out, ignore_errors=True)
    elif claimed == "fresh":
        _remove_before_first_epoch(out)


def _remove_before_first_epoch(out):
    for name in BEFORE_FIRST_EPOCH:
        path = os.path.join(out, name)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        elif os.path.isfile(path):
            os.remove(path)


def backup_dir(out):
    return os.path.join(out, BACKUP_DIR)


def backed_up_epochs(out):
    """Epochs finished in the backup of the run directory `out` (0 when there is none)."""
    try:
        with open(os.path.join(backup_dir(out), BACKUP_METADATA_FILE), encoding="utf-8") as f:
            return int(json.load(f)["epoch"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def read_history(path):
    """`history.csv` as `{column: [values]}`, one value per epoch (a resumed epoch counts once)."""
    if not os.path.exists(path):
        return {}
    rows = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            # Keras' CSVLogger writes "NA" in val_* columns when there is no validation split.
            epoch = int(row.pop("epoch"))
            rows[epoch] = {k: float(v) for k, v in row.items() if v not in ("NA", "")}
    epochs = sorted(rows)
    keys = [k for k in (rows[epochs[0]] if epochs else []) if all(k in rows[e] for e in epochs)]
    return {k: [rows[e][k] for e in epochs] for k in keys}


class RunDir:
    """A finished run directory written by `cookbook.train`.

    Args:
        path: the run directory.

    Example:

    ```python
    run = RunDir("runs/mnist")
    model = run.load_model()
    ```
    """

    def __init__(self, path):
        self.path = path
        self._config = None

    def check(self):
        """Fail with what is missing unless this is a finished run."""
        if not os.path.isdir(self.path):
            raise RunDirError(f"run directory not found: {self.path} (train one with "
                              f"`cookbook run RECIPE --out {self.path}`)")
        missing = [f for f in (CONFIG_FILE, METRICS_FILE, MODEL_FILE)
                   if not os.path.exists(os.path.join(self.path, f))]
        if missing:
            raise RunDirError(f"{self.path} is not a finished run: missing {', '.join(missing)} "
                              "(an interrupted run resumes with `cookbook run` and the same "
                              "--out)")
        return self

    def config(self):
        """The run's `config.toml` as a `RunConfig`, read once per `RunDir`."""
        if self._config is None:
            self._config = config_lib.load_config(os.path.join(self.path, CONFIG_FILE))
        return self._config

    def metrics(self):
        with open(os.path.join(self.path, METRICS_FILE), encoding="utf-8") as f:
            return json.load(f)

    def examples(self):
        """A few raw test inputs saved at training time."""
        with open(os.path.join(self.path, EXAMPLES_FILE), encoding="utf-8") as f:
            return json.load(f)["x"]

    def recipe(self):
        """The run's recipe: its registry entry (`cookbook.registry.RecipeSpec`)."""
        return self.config().spec

    def load_model(self):
        """The trained model, loaded with `safe_mode=True` (no arbitrary code, no pickle), with
        XLA on or off as `fit.jit_compile` chooses on this backend.

        cookbook's own layers (`cookbook.layers`) are registered first, so models that hold
        them load; older runs with only Keras layers load as before.

        Raises:
            RunDirError: `model.keras` is missing, corrupt or truncated, holds a Lambda layer
                (arbitrary Python code, which is never loaded), or does not load for another
                reason (the first line of Keras' message).
        """
        from cookbook.compilation import set_jit_compile
        from cookbook.model_file import load_model

        path = os.path.join(self.path, MODEL_FILE)
        retrain = f"cookbook run {os.path.join(self.path, CONFIG_FILE)} --out NEWDIR"
        if not os.path.isfile(path):
            self.check()  # names what is missing
            raise RunDirError(f"{path} is not a file; train again with `{retrain}`")
        model = load_model(path, retrain)
        # XLA or not is chosen for this backend, not the one the model was trained on.
        has_config = os.path.exists(os.path.join(self.path, CONFIG_FILE))
        jit = self.config().fit.jit_compile if has_config else "auto"
        return set_jit_compile(model, jit, loaded=True)

    def preprocessor(self):
        """The recipe's preprocessor with the state saved in this run (a text vocabulary)."""
        return self.recipe().preprocessor(self.config().model).load(self.path)

    def tokenizer(self):
        """The run's tokenizer, or None for recipes that take no text."""
        if not os.path.exists(os.path.join(self.path, VOCABULARY_FILE)):
            return None
        return self.preprocessor().tokenizer
