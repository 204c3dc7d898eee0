"""Memory against torch: element sizes, parameter bytes, and the state real optimizers keep after a step."""

from __future__ import annotations

import pydantic
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from grader.models.resnet import Bottleneck, build_resnet, count_parameters
from grader.solvers.memory import (
    OPTIMIZER_BUFFERS,
    dtype_bytes,
    model_size,
    model_size_mib_as_mb,
    optimizer_state_bytes,
    optimizer_state_bytes_adam_as_momentum,
    param_bytes,
    resnet_params,
    training_memory_bytes,
    training_memory_with_activations,
)
from grader.solvers.registry import solver
from tests.helpers import scaled

PROPERTY = settings(max_examples=scaled(200), deadline=None)
STEPS = settings(max_examples=scaled(30), deadline=None)

DTYPES = {
    "float32": torch.float32,
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "float64": torch.float64,
    "int8": torch.int8,
}
FLOAT_DTYPES = ["float32", "float64", "bfloat16"]

RESNET_COUNTS = {18: 11_689_512, 34: 21_797_672, 50: 25_557_032, 101: 44_549_160, 152: 60_192_808}


def small_model(width: int, channels: int, dtype: torch.dtype, device: str = "cpu") -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, channels, 3, device=device, dtype=dtype),
        nn.BatchNorm2d(channels, device=device, dtype=dtype),
        nn.Flatten(),
        nn.Linear(channels * 4, width, device=device, dtype=dtype),
        nn.Linear(width, 3, bias=False, device=device, dtype=dtype),
    )


def torch_optimizer(name: str, params, amsgrad: bool) -> torch.optim.Optimizer:
    if name == "sgd":
        return torch.optim.SGD(params, lr=0.1)
    if name == "sgd_momentum":
        return torch.optim.SGD(params, lr=0.1, momentum=0.9)
    if name == "adam":
        return torch.optim.Adam(params, lr=1e-3, amsgrad=amsgrad)
    return torch.optim.AdamW(params, lr=1e-3, amsgrad=amsgrad)


def per_element_state_bytes(optimizer: torch.optim.Optimizer) -> tuple[int, int]:
    """Bytes of state tensors shaped like their parameter, and the number of other (scalar) tensors."""
    elementwise, scalars = 0, 0
    for param, state in optimizer.state.items():
        for value in state.values():
            if not isinstance(value, torch.Tensor):
                continue
            if value.shape == param.shape:
                elementwise += value.numel() * value.element_size()
            else:
                assert value.numel() == 1  # Adam's ``step``
                scalars += 1
    return elementwise, scalars


@pytest.mark.parametrize("dtype", list(DTYPES))
def test_dtype_bytes_matches_torch(dtype: str) -> None:
    assert solver(dtype_bytes)(dtype=dtype) == torch.empty((), dtype=DTYPES[dtype]).element_size()


@PROPERTY
@given(st.integers(1, 64), st.integers(1, 16), st.sampled_from(FLOAT_DTYPES + ["float16"]))
def test_param_bytes_matches_torch(width: int, channels: int, dtype: str) -> None:
    model = small_model(width, channels, DTYPES[dtype], device="meta")
    count = sum(p.numel() for p in model.parameters())
    expected = sum(p.element_size() * p.numel() for p in model.parameters())
    assert solver(param_bytes)(count=count, dtype=dtype) == expected


@STEPS
@given(
    st.integers(1, 32),
    st.integers(1, 8),
    st.sampled_from(FLOAT_DTYPES),
    st.sampled_from(["sgd", "sgd_momentum", "adam", "adamw"]),
    st.booleans(),
)
def test_optimizer_state_matches_torch_after_one_step(
    width: int, channels: int, dtype: str, name: str, amsgrad: bool
) -> None:
    amsgrad = amsgrad and name in ("adam", "adamw")
    torch.manual_seed(0)
    model = small_model(width, channels, DTYPES[dtype])
    optimizer = torch_optimizer(name, model.parameters(), amsgrad)
    model(torch.randn(2, 3, 4, 4, dtype=DTYPES[dtype])).square().sum().backward()
    optimizer.step()

    count = sum(p.numel() for p in model.parameters())
    measured, scalars = per_element_state_bytes(optimizer)
    args = {"count": count, "optimizer": name, "dtype": dtype, "amsgrad": amsgrad}
    assert solver(optimizer_state_bytes)(**args) == measured
    # Adam's per-tensor ``step`` is the only other state, and is not counted
    assert scalars == (len(list(model.parameters())) if name in ("adam", "adamw") else 0)

    weights = sum(p.numel() * p.element_size() for p in model.parameters())
    grads = sum(p.grad.numel() * p.grad.element_size() for p in model.parameters())
    assert solver(training_memory_bytes)(**args) == weights + grads + measured


@PROPERTY
@given(st.integers(1, 10**10), st.sampled_from(list(DTYPES)))
def test_model_size_units(count: int, dtype: str) -> None:
    size = solver(model_size)
    nbytes = param_bytes(count, dtype)
    assert size(count=count, dtype=dtype, unit="bytes") == nbytes
    assert size(count=count, dtype=dtype) == pytest.approx(nbytes / 1e6)
    assert size(count=count, dtype=dtype, unit="MiB") == pytest.approx(nbytes / 1048576)
    assert size(count=count, dtype=dtype, unit="GB") == pytest.approx(nbytes / 1e9)
    assert size(count=count, dtype=dtype, unit="GiB") == pytest.approx(nbytes / 1073741824)
    assert model_size_mib_as_mb(count, dtype, "MB") == pytest.approx(nbytes / 2**20)
    assert model_size_mib_as_mb(count, dtype, "MiB") == pytest.approx(nbytes / 1e6)


@PROPERTY
@given(st.integers(1, 10**10), st.sampled_from(list(DTYPES)), st.sampled_from(list(OPTIMIZER_BUFFERS)))
def test_optimizer_buffers_and_distractor(count: int, dtype: str, name: str) -> None:
    nbytes = param_bytes(count, dtype)
    buffers = {"sgd": 0, "sgd_momentum": 1, "adam": 2, "adamw": 2}[name]
    assert optimizer_state_bytes(count, name, dtype) == buffers * nbytes
    assert training_memory_bytes(count, name, dtype) == (2 + buffers) * nbytes
    wrong = solver(optimizer_state_bytes_adam_as_momentum)(count=count, optimizer=name, dtype=dtype)
    assert wrong == min(buffers, 1) * nbytes


def test_homework_resnet152_numbers() -> None:
    count = resnet_params(152)
    assert count == 60_192_808
    assert model_size(count) == pytest.approx(240.771232)
    assert model_size(count, unit="MiB") == pytest.approx(229.6173, abs=1e-4)
    assert model_size_mib_as_mb(count) == pytest.approx(229.6173, abs=1e-4)
    mib = {name: training_memory_bytes(count, name) / 2**20 for name in ("sgd", "sgd_momentum", "adam")}
    assert mib == pytest.approx({"sgd": 459.2347, "sgd_momentum": 688.8520, "adam": 918.4694}, abs=1e-3)


@pytest.mark.parametrize(("depth", "expected"), list(RESNET_COUNTS.items()))
def test_resnet_params(depth: int, expected: int) -> None:
    assert solver(resnet_params)(depth=depth) == expected
    assert count_parameters(build_resnet(depth)) == expected
    assert all(p.device.type == "meta" for p in build_resnet(depth).parameters())


@pytest.mark.parametrize("depth", [50, 152])
def test_resnet_with_other_class_count(depth: int) -> None:
    # only the classifier changes: 2048*C + C
    assert resnet_params(depth, 10) == RESNET_COUNTS[depth] - 2049 * 1000 + 2049 * 10


@pytest.mark.parametrize("depth", [18, 50, 101, 152])
def test_resnet_depth_counts_weighted_layers(depth: int) -> None:
    """Depth = convolutions on the main path + the classifier (shortcut projections do not count)."""
    model = build_resnet(depth)
    convs = [n for n, m in model.named_modules() if isinstance(m, nn.Conv2d) and "downsample" not in n]
    assert len(convs) + 1 == depth
    blocks = [m for m in model.modules() if isinstance(m, Bottleneck)]
    assert (len(blocks) > 0) == (depth >= 50)


@pytest.mark.parametrize("depth", [18, 50])
def test_resnet_runs_on_cpu(depth: int) -> None:
    torch.manual_seed(0)
    model = build_resnet(depth, num_classes=7, device="cpu").eval()
    with torch.no_grad():
        assert model(torch.randn(2, 3, 64, 64)).shape == (2, 7)
    names = set(model.state_dict())
    assert {"conv1.weight", "bn1.running_mean", "layer2.0.downsample.0.weight", "fc.bias"} <= names


@pytest.mark.parametrize(
    ("func", "args"),
    [
        (param_bytes, {"count": 0}),
        (param_bytes, {"count": True}),
        (param_bytes, {"count": 10.0}),
        (param_bytes, {"count": "10"}),
        (param_bytes, {"count": 10, "dtype": "fp32"}),
        (model_size, {"count": 10, "unit": "mb"}),
        (optimizer_state_bytes, {"count": 10, "optimizer": "SGD"}),
        (optimizer_state_bytes, {"count": 10, "optimizer": "rmsprop"}),
        (optimizer_state_bytes, {"count": 10}),
        (optimizer_state_bytes, {"count": 10, "optimizer": "adam", "amsgrad": 1}),
        (training_memory_bytes, {"count": 10, "optimizer": "adam", "activations": 0}),
        (resnet_params, {"depth": 51}),
        (resnet_params, {"depth": True}),
        (resnet_params, {"depth": 50.0}),
        (resnet_params, {"depth": "50"}),
        (resnet_params, {"depth": 50, "num_classes": 0}),
    ],
)
def test_arguments_are_validated(func, args: dict) -> None:
    with pytest.raises(pydantic.ValidationError):
        solver(func).validate_args(args)


def test_invalid_values_raise_value_error() -> None:
    with pytest.raises(ValueError, match="amsgrad"):
        optimizer_state_bytes(10, "sgd_momentum", amsgrad=True)
    with pytest.raises(ValueError, match="count"):
        param_bytes(0)
    with pytest.raises(ValueError, match="dtype"):
        dtype_bytes("float8")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="depth"):
        resnet_params(51)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="optimizer"):
        optimizer_state_bytes(10, "rmsprop")  # type: ignore[arg-type]


def test_counts_are_ints_and_sizes_floats() -> None:
    assert type(param_bytes(10)) is int and type(optimizer_state_bytes(10, "adam")) is int
    assert type(training_memory_bytes(10, "sgd")) is int and type(resnet_params(50)) is int
    assert type(model_size(10)) is float


@PROPERTY
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 5), st.sampled_from(["sgd", "sgd_momentum", "adam"]),
       st.sampled_from(["MB", "MiB"]))
def test_training_memory_with_activations_matches_torch(width: int, channels: int, batch: int, name: str,
                                                        unit: str) -> None:
    """Weights, gradients and optimizer state measured on a real model after one step, plus the elements
    autograd saves for the backward pass per sample (saved-tensor hooks, the growth from batch to 2·batch:
    batch norm's per-channel statistics do not grow with the batch)."""
    torch.manual_seed(0)
    model = small_model(width, channels, torch.float32)
    parameters = {p.data_ptr() for p in model.parameters()}

    def saved_elements(size: int) -> int:
        saved = []

        def pack(tensor):
            if tensor.data_ptr() not in parameters:
                saved.append(tensor.numel())
            return tensor

        with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
            model(torch.randn(size, 3, 4, 4)).square().sum()
        return sum(saved)

    one, two, three = (saved_elements(k * batch) for k in (1, 2, 3))
    assert three - two == two - one and (two - one) % batch == 0  # linear in the batch size
    per_sample = (two - one) // batch
    optimizer = torch_optimizer(name, model.parameters(), False)
    model(torch.randn(batch, 3, 4, 4)).square().sum().backward()
    optimizer.step()
    count = sum(p.numel() for p in model.parameters())
    measured_state, _ = per_element_state_bytes(optimizer)
    weights_and_grads = sum(2 * p.numel() * p.element_size() for p in model.parameters())
    expected = (weights_and_grads + measured_state + batch * per_sample * 4) / {"MB": 10**6, "MiB": 2**20}[unit]
    got = solver(training_memory_with_activations)(count=count, optimizer=name, batch_size=batch,
                                                   activation_elements=per_sample, unit=unit)
    assert got == pytest.approx(expected, rel=1e-12)
