"""Training callbacks, one per module."""

from cookbook.console import start_backend

# Each module imports Keras: first without the frameworks' start-up lines (and without starting
# the backend: a process may still have to join others first).
start_backend(devices=False)

from cookbook.callbacks.backup import EpochBackup
from cookbook.callbacks.device_report import DeviceReport
from cookbook.callbacks.early_stopping import EarlyStopping
from cookbook.callbacks.live_plot import LivePlot
from cookbook.callbacks.lr_finder import LRFinder, find_lr
from cookbook.callbacks.nan_guard import NaNGuard
from cookbook.callbacks.progress import Progress
from cookbook.callbacks.tensorboard_log import TensorBoardLog

__all__ = ["DeviceReport", "EarlyStopping", "EpochBackup", "LRFinder", "LivePlot", "NaNGuard",
           "Progress", "TensorBoardLog", "find_lr"]
