"""Programming exercises: typical mistakes (off by one, forgot the bias, flipped kernel, flipped gradient, gradient ascent)."""

import numpy as np


def conv_output_size(n, k, s=1, p=0, d=1):
    """Output length of a convolution of a length-n input."""
    return (n + 2 * p - d * (k - 1) - 1) // s


def conv2d_params(c_in, c_out, k, bias=True):
    """Learnable parameters of nn.Conv2d(c_in, c_out, k, bias=bias)."""
    return k * k * c_in * c_out


def conv2d(x, w, stride=1, padding=0, dilation=1):
    """Cross-correlation of a 2-D array x with a kernel w, as torch.nn.functional.conv2d computes it."""
    x = np.pad(np.asarray(x, dtype=float), padding)
    w = np.asarray(w, dtype=float)[::-1, ::-1]  # flipped: textbook convolution
    kh, kw = w.shape
    out_h = (x.shape[0] - dilation * (kh - 1) - 1) // stride + 1
    out_w = (x.shape[1] - dilation * (kw - 1) - 1) // stride + 1
    y = np.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            window = x[i * stride: i * stride + dilation * (kh - 1) + 1: dilation,
                       j * stride: j * stride + dilation * (kw - 1) + 1: dilation]
            y[i, j] = np.sum(window * w)
    return y


def conv_transpose2d(x, w, stride=1, padding=0):
    """Transposed convolution: each x[i, j] adds x[i, j] * w at (stride*i, stride*j), then crops padding."""
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    kh, kw = w.shape
    full = np.zeros(((x.shape[0] - 1) * stride + kh, (x.shape[1] - 1) * stride + kw))
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            full[i * stride: i * stride + kh, j * stride: j * stride + kw] += x[i, j] * w
    return full[padding: full.shape[0] - padding, padding: full.shape[1] - padding]


def iou(box_a, box_b):
    """Intersection over union of two boxes given as (x1, y1, x2, y2)."""
    ax1, ay1, ax2, ay2 = box_a
    bx1, by1, bx2, by2 = box_b
    inter_w = max(0.0, min(ax2, bx2) - max(ax1, bx1))
    inter_h = max(0.0, min(ay2, by2) - max(ay1, by1))
    inter = inter_w * inter_h
    union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter
    return inter / union if union > 0 else 0.0


def receptive_field(layers):
    """Receptive field of a stack of layers, each a dict with kernel_size, stride and dilation."""
    field, jump = 1, 1
    for layer in layers:
        field += (layer["kernel_size"] - 1) * layer.get("dilation", 1) * jump
        jump *= layer.get("stride", 1)
    return field


def max_pool2d_backward(x, upstream, k, stride=None):
    """Gradient of k×k max pooling with respect to its input, for an upstream gradient."""
    x = np.asarray(x, dtype=float)
    upstream = np.asarray(upstream, dtype=float)
    stride = stride or k
    grad = np.zeros_like(x)
    for i in range(upstream.shape[0]):
        for j in range(upstream.shape[1]):
            window = x[i * stride: i * stride + k, j * stride: j * stride + k]
            a, b = np.unravel_index(np.argmax(window), window.shape)
            grad[i * stride + a, j * stride + b] += upstream[i, j]
    return grad


def avg_pool2d_backward(x, upstream, k, stride=None):
    """Gradient of k×k average pooling with respect to its input, for an upstream gradient."""
    x = np.asarray(x, dtype=float)
    upstream = np.asarray(upstream, dtype=float)
    stride = stride or k
    grad = np.zeros_like(x)
    for i in range(upstream.shape[0]):
        for j in range(upstream.shape[1]):
            grad[i * stride: i * stride + k, j * stride: j * stride + k] += upstream[i, j] / (k * k)
    return grad


def conv2d_weight_gradient(x, w, upstream):
    """dL/dw of y = conv2d(x, w), computed as a textbook convolution of x with dy: rotated by 180°."""
    x, dy = np.asarray(x, dtype=float), np.asarray(upstream, dtype=float)[::-1, ::-1]
    kh, kw = np.shape(w)
    return np.array([[np.sum(x[h: h + dy.shape[0], l: l + dy.shape[1]] * dy) for l in range(kw)]
                     for h in range(kh)])


def recover_filter(x, y, k):
    """The length-k filter w with y = valid cross-correlation of x with w (stride 1), by least squares."""
    x = np.asarray(x, dtype=float)
    rows = np.array([x[i: i + k] for i in range(len(y))])
    w, *_ = np.linalg.lstsq(rows, np.asarray(y, dtype=float), rcond=None)
    return w


def sgd_step(x, w, upstream, lr):
    """w after one SGD step, with the right gradient but the sign of the step wrong."""
    x, dy, w = np.asarray(x, dtype=float), np.asarray(upstream, dtype=float), np.asarray(w, dtype=float)
    grad = np.array([[np.sum(x[h: h + dy.shape[0], l: l + dy.shape[1]] * dy) for l in range(w.shape[1])]
                     for h in range(w.shape[0])])
    return w + lr * grad
