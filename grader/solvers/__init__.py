"""Reference solvers, keyed by name: the registry problem files name in ``expected.solver``.

The modules hold plain typed functions (callable directly, unvalidated); the registry wraps each one as a
``Solver`` whose signature is validated when a problem file loads. Every solver is listed here explicitly.
"""

from __future__ import annotations

import difflib
from typing import Mapping

from grader.solvers import (channels, detection, equivariance, filters, gradient_moments, gradients, layers, macs,
                            memory, mistakes, network, numerics, params, receptive, recovery, reductions, sizes)
from grader.solvers.registry import Solver, build_registry, solver

SOLVERS: Mapping[str, Solver] = build_registry(
    solver(func)
    for func in (
        # parameter counts
        params.linear_params,
        params.conv2d_params,
        params.conv_transpose2d_params,
        # output sizes and shapes
        sizes.conv_output_size,
        sizes.conv_transpose_output_size,
        sizes.pool_output_size,
        sizes.conv2d_matrix_shape,
        sizes.conv_transpose2d_matrix_shape,
        sizes.conv2d_output_shape,
        sizes.conv_transpose2d_output_shape,
        sizes.conv_layers_to_reach,
        sizes.conv_output_size_formula,
        sizes.conv_transpose_output_size_formula,
        # worked matrices
        numerics.conv2d_matrix,
        numerics.conv_transpose2d_matrix,
        # more layers: batch norm, depthwise separable, 3-D convolution, weight shapes, channels-last
        layers.batchnorm2d_params,
        layers.depthwise_separable_params,
        layers.depthwise_separable_macs,
        layers.conv3d_params,
        layers.conv3d_output_shape,
        layers.conv2d_weight_shape,
        layers.conv3d_weight_shape,
        layers.conv_transpose2d_weight_shape,
        layers.conv2d_output_shape_hwc,
        layers.depthwise_separable_params_formula,
        layers.depthwise_separable_macs_formula,
        layers.conv2d_params_formula,
        layers.conv3d_macs,
        layers.conv3d_macs_formula,
        # channel counts read off a weight shape; the depth of the next layer's filters
        channels.conv2d_in_channels,
        channels.conv2d_out_channels,
        channels.next_filter_depth,
        # filter recovery from a signal and its 'valid' output
        recovery.recover_filter_1d,
        recovery.recover_filter_2d,
        # what a designed filter or layer must do (graded by the designed_filter and conv_layer answer kinds)
        filters.designed_filter_properties,
        filters.fc_as_conv_layer,
        # shift invariance of circular-padding conv nets with global average pooling
        equivariance.gap_features_of_shifted_input,
        # pooling, gradients and one SGD step on small matrices
        gradients.max_pool2d_matrix,
        gradients.avg_pool2d_matrix,
        gradients.relu_matrix,
        gradients.relu_backward_matrix,
        gradients.max_pool2d_backward_matrix,
        gradients.avg_pool2d_backward_matrix,
        gradients.conv2d_input_gradient_matrix,
        gradients.conv2d_weight_gradient_matrix,
        gradients.conv2d_matrix_circular,
        gradients.conv1d_vector,
        gradients.sgd_step_matrix,
        gradients.conv2d_sgd_step_matrix,
        # the weight gradient's mean, variance and growth for random inputs
        gradient_moments.conv_weight_gradient_mean_formula,
        gradient_moments.conv_weight_gradient_variance_formula,
        gradient_moments.conv_weight_gradient_std_formula,
        gradient_moments.conv_weight_gradient_growth,
        # whole networks
        network.network_params,
        network.network_output_shape,
        network.network_layer_count,
        # what a replacement saves (percent fewer parameters or MACs)
        reductions.network_params_reduction,
        reductions.network_macs_reduction,
        # receptive fields
        receptive.receptive_field,
        receptive.receptive_field_per_layer,
        receptive.receptive_field_jumps,
        receptive.receptive_field_formula,
        # multiply-accumulates and FLOPs (FLOPs = 2 x MACs)
        macs.conv2d_macs,
        macs.conv2d_flops,
        macs.conv_transpose2d_macs,
        macs.conv_transpose2d_flops,
        macs.linear_macs,
        macs.linear_flops,
        macs.network_macs,
        macs.network_flops,
        macs.network_layer_macs,
        macs.conv2d_macs_formula,
        # detection
        detection.iou,
        detection.yolo_depth,
        detection.yolo_output_shape,
        # memory
        memory.dtype_bytes,
        memory.param_bytes,
        memory.model_size,
        memory.optimizer_state_bytes,
        memory.training_memory_bytes,
        memory.training_memory_with_activations,
        memory.resnet_params,
        # distractors (common mistakes)
        mistakes.conv_output_size_no_plus_one,
        mistakes.conv_output_size_rounded_up,
        mistakes.conv_output_size_padding_once,
        mistakes.conv2d_matrix_shape_no_plus_one,
        mistakes.conv_transpose_output_size_as_conv,
        mistakes.conv_transpose_output_size_no_minus_one,
        mistakes.conv2d_params_ignoring_in_channels,
        mistakes.conv_transpose2d_params_swapped,
        mistakes.network_params_without_bias,
        mistakes.conv2d_weight_gradient_by_convolution,
        mistakes.conv2d_sgd_step_ascent,
        receptive.receptive_field_previous_stride,
        macs.conv2d_macs_input_size,
        macs.conv2d_flops_as_macs,
        detection.yolo_depth_v1_style,
        detection.yolo_depth_per_box_classes,
        memory.model_size_mib_as_mb,
        memory.optimizer_state_bytes_adam_as_momentum,
        reductions.network_params_percent_kept,
        reductions.network_macs_percent_kept,
    )
)


def close_solver_names(name: str) -> list[str]:
    """Registered names close to a misspelt one, best first (difflib ratio at least 0.8, at most 3)."""
    return difflib.get_close_matches(name, list(SOLVERS), n=3, cutoff=0.8)


def get_solver(name: str) -> Solver:
    """The solver called ``name``; ``KeyError`` naming the closest known names otherwise."""
    try:
        return SOLVERS[name]
    except KeyError:
        close = close_solver_names(name)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise KeyError(f"unknown solver {name!r}{hint}") from None


__all__ = ["SOLVERS", "Solver", "close_solver_names", "get_solver"]
