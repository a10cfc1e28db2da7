"""Fitting a built model on its batches: the callbacks, steps per call, divergence, resume.

`fit(model, train, val, fit_config, out, ...)` assembles the callbacks (backup at every epoch
end, CSV history, NaN guard, device report, progress, early stopping, learning-rate halving),
chooses the steps per compiled call, continues a killed run from its backup, and turns a loss
that became NaN into a `TrainingError` that says where the last good weights are.
"""

import contextlib
import dataclasses
import os

import numpy as np

from cookbook import keras_internals, run_dir
from cookbook.cluster import SINGLE, lost_peer
from cookbook.callbacks import (DeviceReport, EarlyStopping, EpochBackup, NaNGuard, Progress,
                                TensorBoardLog)
from cookbook.compilation import choose_steps_per_execution
from cookbook.errors import TrainingError


@dataclasses.dataclass
class Fitted:
    """What `fit` gives back besides the trained model.

    Args:
        history: Keras' `History.history` of this `fit` call (a resumed run's earlier epochs
            are in `history.csv`).
        backup: the `EpochBackup`, with the earlier parts' seconds of a resumed run.
        early_stopping: the `EarlyStopping` callback, or None when it was off.
        device_report: the `DeviceReport` (fit and step times, throughput, peak memory).
        steps_per_execution: what was chosen, and why (`choose_steps_per_execution`).
    """

    history: dict
    backup: EpochBackup
    early_stopping: EarlyStopping | None
    device_report: DeviceReport
    steps_per_execution: dict


def fit(model, train, val, fit_config, out, *, callbacks=(), per_batch=False,
        one_step_reason=None, cluster=SINGLE, feed=None):
    """Fit `model` on the `Batches` `train` (validating on `val`, or None) for `fit_config`.

    Args:
        model: a compiled Keras model.
        train: training `Batches` (shuffled; continued at a resumed run's next epoch).
        val: validation `Batches`, or None.
        fit_config: the run's `FitConfig`.
        out: the run directory (backup and history go there).
        callbacks: more Keras callbacks.
        per_batch: whether something reads every batch (then one step per call).
        one_step_reason: why only one step per call can run, if so (e.g. an engine).
        cluster: this process' `cookbook.cluster.Cluster`; only the chief writes the backup,
            the history and progress lines, and every process runs one step per call (the
            steps of each call must be the same in every process).
        feed: what `model.fit` takes instead of `Batches`, if not them: `feed(batches,
            repeat)` (TensorFlow's multi-worker datasets, `cookbook.cluster_tf.worker_feed`);
            training then repeats over the epochs.

    Returns:
        A `Fitted`.

    Raises:
        TrainingError: the loss or the weights became NaN or infinite, or another process of
            the run stopped.
    """
    if cluster.process_count > 1:
        one_step_reason = one_step_reason or (
            f"{cluster.process_count} processes run the same steps per call")
    first_x, first_y = train[0]
    steps = choose_steps_per_execution(
        model, first_x, first_y, batch_size=fit_config.batch_size, steps_per_epoch=len(train),
        setting=fit_config.steps_per_execution,
        per_batch_callbacks=per_batch or any(map(keras_internals.reads_every_batch, callbacks)),
        one_step_reason=one_step_reason, epochs=fit_config.epochs,
        announce=_say if fit_config.verbose and cluster.is_chief else None)
    cbs, guard, device_report = fit_callbacks(out, fit_config, train.num_examples,
                                              val is not None, chief=cluster.is_chief)
    backup = next(cb for cb in cbs if isinstance(cb, EpochBackup))
    stopper = next((cb for cb in cbs if isinstance(cb, EarlyStopping)), None)
    done = run_dir.backed_up_epochs(out)
    train.set_epoch(done)  # a resumed run's next order
    if done and fit_config.verbose and cluster.is_chief:
        _say(f"resuming after epoch {done} of {fit_config.epochs} from {run_dir.backup_dir(out)}")
    history = {}
    with lost_peers_as_errors(cluster, out):
        try:
            inputs = {"x": train, "validation_data": val}
            if feed is not None:
                inputs = {"x": feed(train, repeat=True), "steps_per_epoch": len(train),
                          "validation_data": None if val is None else feed(val, repeat=False)}
            history = model.fit(**inputs, epochs=fit_config.epochs, shuffle=False, verbose=0,
                                callbacks=cbs + list(callbacks)).history
        except (RuntimeError, ValueError) as e:
            if cluster.process_count > 1 and lost_peer(e):
                raise  # the weights of a broken cluster cannot be read
            # Some backends fail inside the step on NaN values (torch's binary cross-entropy
            # rejects NaN probabilities) before NaNGuard sees the loss.
            if all(np.isfinite(w).all() for w in model.get_weights()):
                raise
            guard.message = guard.diverged_message(f"non-finite weights ({type(e).__name__}: "
                                                   f"{str(e).splitlines()[0]})")
    if guard.message:
        raise TrainingError(f"{model.name}: {guard.message}; {_kept_after_divergence(out)}")
    return Fitted(history, backup, stopper, device_report, steps)


def fit_callbacks(out, fit_config, samples_per_epoch, validation=True, chief=True):
    """The callbacks `fit` uses: `(callbacks, nan_guard, device_report)`, the backup last.

    None of them reads anything after every batch, so Keras keeps dispatching steps
    asynchronously (`Progress` replaces Keras' bar, which reads the loss every batch; pass
    `verbose=0` to `fit`). A process other than the chief (`chief=False`) resumes from the
    chief's backup but writes nothing and prints nothing.
    """
    import keras

    verbose = fit_config.verbose if chief else 0
    guard = NaNGuard()
    device_report = DeviceReport(fit_config.batch_size, samples_per_epoch=samples_per_epoch,
                                 verbose=verbose)
    cbs = []
    if chief:  # the same epoch logs in history.csv and in TensorBoard's event files
        cbs.append(keras.callbacks.CSVLogger(os.path.join(out, run_dir.HISTORY_FILE),
                                             append=True))
        cbs.append(TensorBoardLog(os.path.join(out, run_dir.LOGS_DIR), verbose=verbose))
    cbs += [guard, device_report, Progress(verbose)]
    stateful = []
    if validation and fit_config.early_stopping_patience:
        stateful.append(EarlyStopping(fit_config.early_stopping_patience, verbose=verbose))
    if validation and fit_config.reduce_lr_patience:
        stateful.append(keras.callbacks.ReduceLROnPlateau(
            factor=0.5, patience=fit_config.reduce_lr_patience, verbose=0))
    # The backup after the callbacks whose state it carries (see EpochBackup's `stateful`).
    backup = EpochBackup(run_dir.backup_dir(out), write=chief, stateful=stateful)
    return cbs + stateful + [backup], guard, device_report


@contextlib.contextmanager
def lost_peers_as_errors(cluster, out):
    """Inside: an engine error saying another process of the run stopped becomes a one-line
    `TrainingError` that says how to resume `out`."""
    try:
        yield
    except Exception as e:
        if cluster.process_count > 1 and lost_peer(e):
            raise TrainingError(peer_lost_message(cluster, e, out)) from None
        raise


def peer_lost_message(cluster, error, out):
    """What a process says when another process of its run stopped, in one line."""
    epoch = run_dir.backed_up_epochs(out)
    resume = (f"resumes after epoch {epoch}" if epoch else "starts again from the first epoch")
    # JAX repeats its "Error dispatching computation: " prefix once per nested call.
    detail = " ".join((lost_peer(error) or str(error)).split())
    detail = detail.split("Error dispatching computation: ")[-1]
    return (f"process {cluster.process_index} of {cluster.process_count}: another process of "
            f"this run stopped ({detail[:160]}); start every process again with the same "
            f"command and --out {out}: the run {resume}")


def _say(line):
    print(line, flush=True)


def _kept_after_divergence(out):
    """Where the last good epoch's weights are after a NaN stop, in words."""
    epoch = run_dir.backed_up_epochs(out)
    if not epoch:
        return ("no epoch finished with a finite loss, so no weights were kept; train again "
                f"with other settings (the same --out {out} is accepted: nothing is kept to "
                "resume)")
    return (f"the weights of epoch {epoch}, the last good one, are kept in "
            f"{EpochBackup.weights_path(run_dir.backup_dir(out))} (model.load_weights); train "
            "again with other settings and another --out")
