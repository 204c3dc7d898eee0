"""One-line derivations for published keys, e.g. ``(3·3·10 + 1)·20 = 1820``, keyed by solver name.

A derivation takes the solver's validated arguments and its value and returns the arithmetic that gives
the value. Solvers without one are shown as their call (``solver(arg=value, ...)``) in the key.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Callable, Mapping

from grader.solvers import SOLVERS
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
    from grader.solvers.network import walk_network

    records = walk_network(args["input_shape"], args["layers"])
    counts = Counter(record.params for record in records if record.params)
    order = list(dict.fromkeys(record.params for record in records if record.params))
    terms = [f"{counts[p]}×{p}" if counts[p] > 1 else str(p) for p in order]
    return f"{' + '.join(terms) or '0'} = {value}"


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
}

_unknown = sorted(set(DERIVATIONS) - set(SOLVERS))
if _unknown:
    raise RuntimeError(f"derivations for unknown solvers: {_unknown}")


def derive(solver_name: str, args: dict[str, Any], value: Any) -> str | None:
    derivation = DERIVATIONS.get(solver_name)
    if derivation is None:
        return None
    return derivation(SOLVERS[solver_name].validate_args(args), value)
