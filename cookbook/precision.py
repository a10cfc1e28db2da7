"""Mixed precision: which policies a recipe can be built with, and on which devices.

Recipes take a `dtype=` argument (a Keras dtype policy name) instead of reading a global policy:

- `"float32"` (default): everything in float32.
- `"mixed_bfloat16"`: layers compute in bfloat16 and keep float32 weights; the output layer
  stays in float32 so probabilities and the loss are exact enough. Needs a CPU, a TPU or an
  NVIDIA GPU of compute capability 8.0 or newer (bfloat16 arithmetic).
- `"mixed_float16"`: the same in float16, with dynamic loss scaling
  (`keras.optimizers.LossScaleOptimizer`) so small gradients don't underflow. Needs an NVIDIA
  GPU of compute capability 7.0 or newer (float16 Tensor Cores).

`cookbook run --precision mixed_bfloat16` (`fit.precision`) checks the devices first.

Example:

```python
model = cookbook.recipes.mnist_cnn(dtype="mixed_bfloat16")
model.get_layer("conv_0_0").compute_dtype   # 'bfloat16'
model.get_layer("probabilities").compute_dtype   # 'float32'
```
"""

from cookbook.errors import ConfigError

POLICIES = ("float32", "mixed_bfloat16", "mixed_float16")

# The least NVIDIA compute capability with fast arithmetic in the policy's compute dtype.
_MIN_CAPABILITY = {"mixed_bfloat16": (8, 0), "mixed_float16": (7, 0)}


def policy_name(dtype):
    """The policy's name for a name, a `keras.DTypePolicy` or None (float32)."""
    if dtype is None:
        return "float32"
    return getattr(dtype, "name", dtype)


def output_dtype(dtype):
    """The dtype for a recipe's output layer: float32 under a mixed policy, else `dtype`."""
    return "float32" if policy_name(dtype).startswith("mixed_") else dtype


def scale_loss(optimizer, dtype):
    """`optimizer` wrapped in a `LossScaleOptimizer` under `mixed_float16`, else unchanged."""
    import keras

    if policy_name(dtype) == "mixed_float16":
        return keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


def check_precision(policy, devices):
    """Fail with what is supported unless `policy` can run on the accelerators in `devices`.

    Args:
        policy: one of `POLICIES`.
        devices: device descriptions (`cookbook.devices.list_devices()`); the accelerators
            among them are checked, or the CPU when there are none.
    """
    if policy not in POLICIES:
        raise ConfigError(f"fit.precision must be one of {', '.join(POLICIES)}, got {policy!r}")
    if policy == "float32":
        return
    accelerators = [d for d in devices if d["kind"] != "cpu"]
    if not accelerators:
        if policy == "mixed_float16":
            raise ConfigError(
                "--precision mixed_float16 needs an NVIDIA GPU of compute capability 7.0 or "
                "newer (float16 Tensor Cores); this run has CPUs only. Use --precision "
                "mixed_bfloat16 (bfloat16 runs on CPUs) or float32")
        return
    for d in accelerators:
        if d["kind"] == "tpu":
            if policy == "mixed_float16":
                raise ConfigError("--precision mixed_float16 is not for TPUs; use "
                                  "mixed_bfloat16 or float32")
            continue
        capability = d.get("compute_capability")
        if capability is None:  # not an NVIDIA GPU, or the backend didn't say: let it try
            continue
        have = tuple(int(p) for p in str(capability).split(".")[:2])
        need = _MIN_CAPABILITY[policy]
        if have < need:
            other = [p for p, c in _MIN_CAPABILITY.items() if have >= c]
            hint = f"use --precision {other[0]} or float32" if other else "use float32"
            raise ConfigError(
                f"--precision {policy} needs compute capability {need[0]}.{need[1]} or newer; "
                f"{d['name']} ({d['model']}) has {capability}: {hint}")
