"""Saves the training state at the end of every epoch, so a killed run resumes there."""

import keras


class EpochBackup(keras.callbacks.BackupAndRestore):
    """`keras.callbacks.BackupAndRestore` that backs up at epoch ends only.

    Keras' callback defines `on_train_batch_end` even when it saves once per epoch, and any
    callback with that method (unless it declares itself `async_safe`) makes Keras read the
    logs after every batch and turns off asynchronous dispatch for all callbacks. This one
    inherits the no-op of `keras.callbacks.Callback` instead, so it costs nothing per batch.

    Args:
        backup_dir: folder for the backup; a `fit` started again with the same folder resumes
            from the last finished epoch.
        delete_checkpoint: remove the backup when `fit` ends.

    Example:

    ```python
    model.fit(x, y, epochs=20, callbacks=[EpochBackup("runs/m/backup")])
    ```
    """

    def __init__(self, backup_dir, delete_checkpoint=True):
        super().__init__(backup_dir, save_freq="epoch", delete_checkpoint=delete_checkpoint)

    on_train_batch_end = keras.callbacks.Callback.on_train_batch_end
