"""Training in several processes: which process this is, and joining the others.

A process learns its place from each engine's own environment variables:

- JAX: `KERAS_DISTRIBUTION_JOB_ADDRESSES` (the coordinator's `host:port` first, or only),
  `KERAS_DISTRIBUTION_NUM_PROCESSES` and `KERAS_DISTRIBUTION_PROCESS_ID` (0 is the chief), read
  by `keras.distribution.initialize()`;
- TensorFlow: `TF_CONFIG`, `{"cluster": {"worker": ["host:port", ...]}, "task": {"type":
  "worker", "index": i}}` (worker 0 is the chief), read by
  `tf.distribute.MultiWorkerMirroredStrategy` (`cookbook.cluster_tf`).

PyTorch has neither; its processes are refused with one line naming the backends that work.

`join(mode)` connects this process to the others before the backend touches a device (both
engines require that), at most once per process. A process that cannot reach the others within
`COOKBOOK_CONNECT_TIMEOUT` seconds (default 120) prints one line saying so and exits with status
3: the engines' own connection calls cannot be interrupted from Python. On JAX a watchdog thread
ends it; TensorFlow's connection holds the interpreter lock, so it is given the timeout as its
own deadline (a worker that cannot reach worker 0 gives up a few seconds after it).

Example, two processes on one host (`cookbook run ... --processes 2` does this for you):

```
KERAS_BACKEND=jax KERAS_DISTRIBUTION_JOB_ADDRESSES=127.0.0.1:7000 \\
  KERAS_DISTRIBUTION_NUM_PROCESSES=2 KERAS_DISTRIBUTION_PROCESS_ID=0 \\
  cookbook run mnist_dense --distribute data_parallel --out runs/m &
... the same with KERAS_DISTRIBUTION_PROCESS_ID=1

export TF_CONFIG='{"cluster": {"worker": ["127.0.0.1:7000", "127.0.0.1:7001"]}, "task": {"type": "worker", "index": 0}}'
KERAS_BACKEND=tensorflow cookbook run mnist_dense --distribute data_parallel --out runs/m &
... the same with "index": 1
```
"""

import dataclasses
import json
import os
import sys
import threading

from cookbook.errors import ConfigError

JAX_ADDRESSES = "KERAS_DISTRIBUTION_JOB_ADDRESSES"
JAX_NUM_PROCESSES = "KERAS_DISTRIBUTION_NUM_PROCESSES"
JAX_PROCESS_ID = "KERAS_DISTRIBUTION_PROCESS_ID"
TF_CONFIG = "TF_CONFIG"
CONNECT_TIMEOUT = "COOKBOOK_CONNECT_TIMEOUT"
DEFAULT_CONNECT_TIMEOUT = 120.0
MULTI_PROCESS_BACKENDS = (
    "training over several processes runs on the jax (keras.distribution.initialize with "
    f"{JAX_NUM_PROCESSES}, ...) and tensorflow (MultiWorkerMirroredStrategy with {TF_CONFIG}) "
    "backends, not on {backend}; use KERAS_BACKEND=jax or tensorflow")
# Exit status of a process that could not reach the others in time.
UNREACHABLE_STATUS = 3


@dataclasses.dataclass
class Cluster:
    """This process' place among the processes of one run.

    Args:
        process_index: 0 for the chief, which alone writes the run directory.
        process_count: how many processes train together.
        coordinator: `host:port` of process 0 (JAX) or of worker 0 (TensorFlow).
        strategy: TensorFlow's `MultiWorkerMirroredStrategy` once joined (None on JAX).
    """

    process_index: int = 0
    process_count: int = 1
    coordinator: str | None = None
    strategy: object = None

    @property
    def is_chief(self):
        return self.process_index == 0


SINGLE = Cluster()
_joined = None  # this process' Cluster once it has joined the others


def several_named_by(environ=None):
    """The variable that makes this process one of several (`KERAS_DISTRIBUTION_NUM_PROCESSES`
    or `TF_CONFIG`), or None; checks nothing else."""
    environ = os.environ if environ is None else environ
    return next((name for name in (JAX_NUM_PROCESSES, TF_CONFIG) if environ.get(name)), None)


def from_environment(backend, environ=None):
    """This process' `Cluster` as the environment describes it (`SINGLE` when it does not)."""
    environ = os.environ if environ is None else environ
    if backend == "jax" and environ.get(JAX_NUM_PROCESSES):
        return _jax_cluster(environ)
    if backend == "tensorflow" and environ.get(TF_CONFIG):
        return _tf_cluster(environ[TF_CONFIG])
    if backend not in ("jax", "tensorflow") and (environ.get(JAX_NUM_PROCESSES)
                                                 or environ.get(TF_CONFIG)):
        raise ConfigError(MULTI_PROCESS_BACKENDS.format(backend=backend))
    return SINGLE


def _jax_cluster(environ):
    def number(name):
        try:
            return int(environ.get(name, ""))
        except ValueError:
            raise ConfigError(f"{name} must be a whole number, got {environ.get(name)!r}") from None

    count, index = number(JAX_NUM_PROCESSES), number(JAX_PROCESS_ID)
    addresses = [a.strip() for a in environ.get(JAX_ADDRESSES, "").split(",") if a.strip()]
    if count < 1 or not 0 <= index < count:
        raise ConfigError(f"{JAX_PROCESS_ID}={index} must be in 0..{count - 1} "
                          f"({JAX_NUM_PROCESSES}={count})")
    if not addresses or not all(_is_address(a) for a in addresses):
        raise ConfigError(f"{JAX_ADDRESSES} must be the coordinator's host:port (process 0), "
                          f"e.g. 10.0.0.1:7000; got {environ.get(JAX_ADDRESSES)!r}")
    if len(addresses) > 1 and len(addresses) != count:
        raise ConfigError(f"{JAX_ADDRESSES} lists {len(addresses)} addresses but "
                          f"{JAX_NUM_PROCESSES} is {count}; give one per process or only the "
                          "coordinator's")
    return Cluster(index, count, addresses[0])


def _tf_cluster(text):
    example = ('{"cluster": {"worker": ["10.0.0.1:7000", "10.0.0.2:7000"]}, '
               '"task": {"type": "worker", "index": 0}}')
    try:
        spec = json.loads(text)
        workers = list(spec["cluster"]["worker"])
        kind, index = spec["task"]["type"], int(spec["task"]["index"])
    except (ValueError, KeyError, TypeError) as e:
        raise ConfigError(f"{TF_CONFIG} is not a worker cluster ({type(e).__name__}: {e}); "
                          f"expected e.g. {example}") from None
    if set(spec["cluster"]) != {"worker"} or kind != "worker":
        raise ConfigError(f"{TF_CONFIG}: cookbook trains with workers only (worker 0 is the "
                          f"chief), got task type {kind!r} in a cluster of "
                          f"{', '.join(spec['cluster'])}; expected e.g. {example}")
    if not 0 <= index < len(workers) or not all(_is_address(str(w)) for w in workers):
        raise ConfigError(f"{TF_CONFIG}: task index {index} must be in 0..{len(workers) - 1} "
                          f"and every worker a host:port; expected e.g. {example}")
    return Cluster(index, len(workers), workers[0])


def _is_address(text):
    host, _, port = text.rpartition(":")
    return bool(host) and port.isdigit()


def connect_timeout(environ=None):
    """Seconds a process waits for the others (`COOKBOOK_CONNECT_TIMEOUT`, default 120)."""
    environ = os.environ if environ is None else environ
    text = environ.get(CONNECT_TIMEOUT, "")
    try:
        value = float(text) if text else DEFAULT_CONNECT_TIMEOUT
    except ValueError:
        value = -1.0
    if value <= 0:
        raise ConfigError(f"{CONNECT_TIMEOUT} must be a number of seconds > 0, got {text!r}")
    return value


def join(mode, backend):
    """Connect this process to the others of its run, once; return its `Cluster`.

    Call it before anything asks the backend for its devices. With one process (no cluster in
    the environment) it does nothing and returns `SINGLE`.

    Raises:
        ConfigError: the environment describes several processes but `mode` is not
            `"data_parallel"`, or it is malformed, or the backend was started before joining.
    """
    global _joined
    if _joined is not None:
        return _joined
    cluster = from_environment(backend)
    if cluster.process_count == 1:
        return SINGLE  # nothing joined: the environment is read again on the next call
    if mode != "data_parallel":
        raise ConfigError(f"this process is one of {cluster.process_count} (set by "
                          f"{TF_CONFIG if backend == 'tensorflow' else JAX_NUM_PROCESSES}) but "
                          f"fit.distribute is {mode!r}; add --distribute data_parallel")
    from cookbook.console import hidden_framework_logs

    timeout = connect_timeout()
    # The engines' start-up lines are hidden while joining; the watchdog's line is not.
    stderr = os.dup(2)
    watchdog = threading.Timer(timeout, _give_up, args=(cluster, timeout, stderr))
    watchdog.daemon = True
    watchdog.start()
    try:
        with hidden_framework_logs():
            if backend == "jax":
                _join_jax(cluster)
            else:
                _join_tf(cluster, timeout, stderr)
    finally:
        watchdog.cancel()
        os.close(stderr)
    _joined = cluster
    return cluster


def _join_jax(cluster):
    import keras

    from cookbook.seeding import set_seed

    # Keras agrees on a random seed over the processes unless one is set; ours is set again
    # with `fit.seed` before anything random happens.
    set_seed(0)
    try:
        keras.distribution.initialize()
    except RuntimeError as e:
        if "before" in str(e) or "already" in str(e):
            raise ConfigError("JAX was started before this process joined the others; call "
                              "cookbook.train (or `cookbook run`) first in a fresh "
                              "process") from None
        raise


def _join_tf(cluster, timeout, stderr):
    from cookbook.cluster_tf import multi_worker_strategy

    # Ended by TensorFlow's own deadline (`cluster_tf._bound_the_connect`); its lines stay hidden.
    try:
        cluster.strategy = multi_worker_strategy(timeout)
    except TimeoutError:
        _give_up(cluster, timeout, stderr)


_giving_up = threading.Lock()


def _give_up(cluster, timeout, stderr):
    """Print why this process stops and end it at once (status 3): the engines' connections
    cannot be closed cleanly from here. Called by the watchdog or by the engine's own deadline,
    whichever comes first; the second caller waits for the first to end the process."""
    _giving_up.acquire()
    # A process that reached the coordinator may still wait for a third one that never came.
    what = ("reach the other processes" if cluster.is_chief
            else f"join the others through the coordinator at {cluster.coordinator}")
    line = (f"cookbook: error: process {cluster.process_index} of {cluster.process_count} could "
            f"not {what} within {timeout:g} s ({CONNECT_TIMEOUT}); check that every "
            "process was started with the same addresses and that the port is open\n")
    sys.stderr.flush()
    os.write(stderr, line.encode())
    os._exit(UNREACHABLE_STATUS)


def joined_others():
    """Whether this process has joined other processes (`join` with a cluster)."""
    return _joined is not None


def wait_for_all(cluster, what):
    """Wait until every process of `cluster` gets here (e.g. until the chief has written the
    run directory), so that no process ends while another still needs it.

    Raises:
        TrainingError: another process stopped first.
    """
    if cluster.process_count == 1:
        return
    from cookbook.errors import TrainingError

    try:
        if cluster.strategy is not None:
            from cookbook.cluster_tf import barrier

            barrier(cluster.strategy)
        else:
            from jax.experimental import multihost_utils

            multihost_utils.sync_global_devices(f"cookbook: {what}")
    except Exception as e:  # noqa: BLE001 - the engine's error says which connection broke
        detail = (lost_peer(e) or str(e).strip().splitlines()[0])[:160]
        raise TrainingError(f"process {cluster.process_index} of {cluster.process_count}: "
                            f"another process stopped before {what} ({detail}); see its "
                            "output") from None


# What the engines' errors say when another process stopped: JAX's gloo all-reduce or
# TensorFlow's collective ops when a peer's connection closes, their coordination services when a
# peer stops sending heartbeats.
LOST_PEER_MARKERS = ("Gloo", "Connection reset by peer", "Connection closed", "Socket closed",
                     "heartbeat", "unhealthy", "UNAVAILABLE")


def lost_peer(error):
    """The line of `error`, raised while training, that says another process stopped, or None
    when it says nothing of the kind."""
    for line in str(error).splitlines():
        if any(marker in line for marker in LOST_PEER_MARKERS):
            return line.strip()
    return None
