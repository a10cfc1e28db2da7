"""The devices the Keras backend computes on: what they are and how much memory they used.

Each device is described by a dict:

```python
{"name": "gpu:0", "kind": "gpu", "model": "NVIDIA H100 80GB HBM3", "compute_capability": "9.0"}
```

`kind` is `"cpu"`, `"gpu"` or `"tpu"`; `compute_capability` is set for NVIDIA GPUs only.
TensorFlow, JAX or PyTorch is asked through its own API, whichever backend Keras runs on.

Example:

```python
from cookbook.devices import list_devices
[d["kind"] for d in list_devices()]   # ['cpu'] on a machine without an accelerator
```
"""

import platform
import sys


def list_devices(backend=None):
    """The devices of `backend` (default: the running Keras backend), accelerators first.

    The backend is asked once per process; later calls answer from that first listing.
    """
    if backend is None:
        import keras

        backend = keras.backend.backend()
    lister = {"tensorflow": _tensorflow_devices, "jax": _jax_devices,
              "torch": _torch_devices}.get(backend, _cpu_only)
    if backend not in _LISTED:  # the first listing starts the backend, which logs as it does
        from cookbook.framework_logs import hidden_framework_logs

        with hidden_framework_logs():
            devices = lister()
        _LISTED[backend] = sorted(devices, key=lambda d: (d["kind"] == "cpu", d["name"]))
    return [dict(d) for d in _LISTED[backend]]


# The devices of each backend this process has listed (their start-up lines are behind it).
_LISTED = {}


def accelerators(devices):
    """The GPUs and TPUs among `devices`."""
    return [d for d in devices if d["kind"] != "cpu"]


def reset_peak_memory(devices, backend=None):
    """Start counting peak memory from now on, where the backend can (GPU only)."""
    backend = backend or _backend()
    for d in accelerators(devices):
        try:
            if backend == "tensorflow":
                import tensorflow as tf

                tf.config.experimental.reset_memory_stats(_tf_name(d))
            elif backend == "torch":
                import torch

                torch.cuda.reset_peak_memory_stats(_index(d))
        except (RuntimeError, ValueError):  # the backend does not track this device
            pass


def peak_memory(devices, backend=None):
    """Peak memory in bytes per accelerator, `{name: bytes}`; devices that don't report are left
    out (CPUs always: see `host_peak_memory`)."""
    backend = backend or _backend()
    peaks = {}
    for d in accelerators(devices):
        try:
            if backend == "tensorflow":
                import tensorflow as tf

                peaks[d["name"]] = int(tf.config.experimental.get_memory_info(_tf_name(d))["peak"])
            elif backend == "torch":
                import torch

                peaks[d["name"]] = int(torch.cuda.max_memory_allocated(_index(d)))
            elif backend == "jax":
                import jax

                stats = jax.devices(d["kind"])[_index(d)].memory_stats() or {}
                if "peak_bytes_in_use" in stats:
                    peaks[d["name"]] = int(stats["peak_bytes_in_use"])
        except (RuntimeError, ValueError, KeyError, IndexError):
            pass
    return peaks


def host_peak_memory():
    """Peak resident memory of this process in bytes, or None where the OS doesn't say."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def _backend():
    import keras

    return keras.backend.backend()


def _index(device):
    return int(device["name"].rsplit(":", 1)[1])


def _tf_name(device):
    return f"{device['kind'].upper()}:{_index(device)}"


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "cpu"


def _cpu_only():
    return [{"name": "cpu:0", "kind": "cpu", "model": _cpu_model(), "compute_capability": None}]


def _tensorflow_devices():
    import tensorflow as tf

    devices = []
    for kind in ("GPU", "TPU", "CPU"):
        for i, device in enumerate(tf.config.list_physical_devices(kind)):
            details = {}
            if kind == "GPU":
                details = tf.config.experimental.get_device_details(device)
            capability = details.get("compute_capability")
            devices.append({
                "name": f"{kind.lower()}:{i}", "kind": kind.lower(),
                "model": details.get("device_name") or (_cpu_model() if kind == "CPU" else kind),
                "compute_capability": ".".join(map(str, capability)) if capability else None,
            })
    return devices


def _jax_devices():
    import jax

    groups = [jax.devices()]
    if jax.default_backend() != "cpu":
        groups.append(jax.devices("cpu"))
    devices = []
    for group in groups:
        for i, d in enumerate(group):
            kind = d.platform if d.platform in ("cpu", "tpu") else "gpu"
            devices.append({"name": f"{kind}:{i}", "kind": kind,
                            "model": _cpu_model() if kind == "cpu" else d.device_kind,
                            "compute_capability": getattr(d, "compute_capability", None)})
    return devices


def _torch_devices():
    import torch

    devices = []
    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            major, minor = torch.cuda.get_device_capability(i)
            devices.append({"name": f"gpu:{i}", "kind": "gpu",
                            "model": torch.cuda.get_device_name(i),
                            "compute_capability": f"{major}.{minor}"})
    return devices + _cpu_only()
