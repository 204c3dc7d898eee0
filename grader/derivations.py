"""One-line derivations for published keys, e.g. ``(3·3·10 + 1)·20 = 1820``, keyed by solver name.

A derivation takes the solver's validated arguments and its value and returns the arithmetic that gives
the value. Solvers without one are shown as their call (``solver(arg=value, ...)``) in the key.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Callable, Iterable, Mapping

from grader.solvers import SOLVERS, layers, macs, memory, network, sizes
from grader.solvers.network import walk_network
from grader.solvers.sizes import same_padding

Derivation = Callable[[dict[str, Any], Any], "str | None"]


def _pair(value: Any) -> tuple[Any, Any]:
    return (value, value) if isinstance(value, (int, str)) else tuple(value)


def _bias(args: dict[str, Any], text: str) -> str:
    return f"({text} + 1)" if args.get("bias", True) else text


def linear_params(args: dict[str, Any], value: Any) -> str:
    return f"{_bias(args, str(args['in_features']))}·{args['out_features']} = {value}"


def conv2d_params(args: dict[str, Any], value: Any) -> str:
    k_h, k_w = _pair(args["kernel_size"])
    per_group = args["in_channels"] // args.get("groups", 1)
    return f"{_bias(args, f'{k_h}·{k_w}·{per_group}')}·{args['out_channels']} = {value}"


def conv_transpose2d_params(args: dict[str, Any], value: Any) -> str:
    k_h, k_w = _pair(args["kernel_size"])
    per_group = args["out_channels"] // args.get("groups", 1)
    bias = f" + {args['out_channels']}" if args.get("bias", True) else ""
    return f"{args['in_channels']}·{per_group}·{k_h}·{k_w}{bias} = {value}"


def conv_output_size(args: dict[str, Any], value: Any) -> str:
    """``padding: same`` (stride 1) shows the zeros torch adds on each side: n + (left + right) − d(k − 1)."""
    n, k, s = args["size"], args["kernel_size"], args.get("stride", 1)
    p, d = args.get("padding", 0), args.get("dilation", 1)
    if p == "same":
        left, right = same_padding(k, d)
        return f"{n} + ({left} + {right}) − {d}·({k} − 1) = {value}"
    return f"⌊({n} + 2·{p} − {d}·({k} − 1) − 1)/{s}⌋ + 1 = {value}"


def conv_transpose_output_size(args: dict[str, Any], value: Any) -> str:
    n, k, s = args["size"], args["kernel_size"], args.get("stride", 1)
    p, a, d = args.get("padding", 0), args.get("output_padding", 0), args.get("dilation", 1)
    return f"({n} − 1)·{s} − 2·{p} + {d}·({k} − 1) + {a} + 1 = {value}"


def conv_layers_to_reach(args: dict[str, Any], value: Any) -> str | None:
    """Only the common case reads as one division: stride 1, so each layer changes the side by d(k−1) − 2p."""
    if args.get("stride", 1) != 1:
        return None
    change = args.get("dilation", 1) * (args["kernel_size"] - 1) - 2 * args.get("padding", 0)
    start, target = args["input_size"], args["target_size"]
    if args.get("transposed", False):
        return f"({target} − {start})/{change} = {value}"
    return f"({start} − {target})/{change} = {value}"


def conv2d_matrix_shape(args: dict[str, Any], value: Any) -> str:
    sides = []
    for axis, size in enumerate(args["input_shape"]):
        side = {name: _pair(args[name])[axis] for name in ("kernel_size", "stride", "padding", "dilation")
                if name in args}
        sides.append(conv_output_size({"size": size, **side}, value[axis]).rsplit(" = ", 1)[0])
    return f"{sides[0]} = {value[0]}; {sides[1]} = {value[1]}"


def conv_transpose2d_matrix_shape(args: dict[str, Any], value: Any) -> str:
    sides = []
    names = ("kernel_size", "stride", "padding", "output_padding", "dilation")
    for axis, size in enumerate(args["input_shape"]):
        side = {name: _pair(args[name])[axis] for name in names if name in args}
        sides.append(conv_transpose_output_size({"size": size, **side}, value[axis]).rsplit(" = ", 1)[0])
    return f"{sides[0]} = {value[0]}; {sides[1]} = {value[1]}"


def network_params(args: dict[str, Any], value: Any) -> str:
    """Group equal per-layer counts: ``36×444 + 19300 = 35284``."""
    records = walk_network(args["input_shape"], args["layers"])
    return f"{_grouped_sum(record.params for record in records)} = {value}"


def _grouped_sum(counts: Iterable[int]) -> str:
    """Non-zero counts in order of first appearance, equal ones grouped: ``36×444 + 19300``; "0" if none."""
    nonzero = [count for count in counts if count]
    times = Counter(nonzero)
    terms = [f"{times[c]}×{c}" if times[c] > 1 else str(c) for c in dict.fromkeys(nonzero)]
    return " + ".join(terms) or "0"


def _show(value: Any) -> str:
    """The value after ``=``: an int as is, a float to 10 significant figures."""
    return f"{value:.10g}" if isinstance(value, float) else str(value)


# --- multiply-accumulates and FLOPs (FLOPs = 2·MACs) --------------------------------------------------------

Product = Callable[[dict[str, Any]], str]
"""The arithmetic of a count, from the validated arguments (no ``= value``)."""


def _macs(product: Product) -> Derivation:
    return lambda args, value: f"{product(args)} = {value}"


def _flops(product: Product) -> Derivation:
    """Twice the MACs: ``2·(…)`` around a sum, ``2·…`` before a product."""
    def derivation(args: dict[str, Any], value: Any) -> str:
        text = product(args)
        return f"2·({text}) = {value}" if " + " in text else f"2·{text} = {value}"
    return derivation


def _conv2d_product(args: dict[str, Any]) -> str:
    """H_out·W_out·C_out·(C_in/g)·k_h·k_w, with the output size computed first."""
    channels = args["input_shape"][0]
    _, h_out, w_out = sizes.conv2d_output_shape(
        args["input_shape"], args["out_channels"], args["kernel_size"], args["stride"], args["padding"],
        args["dilation"],
    )
    k_h, k_w = _pair(args["kernel_size"])
    return f"{h_out}·{w_out}·{args['out_channels']}·{channels // args['groups']}·{k_h}·{k_w}"


def _conv_transpose2d_product(args: dict[str, Any]) -> str:
    """H_in·W_in·C_in·(C_out/g)·k_h·k_w: every input element scales a kernel per output channel."""
    channels, height, width = args["input_shape"]
    k_h, k_w = _pair(args["kernel_size"])
    return f"{height}·{width}·{channels}·{args['out_channels'] // args['groups']}·{k_h}·{k_w}"


def _linear_product(args: dict[str, Any]) -> str:
    return f"{args['in_features']}·{args['out_features']}"


def _network_sum(args: dict[str, Any]) -> str:
    """The layers' MACs, equal ones grouped: ``1638400 + 8388608``."""
    return _grouped_sum(macs.network_layer_macs(args["input_shape"], args["layers"]))


def depthwise_separable_macs(args: dict[str, Any], value: Any) -> str:
    """Depthwise H_out·W_out·C·k_h·k_w plus pointwise H_out·W_out·C·C_out."""
    channels = args["input_shape"][0]
    h_out, w_out = sizes.conv2d_matrix_shape(
        args["input_shape"][1:], args["kernel_size"], args["stride"], args["padding"], args["dilation"]
    )
    k_h, k_w = _pair(args["kernel_size"])
    spatial = f"{h_out}·{w_out}·{channels}"
    return f"{spatial}·{k_h}·{k_w} + {spatial}·{args['out_channels']} = {value}"


def conv3d_macs(args: dict[str, Any], value: Any) -> str:
    """D_out·H_out·W_out·C_out·(C_in/g)·k_d·k_h·k_w."""
    _, d_out, h_out, w_out = layers.conv3d_output_shape(
        args["input_shape"], args["out_channels"], args["kernel_size"], args["stride"], args["padding"],
        args["dilation"],
    )
    kernel = "·".join(str(k) for k in layers.triple(args["kernel_size"]))
    per_group = args["input_shape"][0] // args["groups"]
    return f"{d_out}·{h_out}·{w_out}·{args['out_channels']}·{per_group}·{kernel} = {value}"


# --- more parameter counts -----------------------------------------------------------------------------------


def conv3d_params(args: dict[str, Any], value: Any) -> str:
    kernel = "·".join(str(k) for k in layers.triple(args["kernel_size"]))
    per_group = args["in_channels"] // args["groups"]
    return f"{_bias(args, f'{kernel}·{per_group}')}·{args['out_channels']} = {value}"


def depthwise_separable_params(args: dict[str, Any], value: Any) -> str:
    """Depthwise k_h·k_w·C (+ C biases), pointwise C·C_out (+ C_out biases)."""
    c_in, c_out = args["in_channels"], args["out_channels"]
    k_h, k_w = _pair(args["kernel_size"])
    bias = args["bias"]
    depthwise = f"{k_h}·{k_w}·{c_in}" + (f" + {c_in}" if bias else "")
    pointwise = f"{c_in}·{c_out}" + (f" + {c_out}" if bias else "")
    return f"{depthwise} + {pointwise} = {value}"


def batchnorm2d_params(args: dict[str, Any], value: Any) -> str | None:
    """2·C: a scale and a shift per channel (nothing to show without ``affine``)."""
    return f"2·{args['num_features']} = {value}" if args["affine"] else None


# --- receptive fields: r_l = r_(l-1) + (k_l − 1)·d_l·j_(l-1), the jump j the product of earlier strides ------


def receptive_field(args: dict[str, Any], value: Any) -> str:
    """``1 + (5 − 1)·1 + (5 − 1)·2 + (5 − 1)·4 = 29``: each growth term ends with the jump of its input."""
    return f"1 + {' + '.join(_growth_terms(args['layers']))} = {value}"


def receptive_field_per_layer(args: dict[str, Any], value: Any) -> str:
    """One clause per layer: ``1 + (5 − 1)·1 = 5; 5 + (5 − 1)·2 = 13; ...``."""
    clauses, previous = [], 1
    for term, field in zip(_growth_terms(args["layers"]), value):
        clauses.append(f"{previous} + {term} = {field}")
        previous = field
    return "; ".join(clauses)


def receptive_field_jumps(args: dict[str, Any], value: Any) -> str:
    """One clause per layer, the previous jump times this stride: ``1·2 = 2; 2·2 = 4``."""
    clauses, previous = [], 1
    for layer, jump in zip(args["layers"], value):
        clauses.append(f"{previous}·{layer.stride} = {jump}")
        previous = jump
    return "; ".join(clauses)


def _growth_terms(rf_layers: Iterable[Any]) -> list[str]:
    """(k − 1)·j per layer, or (k − 1)·d·j when dilated; j is the jump of the layer's input."""
    terms, jump = [], 1
    for layer in rf_layers:
        dilation = f"·{layer.dilation}" if layer.dilation != 1 else ""
        terms.append(f"({layer.kernel_size} − 1){dilation}·{jump}")
        jump *= layer.stride
    return terms


# --- memory: N parameters of b bytes; MB = 10^6 bytes, MiB = 2^20 ------------------------------------------

_UNIT_DIVISOR = {"bytes": "", "MB": "/10^6", "MiB": "/2^20", "GB": "/10^9", "GiB": "/2^30"}


def param_bytes(args: dict[str, Any], value: Any) -> str:
    return f"{args['count']}·{memory.dtype_bytes(args['dtype'])} = {value}"


def model_size(args: dict[str, Any], value: Any) -> str:
    """``60192808·4/10^6 = 240.771232`` (MB) or ``…/2^20`` (MiB)."""
    divisor = _UNIT_DIVISOR[args["unit"]]
    return f"{args['count']}·{memory.dtype_bytes(args['dtype'])}{divisor} = {_show(value)}"


def optimizer_state_bytes(args: dict[str, Any], value: Any) -> str:
    """k·N·b with k buffers per element (momentum 1, Adam 2, AMSGrad 3)."""
    return f"{_buffers(args)}·{args['count']}·{memory.dtype_bytes(args['dtype'])} = {value}"


def training_memory_bytes(args: dict[str, Any], value: Any) -> str:
    """(2 + k)·N·b: weights, gradients and k optimizer buffers."""
    return f"(2 + {_buffers(args)})·{args['count']}·{memory.dtype_bytes(args['dtype'])} = {value}"


def _buffers(args: dict[str, Any]) -> int:
    return memory.OPTIMIZER_BUFFERS[args["optimizer"]] + (1 if args["amsgrad"] else 0)


# --- detection and reductions --------------------------------------------------------------------------------


def yolo_depth(args: dict[str, Any], value: Any) -> str:
    """v1: B·5 + C (classes per cell); v2, v3: B·(5 + C) (classes per box)."""
    boxes, classes = args["boxes_per_cell"], args["num_classes"]
    if args["version"] == 1:
        return f"{boxes}·5 + {classes} = {value}"
    return f"{boxes}·(5 + {classes}) = {value}"


def _reduction(count: Callable[[Any, Any], int]) -> Derivation:
    """``100·(1 − 9984/204928) = 95.12804497`` with the counts of the replacement and the replaced layers."""
    def derivation(args: dict[str, Any], value: Any) -> str:
        old, new = (count(args["input_shape"], args[name]) for name in ("layers", "replacement"))
        return f"100·(1 − {new}/{old}) = {_show(value)}"
    return derivation


DERIVATIONS: Mapping[str, Derivation] = {
    "linear_params": linear_params,
    "conv2d_params": conv2d_params,
    "conv_transpose2d_params": conv_transpose2d_params,
    "conv_output_size": conv_output_size,
    "conv_transpose_output_size": conv_transpose_output_size,
    "network_params": network_params,
    "conv_layers_to_reach": conv_layers_to_reach,
    "conv2d_matrix_shape": conv2d_matrix_shape,
    "conv_transpose2d_matrix_shape": conv_transpose2d_matrix_shape,
    "conv2d_macs": _macs(_conv2d_product),
    "conv2d_flops": _flops(_conv2d_product),
    "conv_transpose2d_macs": _macs(_conv_transpose2d_product),
    "conv_transpose2d_flops": _flops(_conv_transpose2d_product),
    "linear_macs": _macs(_linear_product),
    "linear_flops": _flops(_linear_product),
    "network_macs": _macs(_network_sum),
    "network_flops": _flops(_network_sum),
    "depthwise_separable_macs": depthwise_separable_macs,
    "conv3d_macs": conv3d_macs,
    "conv3d_params": conv3d_params,
    "depthwise_separable_params": depthwise_separable_params,
    "batchnorm2d_params": batchnorm2d_params,
    "receptive_field": receptive_field,
    "receptive_field_per_layer": receptive_field_per_layer,
    "receptive_field_jumps": receptive_field_jumps,
    "param_bytes": param_bytes,
    "model_size": model_size,
    "optimizer_state_bytes": optimizer_state_bytes,
    "training_memory_bytes": training_memory_bytes,
    "yolo_depth": yolo_depth,
    "network_params_reduction": _reduction(network.network_params),
    "network_macs_reduction": _reduction(macs.network_macs),
}

_unknown = sorted(set(DERIVATIONS) - set(SOLVERS))
if _unknown:
    raise RuntimeError(f"derivations for unknown solvers: {_unknown}")


def derive(solver_name: str, args: dict[str, Any], value: Any) -> str | None:
    derivation = DERIVATIONS.get(solver_name)
    if derivation is None:
        return None
    return derivation(SOLVERS[solver_name].validate_args(args), value)
