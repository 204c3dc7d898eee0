"""Generate the homework-4 course notebooks, student and solution versions, from the cell lists below.

    python problems/notebooks/make_notebooks.py           # (re)write the four .ipynb files
    python problems/notebooks/make_notebooks.py --check   # exit 1 if a file on disk is out of date

Writes ``EdgeDetection.ipynb`` and ``GPUMemory.ipynb`` (student versions) beside this script and the
same two names under ``solutions/``. Both versions are built from one list of cells per notebook, so
they share every cell except the TODO cells. A TODO cell's source holds the solution between
``# BEGIN SOLUTION`` and ``# END SOLUTION`` lines: the solution notebook keeps the lines between the
markers, the student notebook gets ``raise NotImplementedError("TODO")`` at the block's indentation
instead. Cell ids are derived from the notebook name and the cell's position, outputs are empty and
the JSON is nbformat's (sorted keys), so regenerating gives byte-identical files.

The first code cell of each notebook is tagged ``parameters`` (papermill style). The grader inserts a
cell after it with ``GRADING_PARAMETERS[name]`` (``grading_cell_source(name)``): the small sizes with
which the solution notebook runs on a CPU in under a minute.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

HERE = Path(__file__).resolve().parent
SOLUTIONS = HERE / "solutions"

BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"
STUDENT_STUB = 'raise NotImplementedError("TODO")'

GRADING_PARAMETERS: dict[str, dict[str, Any]] = {
    "EdgeDetection": {
        "GRADING": True,
        "IMAGE_SIZE": 16,
        "N_VAL_PER_CLASS": 50,
        "N_OVERFIT_PER_CLASS": 5,
        "N_TRAIN_PER_CLASS": 20,
        "N_TRAIN_SWEEP": [2, 5, 20, 50],
        "N_LARGE_PER_CLASS": 50,
        "EPOCHS": 60,
        "KERNEL_SIZES": [3, 7, 11],
        "NUM_THREADS": 1,
    },
    "GPUMemory": {
        "GRADING": True,
        "DEVICE": "cpu",
        "N_TRAIN": 512,
        "N_VAL": 256,
        "EPOCHS": 2,
        "BATCH_SIZES": [4, 16, 64, 256],
        "NUM_THREADS": 1,
    },
}
"""What the grader's injected cell sets (the seed and FIGURES are the grader's own choice)."""


@dataclass(frozen=True)
class Cell:
    """One notebook cell: ``kind`` is "markdown" or "code"; a TODO cell carries the tag "todo"."""

    kind: str
    source: str
    tags: tuple[str, ...] = ()

    @property
    def is_todo(self) -> bool:
        return "todo" in self.tags


def _text(source: str) -> str:
    return textwrap.dedent(source).strip("\n")


def md(source: str) -> Cell:
    return Cell("markdown", _text(source))


def code(source: str, *tags: str) -> Cell:
    return Cell("code", _text(source), tags)


def parameters(source: str) -> Cell:
    return code(source, "parameters")


def todo(source: str) -> Cell:
    """A code cell the student completes: its source has one or more BEGIN/END SOLUTION blocks."""
    return code(source, "todo")


def solution_blocks(source: str) -> list[tuple[int, int]]:
    """(begin, end) line indices of each marker pair; ValueError if the markers are unbalanced."""
    blocks, begin = [], None
    for index, line in enumerate(source.splitlines()):
        marker = line.strip()
        if marker == BEGIN:
            if begin is not None:
                raise ValueError(f"nested {BEGIN!r} at line {index + 1}")
            begin = index
        elif marker == END:
            if begin is None:
                raise ValueError(f"{END!r} without {BEGIN!r} at line {index + 1}")
            blocks.append((begin, index))
            begin = None
    if begin is not None:
        raise ValueError(f"{BEGIN!r} at line {begin + 1} is never closed")
    return blocks


def render(cell: Cell, solution: bool) -> str:
    """The cell's source in the solution (markers dropped) or student (blocks stubbed) notebook."""
    blocks = solution_blocks(cell.source)
    if bool(blocks) != cell.is_todo:
        raise ValueError(f"solution blocks belong in (and only in) cells tagged todo:\n{cell.source}")
    lines = cell.source.splitlines()
    out, position = [], 0
    for begin, end in blocks:
        out.extend(lines[position:begin])
        if solution:
            out.extend(lines[begin + 1 : end])
        else:
            indent = lines[begin][: len(lines[begin]) - len(lines[begin].lstrip())]
            out.append(indent + STUDENT_STUB)
        position = end + 1
    out.extend(lines[position:])
    return "\n".join(out)


def build_notebook(name: str, cells: list[Cell], solution: bool) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for index, cell in enumerate(cells):
        metadata = {"tags": list(cell.tags)} if cell.tags else {}
        cell_id = f"{name.lower()}-{index:02d}"
        source = render(cell, solution)
        if cell.kind == "markdown":
            nb.cells.append(nbformat.v4.new_markdown_cell(source, id=cell_id, metadata=metadata))
        else:
            nb.cells.append(nbformat.v4.new_code_cell(source, id=cell_id, metadata=metadata))
    nbformat.validate(nb)
    return nb


def grading_cell_source(name: str) -> str:
    """The source of the cell the grader injects after the parameters cell of notebook ``name``."""
    lines = ["# Injected by the grader: grading mode"]
    lines += [f"{key} = {value!r}" for key, value in GRADING_PARAMETERS[name].items()]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------
# EdgeDetection.ipynb: inductive bias of CNNs (homework 4, question 6)
# ---------------------------------------------------------------------------------------------------

EDGE_INTRO = md(
    """
    # Inductive bias of CNNs: edge detection

    Homework 4, question 6. We classify small grayscale images that show a horizontal line, a vertical
    line or no line at all, with noise and random shifts, and compare a small convolutional network
    (CNN) with a multi-layer perceptron (MLP). All data is synthetic and generated here from `SEED`:
    nothing is downloaded.

    Complete the cells marked `# TODO` (each raises `NotImplementedError` until you do), then run the
    notebook top to bottom. The sections follow the homework: **Q1** = 6(a), **Q2** = 6(b),
    **Q3** = 6(c), **Q4** = 6(d), **Q5** = 6(e), **Q6** = 6(f). Answer the written questions in your
    PDF submission and include the figures (they are also saved under `FIGURES`).

    The autograder reads the variables and functions named in each section, so keep those names.
    """
)

EDGE_PARAMETERS = parameters(
    """
    # Parameters. The autograder inserts a cell after this one (GRADING = True and smaller sizes).
    GRADING = False            # grading mode: Agg backend, figures saved and closed, not shown
    SEED = 0                   # seeds every numpy and torch generator in the notebook
    IMAGE_SIZE = 28            # images are IMAGE_SIZE x IMAGE_SIZE, one channel
    NOISE = 0.5                # standard deviation of the Gaussian pixel noise
    N_VAL_PER_CLASS = 300      # validation images per class
    N_OVERFIT_PER_CLASS = 5    # Q1: the small training set
    N_TRAIN_PER_CLASS = 20     # Q3 and Q4: training images per class
    N_TRAIN_SWEEP = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]  # Q2: training images per class
    N_LARGE_PER_CLASS = 100    # Q5 and Q6: training images per class
    EPOCHS = 60                # training epochs
    BATCH_SIZE = 32            # mini-batch size
    LR = 0.01                  # Adam learning rate
    N_FILTERS = 8              # convolution filters of the CNN
    KERNEL_SIZES = [3, 7, 15]  # Q5: kernel sizes of the CNN to compare
    NUM_THREADS = 2            # torch CPU threads
    FIGURES = "figures"        # folder the figures are saved in
    """
)

EDGE_SETUP = code(
    """
    import json
    import os

    import matplotlib
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    if GRADING:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    torch.set_num_threads(NUM_THREADS)
    os.makedirs(FIGURES, exist_ok=True)


    def rng_for(*keys):
        \"\"\"A numpy generator seeded by SEED and `keys`, so that each experiment has its own stream.\"\"\"
        return np.random.default_rng([SEED, *keys])


    def save_figure(fig, name):
        \"\"\"Save `fig` as FIGURES/name.png, then show it (or close it in grading mode).\"\"\"
        fig.tight_layout()
        plt.figure(fig.number)
        plt.savefig(f"{FIGURES}/{name}.png", dpi=80)
        if GRADING:
            plt.close(fig)
        else:
            plt.show()
    """
)

EDGE_DATA_INTRO = md(
    """
    ## Data

    `make_edge_image(kind, size, shift, thickness=1)` draws one noise-free image: a line of ones on
    zeros. A horizontal line occupies the rows `size // 2 + shift` to `size // 2 + shift + thickness - 1`
    (a vertical line the same columns); a diagonal line the pixels with `0 <= (col - row) - shift <
    thickness` (top left to bottom right); an antidiagonal line those with
    `0 <= (row + col) - (size - 1) - shift < thickness`; `"none"` is all zeros. A horizontal or vertical
    line that does not fit in the image is a `ValueError`, and so is an unknown kind.
    """
)

EDGE_MAKE_IMAGE = todo(
    """
    EDGE_KINDS = ("none", "horizontal", "vertical", "diagonal", "antidiagonal")


    def make_edge_image(kind, size, shift, thickness=1):
        \"\"\"A size x size float32 numpy array: a line of ones (see above) on a background of zeros.\"\"\"
        if kind not in EDGE_KINDS:
            raise ValueError(f"unknown kind {kind!r}; expected one of {EDGE_KINDS}")
        image = np.zeros((size, size), dtype=np.float32)
        # TODO: draw the line of `kind` (nothing for "none"); raise ValueError if a horizontal or
        # vertical line does not fit in the image.
        # BEGIN SOLUTION
        if kind == "none":
            return image
        rows, cols = np.indices((size, size))
        if kind in ("horizontal", "vertical"):
            start = size // 2 + shift
            if start < 0 or start + thickness > size:
                raise ValueError(f"a {kind} line at shift {shift} of thickness {thickness} does not fit")
            offset = (rows if kind == "horizontal" else cols) - start
        elif kind == "diagonal":
            offset = cols - rows - shift
        else:
            offset = rows + cols - (size - 1) - shift
        image[(offset >= 0) & (offset < thickness)] = 1.0
        # END SOLUTION
        return image
    """
)

EDGE_DATASET = code(
    """
    CLASSES = ["none", "horizontal", "vertical"]


    def line_shifts(size, thickness, margin=2):
        \"\"\"The shifts that keep a line of `thickness` at least `margin` pixels from the border.\"\"\"
        return list(range(margin - size // 2, size - size // 2 - thickness - margin + 1))


    def make_dataset(classes, n_per_class, rng, size=None, shifts=None, thicknesses=(1,), noise=None):
        \"\"\"n_per_class noisy images of each kind in `classes`, shuffled.

        Each image gets a random shift from `shifts` (default: `line_shifts`) and a random thickness
        from `thicknesses`, then Gaussian noise. Returns X (N, 1, size, size) float32 and y (N,) int64,
        y being the index of the kind in `classes`.
        \"\"\"
        size = IMAGE_SIZE if size is None else size
        noise = NOISE if noise is None else noise
        images, labels = [], []
        for label, kind in enumerate(classes):
            for _ in range(n_per_class):
                thickness = int(rng.choice(thicknesses))
                allowed = line_shifts(size, thickness) if shifts is None else shifts
                images.append(make_edge_image(kind, size, int(rng.choice(allowed)), thickness))
                labels.append(label)
        X = np.stack(images)[:, None] + noise * rng.standard_normal((len(images), 1, size, size))
        order = rng.permutation(len(labels))
        return torch.tensor(X[order], dtype=torch.float32), torch.tensor(np.array(labels)[order])


    def plot_examples(X, y, classes, name, per_class=4, title=None):
        fig, axes = plt.subplots(len(classes), per_class, figsize=(1.6 * per_class, 1.6 * len(classes)))
        for label, row in zip(range(len(classes)), np.atleast_2d(axes)):
            picks = torch.nonzero(y == label).flatten()[:per_class]
            for ax, index in zip(row, picks):
                ax.imshow(X[index, 0], cmap="gray")
                ax.set_title(classes[label], fontsize=8)
            for ax in row:
                ax.axis("off")
        if title:
            fig.suptitle(title)
        save_figure(fig, name)


    X_val, y_val = make_dataset(CLASSES, N_VAL_PER_CLASS, rng_for(0))
    plot_examples(X_val, y_val, CLASSES, "examples")
    """
)

EDGE_MODELS_INTRO = md(
    """
    ## Models and training

    The CNN is one convolution layer (`N_FILTERS` filters, "same" zero padding), a ReLU, a global
    pooling over the whole image (max or average) and a linear classifier: its learned filters are
    easy to look at. The MLP flattens the image into one hidden layer of 64 units and a linear
    classifier. `count_parameters(model)` counts the trainable parameters (those with
    `requires_grad`).
    """
)

EDGE_MODELS = todo(
    """
    GLOBAL_POOLS = {"max": nn.AdaptiveMaxPool2d, "avg": nn.AdaptiveAvgPool2d}


    class EdgeCNN(nn.Module):
        \"\"\"conv (1 -> n_filters, k x k, same padding) -> ReLU -> global max/avg pool -> linear.\"\"\"

        def __init__(self, n_classes, n_filters=N_FILTERS, kernel_size=3, pool="max"):
            super().__init__()
            self.conv = nn.Conv2d(1, n_filters, kernel_size, padding=kernel_size // 2)
            self.pool = GLOBAL_POOLS[pool](1)
            self.fc = nn.Linear(n_filters, n_classes)

        def forward(self, x):
            return self.fc(self.pool(F.relu(self.conv(x))).flatten(1))


    class EdgeMLP(nn.Module):
        \"\"\"flatten -> linear (size*size -> hidden) -> ReLU -> linear (hidden -> n_classes).\"\"\"

        def __init__(self, n_classes, size=None, hidden=64):
            super().__init__()
            size = IMAGE_SIZE if size is None else size
            self.net = nn.Sequential(
                nn.Flatten(), nn.Linear(size * size, hidden), nn.ReLU(), nn.Linear(hidden, n_classes)
            )

        def forward(self, x):
            return self.net(x)


    def make_model(name, n_classes, seed=0, **kwargs):
        \"\"\"A freshly initialised "cnn" or "mlp", its weights drawn from torch seed (SEED, seed).\"\"\"
        torch.manual_seed(SEED * 1000 + seed)
        return EdgeCNN(n_classes, **kwargs) if name == "cnn" else EdgeMLP(n_classes, **kwargs)


    def count_parameters(model):
        \"\"\"The number of trainable parameters (elements of the parameters with requires_grad).\"\"\"
        # TODO: sum the number of elements of the trainable parameters.
        # BEGIN SOLUTION
        return sum(p.numel() for p in model.parameters() if p.requires_grad)
        # END SOLUTION


    cnn_params = count_parameters(make_model("cnn", len(CLASSES)))
    mlp_params = count_parameters(make_model("mlp", len(CLASSES)))
    print(f"CNN: {cnn_params:,} parameters; MLP: {mlp_params:,} parameters")
    """
)

EDGE_Q1_INTRO = md(
    """
    ## Q1. Overfitting models to a small dataset (6(a))

    Complete the optimisation step of `train_model`, then train both models on only
    `N_OVERFIT_PER_CLASS` images per class. Both should reach 100% training accuracy.

    **6(a)(i)** Can you find any interesting patterns in the learned filters?
    """
)

EDGE_TRAIN = todo(
    """
    def accuracy(logits, y):
        return (logits.argmax(1) == y).float().mean().item()


    @torch.no_grad()
    def evaluate(model, X, y):
        \"\"\"(mean cross-entropy loss, accuracy) of `model` on X, y.\"\"\"
        model.eval()
        logits = model(X)
        return F.cross_entropy(logits, y).item(), accuracy(logits, y)


    @torch.no_grad()
    def predict(model, X):
        model.eval()
        return model(X).argmax(1)


    def train_model(model, X, y, epochs=None, lr=LR, batch_size=BATCH_SIZE, val=None, seed=0):
        \"\"\"Train `model` with Adam on shuffled mini-batches; return its history.

        The history holds per-epoch lists "train_loss", "train_acc" and, when `val` = (X_val, y_val) is
        given, "val_loss", "val_acc" (without `val` only the last epoch is evaluated). Only the
        parameters with requires_grad are trained.
        \"\"\"
        epochs = EPOCHS if epochs is None else epochs
        optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
        generator = torch.Generator().manual_seed(SEED * 1000 + seed)
        history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}
        for epoch in range(epochs):
            model.train()
            order = torch.randperm(len(y), generator=generator)
            for start in range(0, len(y), batch_size):
                batch = order[start : start + batch_size]
                # TODO: one optimisation step on X[batch], y[batch]: zero the gradients, compute the
                # cross-entropy loss of the model's logits, backpropagate and step the optimizer.
                # BEGIN SOLUTION
                optimizer.zero_grad()
                loss = F.cross_entropy(model(X[batch]), y[batch])
                loss.backward()
                optimizer.step()
                # END SOLUTION
            if val is not None or epoch == epochs - 1:
                splits = {"train": (X, y)} if val is None else {"train": (X, y), "val": val}
                for split, (X_split, y_split) in splits.items():
                    loss, acc = evaluate(model, X_split, y_split)
                    history[f"{split}_loss"].append(loss)
                    history[f"{split}_acc"].append(acc)
        return history
    """
)

EDGE_KERNEL_PLOT = code(
    """
    def conv_kernels(model):
        \"\"\"The CNN's filters as a numpy array (n_filters, k, k).\"\"\"
        return model.conv.weight.detach()[:, 0].numpy().copy()


    def plot_kernels(rows, name):
        \"\"\"rows: {row title: array (n, k, k)}; one image per filter, blue < 0 < red.\"\"\"
        n = max(len(kernels) for kernels in rows.values())
        fig, axes = plt.subplots(len(rows), n, figsize=(1.3 * n, 1.5 * len(rows)), squeeze=False)
        for ax_row, (title, kernels) in zip(axes, rows.items()):
            for index, ax in enumerate(ax_row):
                ax.axis("off")
                if index < len(kernels):
                    limit = np.abs(kernels[index]).max() + 1e-8
                    ax.imshow(kernels[index], cmap="bwr", vmin=-limit, vmax=limit)
            ax_row[0].set_title(title, fontsize=9, loc="left")
        save_figure(fig, name)
    """
)

EDGE_Q1_RUN = code(
    """
    X_small, y_small = make_dataset(CLASSES, N_OVERFIT_PER_CLASS, rng_for(1))
    overfit_train_acc, overfit_val_acc, overfit_models = {}, {}, {}
    for name in ("cnn", "mlp"):
        model = make_model(name, len(CLASSES), seed=1)
        history = train_model(model, X_small, y_small, val=(X_val, y_val), seed=1)
        overfit_models[name] = model
        overfit_train_acc[name] = history["train_acc"][-1]
        overfit_val_acc[name] = history["val_acc"][-1]
    print("training accuracy:", overfit_train_acc)
    print("validation accuracy:", overfit_val_acc)
    plot_kernels({"CNN filters after overfitting": conv_kernels(overfit_models["cnn"])}, "q1_kernels")
    """
)

EDGE_Q2_INTRO = md(
    """
    ## Q2. Sweeping the number of training images (6(b))

    We train the CNN and the MLP on `n` images per class for each `n` in `N_TRAIN_SWEEP`, and two
    CNNs whose convolution is **frozen** (only the final linear layer trains): one with its random
    initial filters, one with classic edge detectors. Complete `edge_detector_kernels()`: eight 3x3
    kernels, in this order: Sobel x (responds to vertical edges, `[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]`),
    Sobel y (its transpose), their negatives, then the line detectors for horizontal
    (`[[-1, -1, -1], [2, 2, 2], [-1, -1, -1]]`), vertical, diagonal (top left to bottom right) and
    antidiagonal lines (2 on the line, -1 elsewhere). Every kernel sums to zero, so a flat image gives
    no response.

    **6(b)(i)** Compare the learned kernels, untrained kernels and edge-detector kernels. What do you
    observe?

    **6(b)(ii)** We freeze the convolutional layer and train only the final layer (the classifier).
    In a high-data regime the CNN initialised with edge detectors does worse than a CNN initialised
    with random weights whose convolution is trained. Why do you think this happens? (The plot also
    shows the frozen random filters.)
    """
)

EDGE_Q2_KERNELS = todo(
    """
    EDGE_KERNEL_NAMES = ["sobel_x", "sobel_y", "-sobel_x", "-sobel_y",
                         "line_horizontal", "line_vertical", "line_diagonal", "line_antidiagonal"]


    def edge_detector_kernels():
        \"\"\"The eight classic kernels of EDGE_KERNEL_NAMES, as a float32 numpy array (8, 3, 3).\"\"\"
        # TODO: build the eight kernels described above.
        # BEGIN SOLUTION
        sobel_x = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float32)
        line_horizontal = np.array([[-1, -1, -1], [2, 2, 2], [-1, -1, -1]], dtype=np.float32)
        line_diagonal = 3 * np.eye(3, dtype=np.float32) - 1
        kernels = [sobel_x, sobel_x.T, -sobel_x, -sobel_x.T,
                   line_horizontal, line_horizontal.T, line_diagonal, np.fliplr(line_diagonal)]
        return np.stack(kernels).astype(np.float32)
        # END SOLUTION


    def frozen_cnn(n_classes, init, seed=0):
        \"\"\"A CNN whose convolution does not train: random ("random") or edge-detector ("edge") filters.\"\"\"
        model = make_model("cnn", n_classes, seed=seed, n_filters=len(EDGE_KERNEL_NAMES))
        if init == "edge":
            with torch.no_grad():
                model.conv.weight.copy_(torch.from_numpy(edge_detector_kernels())[:, None])
                model.conv.bias.zero_()
        model.conv.requires_grad_(False)
        return model
    """
)

EDGE_Q2_RUN = code(
    """
    def sweep_models(n_values):
        \"\"\"{model name: {str(n): validation accuracy}} for the four models of Q2.\"\"\"
        results = {"cnn": {}, "mlp": {}, "frozen_random": {}, "frozen_edge": {}}
        trained = {}
        for n in n_values:
            X_n, y_n = make_dataset(CLASSES, n, rng_for(2, n))
            models = {
                "cnn": make_model("cnn", len(CLASSES), seed=2),
                "mlp": make_model("mlp", len(CLASSES), seed=2),
                "frozen_random": frozen_cnn(len(CLASSES), "random", seed=2),
                "frozen_edge": frozen_cnn(len(CLASSES), "edge", seed=2),
            }
            for name, model in models.items():
                train_model(model, X_n, y_n, seed=2)
                results[name][str(n)] = evaluate(model, X_val, y_val)[1]
            trained[n] = models
        return results, trained


    sweep, sweep_models_by_n = sweep_models(N_TRAIN_SWEEP)
    cnn_val_acc_by_n = sweep["cnn"]
    mlp_val_acc_by_n = sweep["mlp"]
    frozen_random_val_acc_by_n = sweep["frozen_random"]
    frozen_edge_val_acc_by_n = sweep["frozen_edge"]
    for name, accs in sweep.items():
        print(f"{name:>14}:", {n: round(acc, 3) for n, acc in accs.items()})

    fig, ax = plt.subplots(figsize=(6, 4))
    labels = {"cnn": "CNN", "mlp": "MLP", "frozen_random": "CNN, frozen random conv",
              "frozen_edge": "CNN, frozen edge-detector conv"}
    for name, accs in sweep.items():
        ax.plot(N_TRAIN_SWEEP, list(accs.values()), marker="o", label=labels[name])
    ax.set(xscale="log", xlabel="training images per class", ylabel="validation accuracy",
           title="Accuracy vs number of training images")
    ax.legend()
    save_figure(fig, "accuracy_vs_n")

    largest = sweep_models_by_n[max(N_TRAIN_SWEEP)]
    plot_kernels({
        f"learned (n={max(N_TRAIN_SWEEP)})": conv_kernels(largest["cnn"]),
        "untrained": conv_kernels(make_model("cnn", len(CLASSES), seed=2)),
        "edge detectors": edge_detector_kernels(),
    }, "q2_kernels")
    """
)

EDGE_Q3_INTRO = md(
    """
    ## Q3. Checking the training procedures (6(c))

    Train the CNN and the MLP on `N_TRAIN_PER_CLASS` = 20 images per class and watch the training and
    validation curves. Try several numbers of epochs: list all of them in `q3_epochs` (the last one is
    the budget you keep; the cell trains once for `max(q3_epochs)` epochs and reads the accuracy after
    each budget from the history). The final validation accuracy of the CNN should be at least 90%.
    Complete `epochs_to_reach(history, target)`: the first epoch (counting from 1) whose value in
    `history` is at least `target`, or `None`.

    **6(c)(i)** List every number of epochs you trained the model for.
    **(ii)** Check the learned kernels. What do you observe?
    **(iii)** (optional) With many epochs the MLP's validation loss can increase while its validation
    accuracy increases. How can we interpret this?
    **(iv)** (optional) Tune the hyperparameters (parameters cell) and report the best setting.
    **(v)** How much more data does the MLP need to be competitive with the CNN
    (`mlp_n_to_match_cnn`, from the Q2 sweep)? Does the MLP generalise or memorise?
    """
)

EDGE_Q3_TODO = todo(
    """
    def epochs_to_reach(history, target):
        \"\"\"The first epoch (1-based) whose value in the list `history` is >= target; None if none is.\"\"\"
        # TODO
        # BEGIN SOLUTION
        for epoch, value in enumerate(history, start=1):
            if value >= target:
                return epoch
        return None
        # END SOLUTION


    # TODO: every number of epochs you tried, e.g. [10, 30, 100]; the last is the one you keep.
    # BEGIN SOLUTION
    q3_epochs = sorted({max(1, EPOCHS // 4), max(1, EPOCHS // 2), EPOCHS})
    # END SOLUTION
    """
)

EDGE_Q3_RUN = code(
    """
    X_train, y_train = make_dataset(CLASSES, N_TRAIN_PER_CLASS, rng_for(3))
    q3_histories, q3_models = {}, {}
    for name in ("cnn", "mlp"):
        q3_models[name] = make_model(name, len(CLASSES), seed=3)
        q3_histories[name] = train_model(q3_models[name], X_train, y_train, epochs=max(q3_epochs),
                                         val=(X_val, y_val), seed=3)

    q3_epochs = [int(epochs) for epochs in q3_epochs]
    cnn_val_acc_by_epochs = {str(e): q3_histories["cnn"]["val_acc"][e - 1] for e in q3_epochs}
    mlp_val_acc_by_epochs = {str(e): q3_histories["mlp"]["val_acc"][e - 1] for e in q3_epochs}
    q3_cnn_val_acc = q3_histories["cnn"]["val_acc"][-1]
    q3_mlp_val_acc = q3_histories["mlp"]["val_acc"][-1]
    q3_mlp_train_acc = q3_histories["mlp"]["train_acc"][-1]
    mlp_val_loss_history = q3_histories["mlp"]["val_loss"]
    cnn_epochs_to_90 = epochs_to_reach(q3_histories["cnn"]["val_acc"], 0.9)
    mlp_n_to_match_cnn = next(
        (n for n in N_TRAIN_SWEEP if mlp_val_acc_by_n[str(n)] >= q3_cnn_val_acc), None
    )
    print(f"CNN validation accuracy {q3_cnn_val_acc:.3f} (>= 0.9 from epoch {cnn_epochs_to_90})")
    print(f"MLP training accuracy {q3_mlp_train_acc:.3f}, validation accuracy {q3_mlp_val_acc:.3f}")
    print("by epochs:", cnn_val_acc_by_epochs, mlp_val_acc_by_epochs)
    print("MLP images per class to match the CNN:", mlp_n_to_match_cnn)

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
    epochs_axis = range(1, max(q3_epochs) + 1)
    for name, history in q3_histories.items():
        for split, style in (("train", "--"), ("val", "-")):
            axes[0].plot(epochs_axis, history[f"{split}_loss"], style, label=f"{name} {split}")
            axes[1].plot(epochs_axis, history[f"{split}_acc"], style, label=f"{name} {split}")
    axes[0].set(xlabel="epoch", ylabel="cross-entropy loss", yscale="log", title="Loss")
    axes[1].set(xlabel="epoch", ylabel="accuracy", title="Accuracy")
    axes[1].legend()
    save_figure(fig, "training_curves")
    plot_kernels({f"CNN filters ({N_TRAIN_PER_CLASS} per class)": conv_kernels(q3_models["cnn"])},
                 "q3_kernels")
    """
)

EDGE_Q4_INTRO = md(
    """
    ## Q4. Domain shift between the training and validation sets (6(d))

    The training lines are thin (1 pixel) and lie in the top or left part of the image (negative
    shifts); the validation lines lie in the bottom or right part (positive shifts) and are 1 or 2
    pixels thick. Complete `confusion_matrix(y_true, y_pred, n_classes)`: a list of `n_classes` lists
    of ints, entry `[i][j]` counting the images of true class `i` predicted as class `j`.

    **6(d)(i)** Why does the confusion matrix look like this? Why does the CNN classify some images with
    a line as "none"? Why does the MLP mix up vertical and horizontal lines? (Look at the images.)
    **(ii)** Why does the MLP fail to learn the task while the CNN can? (Think about the architecture.)
    """
)

EDGE_CONFUSION = todo(
    """
    def confusion_matrix(y_true, y_pred, n_classes):
        \"\"\"[[count of true class i predicted as j for j in range(n_classes)] for i in range(n_classes)].\"\"\"
        # TODO
        # BEGIN SOLUTION
        matrix = [[0] * n_classes for _ in range(n_classes)]
        for true, pred in zip(y_true, y_pred):
            matrix[int(true)][int(pred)] += 1
        return matrix
        # END SOLUTION


    def plot_confusions(matrices, classes, name):
        \"\"\"matrices: {title: confusion matrix}, drawn side by side with their counts.\"\"\"
        fig, axes = plt.subplots(1, len(matrices), figsize=(3.6 * len(matrices), 3.4), squeeze=False)
        for ax, (title, matrix) in zip(axes[0], matrices.items()):
            ax.imshow(matrix, cmap="Blues")
            for i, row in enumerate(matrix):
                for j, count in enumerate(row):
                    ax.text(j, i, count, ha="center", va="center", fontsize=8)
            ticks = range(len(classes))
            ax.set_xticks(ticks, classes, rotation=45, ha="right", fontsize=8)
            ax.set_yticks(ticks, classes, fontsize=8)
            ax.set(xlabel="predicted", ylabel="true", title=title)
        save_figure(fig, name)
    """
)

EDGE_Q4_RUN = code(
    """
    train_shifts = [s for s in line_shifts(IMAGE_SIZE, 1) if s < 0]
    val_shifts = [s for s in line_shifts(IMAGE_SIZE, 2) if s > 0]
    X_shift_train, y_shift_train = make_dataset(CLASSES, N_TRAIN_PER_CLASS, rng_for(4, 0),
                                                shifts=train_shifts)
    X_shift_in, y_shift_in = make_dataset(CLASSES, N_VAL_PER_CLASS, rng_for(4, 1), shifts=train_shifts)
    X_shift_val, y_shift_val = make_dataset(CLASSES, N_VAL_PER_CLASS, rng_for(4, 2), shifts=val_shifts,
                                            thicknesses=(1, 2))
    shift_acc, shift_in_domain_acc, shift_confusion = {}, {}, {}
    for name in ("cnn", "mlp"):
        model = make_model(name, len(CLASSES), seed=4)
        train_model(model, X_shift_train, y_shift_train, seed=4)
        shift_in_domain_acc[name] = evaluate(model, X_shift_in, y_shift_in)[1]
        shift_acc[name] = evaluate(model, X_shift_val, y_shift_val)[1]
        predictions = predict(model, X_shift_val).tolist()
        shift_confusion[name] = confusion_matrix(y_shift_val.tolist(), predictions, len(CLASSES))
    print("accuracy on training-like images:", shift_in_domain_acc)
    print("accuracy on shifted images:", shift_acc)
    plot_examples(X_shift_train, y_shift_train, CLASSES, "shift_train_examples", title="training")
    plot_examples(X_shift_val, y_shift_val, CLASSES, "shift_val_examples", title="validation")
    plot_confusions({f"{name.upper()} (shifted validation)": m for name, m in shift_confusion.items()},
                    CLASSES, "confusion_shift")
    """
)

EDGE_Q5_INTRO = md(
    """
    ## Q5. When the CNN is worse than the MLP (6(e))

    A task that depends on absolute position: is the horizontal line in the **top** half (class 0) or
    the **bottom** half (class 1) of the image? Complete `make_position_dataset`: `n_per_class` images
    of each class, a horizontal line of thickness 1 at a random shift from `line_shifts(size, 1)`
    whose start row `size // 2 + shift` decides the class, plus Gaussian noise of standard deviation
    `NOISE`, shuffled; same return types as `make_dataset`. Then we compare the CNN, the MLP and CNNs
    with larger kernels (`KERNEL_SIZES`).

    **6(e)(i)** What do you observe? Why is the CNN worse than the MLP? (Think about the architecture.)
    **(ii)** If we increase the CNN's kernel size, does the validation accuracy increase or decrease?
    Why? **(iii)** What do the learned kernels look like? Explain why.
    """
)

EDGE_Q5_DATA = todo(
    """
    POSITION_CLASSES = ["top", "bottom"]


    def make_position_dataset(n_per_class, rng, size=None):
        \"\"\"Horizontal lines labelled 0 (start row < size // 2) or 1: X (N, 1, size, size), y (N,).\"\"\"
        size = IMAGE_SIZE if size is None else size
        # TODO: build the images and labels (use make_edge_image, rng and NOISE), then shuffle them.
        # BEGIN SOLUTION
        shifts = line_shifts(size, 1)
        by_class = [[s for s in shifts if s < 0], [s for s in shifts if s >= 0]]
        images, labels = [], []
        for label, allowed in enumerate(by_class):
            for _ in range(n_per_class):
                images.append(make_edge_image("horizontal", size, int(rng.choice(allowed))))
                labels.append(label)
        X = np.stack(images)[:, None] + NOISE * rng.standard_normal((len(images), 1, size, size))
        order = rng.permutation(len(labels))
        return torch.tensor(X[order], dtype=torch.float32), torch.tensor(np.array(labels)[order])
        # END SOLUTION
    """
)

EDGE_Q5_RUN = code(
    """
    X_pos_train, y_pos_train = make_position_dataset(N_LARGE_PER_CLASS, rng_for(5, 0))
    X_pos_val, y_pos_val = make_position_dataset(N_VAL_PER_CLASS, rng_for(5, 1))
    position_models = {"mlp": make_model("mlp", 2, seed=5)}
    position_models.update({k: make_model("cnn", 2, seed=5, kernel_size=k) for k in KERNEL_SIZES})
    position_val = {}
    for key, model in position_models.items():
        train_model(model, X_pos_train, y_pos_train, seed=5)
        position_val[key] = evaluate(model, X_pos_val, y_pos_val)[1]
    position_acc = {"cnn": position_val[KERNEL_SIZES[0]], "mlp": position_val["mlp"]}
    position_acc_by_kernel = {str(k): position_val[k] for k in KERNEL_SIZES}
    print("top/bottom accuracy:", position_acc)
    print("CNN accuracy by kernel size:", position_acc_by_kernel)

    fig, ax = plt.subplots(figsize=(5, 3.5))
    bars = [f"CNN k={k}" for k in KERNEL_SIZES] + ["MLP"]
    ax.bar(bars, [position_val[k] for k in KERNEL_SIZES] + [position_val["mlp"]])
    ax.axhline(0.5, color="gray", linestyle="--", label="chance")
    ax.set(ylim=(0, 1), ylabel="validation accuracy", title="Top or bottom?")
    ax.legend()
    save_figure(fig, "position_accuracy")
    plot_kernels({f"CNN k={k}": conv_kernels(position_models[k]) for k in KERNEL_SIZES},
                 "q5_kernels")
    """
)

EDGE_Q6_INTRO = md(
    """
    ## Q6. Increasing the number of classes (6(f))

    Five classes: no line, horizontal, vertical, diagonal and antidiagonal lines. Train the CNN with
    global **max** pooling, the CNN with global **average** pooling and the MLP on
    `N_LARGE_PER_CLASS` images per class, and fill `pool_acc = {"max": ..., "avg": ...}` (validation
    accuracies), `more_classes_mlp_acc` and `pool_confusion = {"max": matrix, "avg": matrix}`.

    **6(f)(i)** Compare the CNN with max pooling and with average pooling. What are the advantages of
    each pooling method?
    """
)

EDGE_Q6_RUN = todo(
    """
    CLASSES_5 = ["none", "horizontal", "vertical", "diagonal", "antidiagonal"]
    X5_train, y5_train = make_dataset(CLASSES_5, N_LARGE_PER_CLASS, rng_for(6, 0))
    X5_val, y5_val = make_dataset(CLASSES_5, N_VAL_PER_CLASS, rng_for(6, 1))
    plot_examples(X5_train, y5_train, CLASSES_5, "examples_5_classes")

    # TODO: train make_model("cnn", 5, seed=6, pool=...) for "max" and "avg" and make_model("mlp", 5,
    # seed=6) on X5_train, y5_train (train_model(..., seed=6)); fill pool_acc, pool_confusion,
    # more_classes_mlp_acc and pool_models = {"max": model, "avg": model}.
    # BEGIN SOLUTION
    pool_acc, pool_confusion, pool_models = {}, {}, {}
    for pool in ("max", "avg"):
        model = make_model("cnn", len(CLASSES_5), seed=6, pool=pool)
        train_model(model, X5_train, y5_train, seed=6)
        pool_models[pool] = model
        pool_acc[pool] = evaluate(model, X5_val, y5_val)[1]
        pool_confusion[pool] = confusion_matrix(y5_val.tolist(), predict(model, X5_val).tolist(),
                                                len(CLASSES_5))
    mlp5 = make_model("mlp", len(CLASSES_5), seed=6)
    train_model(mlp5, X5_train, y5_train, seed=6)
    more_classes_mlp_acc = evaluate(mlp5, X5_val, y5_val)[1]
    # END SOLUTION

    print("5-class validation accuracy:", pool_acc, "MLP:", more_classes_mlp_acc)
    plot_confusions({f"CNN, {pool} pooling": m for pool, m in pool_confusion.items()}, CLASSES_5,
                    "confusion_pooling")
    plot_kernels({f"{pool} pooling": conv_kernels(model) for pool, model in pool_models.items()},
                 "q6_kernels")
    """
)

EDGE_SUMMARY = code(
    """
    # The values the autograder reads, printed for your records.
    GRADED_NAMES = [
        "cnn_params", "mlp_params", "overfit_train_acc", "overfit_val_acc",
        "cnn_val_acc_by_n", "mlp_val_acc_by_n", "frozen_random_val_acc_by_n", "frozen_edge_val_acc_by_n",
        "q3_epochs", "cnn_val_acc_by_epochs", "mlp_val_acc_by_epochs", "q3_cnn_val_acc", "q3_mlp_val_acc",
        "q3_mlp_train_acc", "mlp_val_loss_history", "cnn_epochs_to_90", "mlp_n_to_match_cnn",
        "shift_acc", "shift_in_domain_acc", "shift_confusion", "position_acc", "position_acc_by_kernel",
        "pool_acc", "pool_confusion", "more_classes_mlp_acc",
    ]
    print(json.dumps({name: globals()[name] for name in GRADED_NAMES if name != "mlp_val_loss_history"},
                     indent=1))
    """
)

EDGE_DETECTION_CELLS = [
    EDGE_INTRO, EDGE_PARAMETERS, EDGE_SETUP,
    EDGE_DATA_INTRO, EDGE_MAKE_IMAGE, EDGE_DATASET,
    EDGE_MODELS_INTRO, EDGE_MODELS,
    EDGE_Q1_INTRO, EDGE_TRAIN, EDGE_KERNEL_PLOT, EDGE_Q1_RUN,
    EDGE_Q2_INTRO, EDGE_Q2_KERNELS, EDGE_Q2_RUN,
    EDGE_Q3_INTRO, EDGE_Q3_TODO, EDGE_Q3_RUN,
    EDGE_Q4_INTRO, EDGE_CONFUSION, EDGE_Q4_RUN,
    EDGE_Q5_INTRO, EDGE_Q5_DATA, EDGE_Q5_RUN,
    EDGE_Q6_INTRO, EDGE_Q6_RUN,
    EDGE_SUMMARY,
]

# ---------------------------------------------------------------------------------------------------
# GPUMemory.ipynb: memory considerations when using GPUs (homework 4, question 7)
# ---------------------------------------------------------------------------------------------------

GPU_INTRO = md(
    """
    # Memory considerations when using GPUs

    Homework 4, question 7. We count ResNet-152's parameters and memory, measure what the optimizer
    state costs, and train a small ResNet on a synthetic CIFAR-10-like data set (random 3x32x32 images
    with a learnable class signal, 10 classes, generated here from `SEED`: nothing is downloaded) with
    several batch sizes.

    The notebook uses CUDA when `torch.cuda.is_available()` (run it on a GPU, e.g. Colab, for the
    measurements of questions 7(a)ii-iii, 7(b) and 7(c)i); on a CPU the GPU measurements are `None`
    and the memory of training is the analytic estimate you write in Section 2.

    Complete the cells marked `# TODO` (each raises `NotImplementedError` until you do), then run the
    notebook top to bottom. **Section 1** = 7(a), **Section 2** = 7(b), **Section 3** = 7(c). The
    autograder reads the variables and functions named in each section, so keep those names.
    """
)

GPU_PARAMETERS = parameters(
    """
    # Parameters. The autograder inserts a cell after this one (GRADING = True and smaller sizes).
    GRADING = False             # grading mode: Agg backend, figures saved and closed, not shown
    SEED = 0                    # seeds every torch generator in the notebook
    DEVICE = "auto"             # "auto": CUDA when torch.cuda.is_available(), else CPU; or "cpu", "cuda"
    N_TRAIN = 5000              # synthetic training images
    N_VAL = 1000                # synthetic validation images
    NOISE = 5.0                 # standard deviation of their pixel noise (the class templates have std < 1)
    EPOCHS = 10                 # Section 3: training epochs for each batch size
    BATCH_SIZES = [4, 16, 64, 256]
    BASE_LR = 0.05              # SGD learning rate at batch size 64, scaled linearly with the batch size
    TRAIN_BASE_WIDTH = 16       # channels of the first stage of the small ResNet trained in Section 3
    OPTIMIZER_BATCH_SIZE = 64   # Section 2: batch size of the ResNet-152 training-memory comparison
    MEASURE_STEPS = 3           # training steps of each GPU memory measurement
    MEMORY_BUDGET_MB = 16000    # without a GPU: the memory "largest batch size" assumes (a 16 GB card)
    NUM_THREADS = 2             # torch CPU threads
    FIGURES = "figures"         # folder the figures are saved in
    """
)

GPU_SETUP = code(
    """
    import json
    import os
    import time

    import matplotlib
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    if GRADING:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    torch.set_num_threads(NUM_THREADS)
    os.makedirs(FIGURES, exist_ok=True)
    if DEVICE == "auto":
        DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(DEVICE)
    ON_GPU = device.type == "cuda"
    MB, MIB = 10**6, 2**20
    print("device:", device)


    def save_figure(fig, name):
        \"\"\"Save `fig` as FIGURES/name.png, then show it (or close it in grading mode).\"\"\"
        fig.tight_layout()
        plt.figure(fig.number)
        plt.savefig(f"{FIGURES}/{name}.png", dpi=80)
        if GRADING:
            plt.close(fig)
        else:
            plt.show()


    def synchronize():
        \"\"\"Wait for the GPU's queued work (CUDA runs asynchronously), so that timings are right.\"\"\"
        if ON_GPU:
            torch.cuda.synchronize(device)
    """
)

GPU_DATA = code(
    """
    N_CLASSES = 10
    CLASS_NAMES = ["airplane", "automobile", "bird", "cat", "deer",
                   "dog", "frog", "horse", "ship", "truck"]  # CIFAR-10's names, for the plots only


    def make_templates(generator):
        \"\"\"One smooth random 3x32x32 pattern per class: the signal the classifier has to find.\"\"\"
        coarse = torch.randn(N_CLASSES, 3, 4, 4, generator=generator)
        return F.interpolate(coarse, size=(32, 32), mode="bilinear", align_corners=False)


    def make_synthetic_cifar(n, templates, generator, noise=NOISE, max_shift=3):
        \"\"\"n images: a class template times a random contrast, shifted by up to max_shift pixels
        (circularly), plus Gaussian noise. Returns X (n, 3, 32, 32) float32 and y (n,) int64.\"\"\"
        y = torch.randint(N_CLASSES, (n,), generator=generator)
        contrast = 0.5 + torch.rand(n, 1, 1, 1, generator=generator)
        X = contrast * templates[y]
        shifts = torch.randint(-max_shift, max_shift + 1, (n, 2), generator=generator)
        for index, (dy, dx) in enumerate(shifts.tolist()):
            X[index] = torch.roll(X[index], shifts=(dy, dx), dims=(1, 2))
        return X + noise * torch.randn(n, 3, 32, 32, generator=generator), y


    data_generator = torch.Generator().manual_seed(SEED)
    templates = make_templates(data_generator)
    X_train, y_train = make_synthetic_cifar(N_TRAIN, templates, data_generator)
    X_val, y_val = make_synthetic_cifar(N_VAL, templates, data_generator)

    fig, axes = plt.subplots(2, N_CLASSES, figsize=(1.2 * N_CLASSES, 2.8))
    for label, (top, bottom) in enumerate(zip(*axes)):
        top.imshow(((templates[label] - templates.min()) / (templates.max() - templates.min()))
                   .permute(1, 2, 0))
        example = X_train[torch.nonzero(y_train == label)[0, 0]]
        bottom.imshow(((example - example.min()) / (example.max() - example.min())).permute(1, 2, 0))
        top.set_title(CLASS_NAMES[label], fontsize=7)
        top.axis("off")
        bottom.axis("off")
    fig.suptitle("class templates (top) and training images (bottom)", fontsize=9)
    save_figure(fig, "synthetic_cifar")
    """
)

GPU_S1_INTRO = md(
    """
    ## Section 1. Managing GPU memory for training neural networks (7(a))

    The cell below defines ResNet as in torchvision (v1.5: the stride of a bottleneck block is on its
    3x3 convolution). `resnet152` uses bottleneck blocks with layers `[3, 8, 36, 3]`; `small_resnet`
    uses basic blocks with layers `[1, 1, 1, 1]` and narrower stages (`TRAIN_BASE_WIDTH` instead of
    64 channels), so that it trains quickly in Section 3.
    """
)

GPU_RESNET = code(
    """
    def conv3x3(in_planes, out_planes, stride=1):
        return nn.Conv2d(in_planes, out_planes, 3, stride=stride, padding=1, bias=False)


    def conv1x1(in_planes, out_planes, stride=1):
        return nn.Conv2d(in_planes, out_planes, 1, stride=stride, bias=False)


    class BasicBlock(nn.Module):
        expansion = 1

        def __init__(self, inplanes, planes, stride=1, downsample=None):
            super().__init__()
            self.conv1, self.bn1 = conv3x3(inplanes, planes, stride), nn.BatchNorm2d(planes)
            self.conv2, self.bn2 = conv3x3(planes, planes), nn.BatchNorm2d(planes)
            self.relu = nn.ReLU(inplace=True)
            self.downsample = downsample

        def forward(self, x):
            identity = x if self.downsample is None else self.downsample(x)
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            out += identity
            return self.relu(out)


    class Bottleneck(nn.Module):
        expansion = 4

        def __init__(self, inplanes, planes, stride=1, downsample=None):
            super().__init__()
            self.conv1, self.bn1 = conv1x1(inplanes, planes), nn.BatchNorm2d(planes)
            self.conv2, self.bn2 = conv3x3(planes, planes, stride), nn.BatchNorm2d(planes)
            self.conv3 = conv1x1(planes, planes * self.expansion)
            self.bn3 = nn.BatchNorm2d(planes * self.expansion)
            self.relu = nn.ReLU(inplace=True)
            self.downsample = downsample

        def forward(self, x):
            identity = x if self.downsample is None else self.downsample(x)
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.relu(self.bn2(self.conv2(out)))
            out = self.bn3(self.conv3(out))
            out += identity
            return self.relu(out)


    class ResNet(nn.Module):
        def __init__(self, block, layers, num_classes=1000, base_width=64):
            super().__init__()
            self.inplanes = base_width
            self.conv1 = nn.Conv2d(3, base_width, 7, stride=2, padding=3, bias=False)
            self.bn1 = nn.BatchNorm2d(base_width)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
            self.layer1 = self._make_layer(block, base_width, layers[0])
            self.layer2 = self._make_layer(block, base_width * 2, layers[1], stride=2)
            self.layer3 = self._make_layer(block, base_width * 4, layers[2], stride=2)
            self.layer4 = self._make_layer(block, base_width * 8, layers[3], stride=2)
            self.avgpool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(base_width * 8 * block.expansion, num_classes)
            for module in self.modules():
                if isinstance(module, nn.Conv2d):
                    nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
                elif isinstance(module, nn.BatchNorm2d):
                    nn.init.ones_(module.weight)
                    nn.init.zeros_(module.bias)

        def _make_layer(self, block, planes, blocks, stride=1):
            downsample = None
            if stride != 1 or self.inplanes != planes * block.expansion:
                downsample = nn.Sequential(conv1x1(self.inplanes, planes * block.expansion, stride),
                                           nn.BatchNorm2d(planes * block.expansion))
            layers = [block(self.inplanes, planes, stride, downsample)]
            self.inplanes = planes * block.expansion
            layers += [block(self.inplanes, planes) for _ in range(1, blocks)]
            return nn.Sequential(*layers)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(torch.flatten(self.avgpool(x), 1))


    def resnet152(num_classes=N_CLASSES):
        return ResNet(Bottleneck, [3, 8, 36, 3], num_classes)


    def small_resnet(num_classes=N_CLASSES, base_width=TRAIN_BASE_WIDTH):
        return ResNet(BasicBlock, [1, 1, 1, 1], num_classes, base_width)
    """
)

GPU_S1_PARAMS_INTRO = md(
    """
    ### 7(a)(i) Parameters and model size

    Complete `count_parameters(model)` (the trainable parameters: elements of the parameters with
    `requires_grad`) and `model_size(n_params, dtype_bytes=4, unit="MB")` (the parameters' size in
    MB = 10^6 bytes or MiB = 2^20 bytes). The model is built on the **meta** device: tensors with
    shapes but no storage, so counting costs no memory (a real ResNet-152 takes about 230 MB).
    """
)

GPU_S1_COUNT = todo(
    """
    def count_parameters(model):
        \"\"\"The number of trainable parameters (elements of the parameters with requires_grad).\"\"\"
        # TODO
        # BEGIN SOLUTION
        return sum(p.numel() for p in model.parameters() if p.requires_grad)
        # END SOLUTION


    def model_size(n_params, dtype_bytes=4, unit="MB"):
        \"\"\"The size of n_params parameters of dtype_bytes bytes each, in "MB" (10**6) or "MiB" (2**20).\"\"\"
        # TODO
        # BEGIN SOLUTION
        return n_params * dtype_bytes / {"MB": MB, "MiB": MIB}[unit]
        # END SOLUTION


    with torch.device("meta"):
        resnet152_params = count_parameters(resnet152(num_classes=N_CLASSES))
        resnet152_imagenet_params = count_parameters(resnet152(num_classes=1000))
    resnet152_size_mb = model_size(resnet152_params, 4, "MB")
    resnet152_size_mib = model_size(resnet152_params, 4, "MiB")
    if resnet152_imagenet_params != 60_192_808:
        print("WARNING: ResNet-152 with 1000 classes should have 60,192,808 parameters")
    print(f"ResNet-152, {N_CLASSES} classes: {resnet152_params:,} parameters = "
          f"{resnet152_size_mb:.2f} MB = {resnet152_size_mib:.2f} MiB (float32)")
    print(f"ResNet-152, 1000 classes (ImageNet): {resnet152_imagenet_params:,} parameters")
    """
)

GPU_S1_DEVICE = code(
    """
    # 7(a)(ii) Which GPU, and how much memory does it have?
    if ON_GPU:
        properties = torch.cuda.get_device_properties(device)
        gpu_name = properties.name
        gpu_total_memory_mb = properties.total_memory / MB
        print(f"GPU: {gpu_name}, {gpu_total_memory_mb:,.0f} MB "
              f"= {properties.total_memory / MIB:,.0f} MiB")
    else:
        gpu_name, gpu_total_memory_mb = None, None
        print("No GPU: gpu_name and gpu_total_memory_mb are None. Run on a GPU to answer 7(a)(ii).")
    """
)

GPU_S1_CONTEXT = md(
    """
    ### 7(a)(iii) The CUDA context

    The first CUDA call creates the CUDA context (the driver's state, the CUDA and cuDNN kernels):
    memory that the GPU reports as used but PyTorch's allocator never hands out. We load ResNet-152
    onto the GPU and compare the memory the device reports as used (`torch.cuda.mem_get_info`, as
    `nvidia-smi` shows it) with the memory PyTorch's caching allocator has reserved. Other processes
    on the same GPU would be counted too: use a GPU of your own.
    """
)

GPU_S1_CONTEXT_RUN = code(
    """
    if ON_GPU:
        with torch.device(device):
            resnet152_gpu = resnet152(num_classes=N_CLASSES)
        synchronize()
        free, total = torch.cuda.mem_get_info(device)
        gpu_used_after_load_mb = (total - free) / MB
        gpu_model_allocated_mb = torch.cuda.memory_allocated(device) / MB
        cuda_context_overhead_mb = gpu_used_after_load_mb - torch.cuda.memory_reserved(device) / MB
        del resnet152_gpu
        torch.cuda.empty_cache()
        print(f"used on the GPU: {gpu_used_after_load_mb:,.0f} MB; allocated by tensors (weights and "
              f"batch-norm buffers): {gpu_model_allocated_mb:,.1f} MB; "
              f"CUDA context: {cuda_context_overhead_mb:,.0f} MB")
    else:
        gpu_used_after_load_mb = gpu_model_allocated_mb = cuda_context_overhead_mb = None
        print("No GPU: the CUDA context is measured only on a GPU (cuda_context_overhead_mb = None).")
    """
)

GPU_S2_INTRO = md(
    """
    ## Section 2. Optimizer memory usage (7(b))

    Plain SGD keeps no state; SGD with momentum keeps one buffer the size of the parameters
    (`momentum_buffer`); Adam keeps two (`exp_avg` and `exp_avg_sq`, the first and second moments),
    plus a scalar step counter per parameter tensor, which we leave out. Complete:

    - `optimizer_state_bytes_of(optimizer)`: the bytes of the tensors in `optimizer.state` that have
      at least one dimension (the per-element buffers; the 0-dimensional step counters are left out);
    - `analytic_optimizer_state_bytes(n_params, optimizer, dtype_bytes=4)`: the same from the
      parameter count, for `optimizer` in `"sgd"`, `"sgd_momentum"`, `"adam"`;
    - `analytic_training_memory(n_params, batch_size, activation_elements, dtype_bytes=4,
      optimizer="sgd")`: the bytes to train = weights + gradients + optimizer state + activations,
      where `activation_elements` is the number of activation elements one sample keeps for the
      backward pass (`activation_elements_per_sample` below estimates it).

    **7(b)(i)** What is the total memory used while training with SGD, SGD with momentum and Adam?
    **(ii)** Which optimizer uses the most memory? Why?
    """
)

GPU_S2_TODO = todo(
    """
    OPTIMIZERS = ["sgd", "sgd_momentum", "adam"]
    STATE_BUFFERS = {"sgd": 0, "sgd_momentum": 1, "adam": 2}


    def make_optimizer(name, parameters, lr=0.01):
        if name == "sgd":
            return torch.optim.SGD(parameters, lr=lr)
        if name == "sgd_momentum":
            return torch.optim.SGD(parameters, lr=lr, momentum=0.9)
        if name == "adam":
            return torch.optim.Adam(parameters, lr=lr / 10)
        raise ValueError(f"unknown optimizer {name!r}; expected one of {OPTIMIZERS}")


    def optimizer_state_bytes_of(optimizer):
        \"\"\"Bytes of the per-element state tensors (dim >= 1) in optimizer.state.\"\"\"
        # TODO
        # BEGIN SOLUTION
        return sum(value.numel() * value.element_size()
                   for state in optimizer.state.values() for value in state.values()
                   if torch.is_tensor(value) and value.dim() > 0)
        # END SOLUTION


    def analytic_optimizer_state_bytes(n_params, optimizer, dtype_bytes=4):
        \"\"\"Bytes of the optimizer's per-element buffers for n_params parameters.\"\"\"
        # TODO
        # BEGIN SOLUTION
        return STATE_BUFFERS[optimizer] * n_params * dtype_bytes
        # END SOLUTION


    def analytic_training_memory(n_params, batch_size, activation_elements, dtype_bytes=4,
                                 optimizer="sgd"):
        \"\"\"Bytes to train: weights + gradients + optimizer state + batch_size * activation_elements.\"\"\"
        # TODO
        # BEGIN SOLUTION
        weights_and_gradients = 2 * n_params * dtype_bytes
        state = analytic_optimizer_state_bytes(n_params, optimizer, dtype_bytes)
        return weights_and_gradients + state + batch_size * activation_elements * dtype_bytes
        # END SOLUTION
    """
)

GPU_S2_STATE = code(
    """
    # The optimizer state after one step of a small model, measured and counted.
    torch.manual_seed(SEED)
    with torch.device(device):
        state_model = small_resnet(base_width=8)
    small_resnet_params = count_parameters(state_model)
    X_batch, y_batch = X_train[:8].to(device), y_train[:8].to(device)
    optimizer_state_bytes, optimizer_state_bytes_analytic = {}, {}
    for name in OPTIMIZERS:
        optimizer = make_optimizer(name, state_model.parameters())
        optimizer.zero_grad()
        F.cross_entropy(state_model(X_batch), y_batch).backward()
        optimizer.step()
        optimizer_state_bytes[name] = optimizer_state_bytes_of(optimizer)
        optimizer_state_bytes_analytic[name] = analytic_optimizer_state_bytes(small_resnet_params, name)
    del state_model, optimizer
    print(f"small ResNet: {small_resnet_params:,} parameters")
    print("optimizer state (bytes), measured:", optimizer_state_bytes)
    print("optimizer state (bytes), counted: ", optimizer_state_bytes_analytic)
    ratio = optimizer_state_bytes["adam"] / optimizer_state_bytes["sgd_momentum"]
    print(f"Adam / SGD with momentum: {ratio:g}")
    """
)

GPU_S2_MEMORY = code(
    """
    def activation_elements_per_sample(model_fn, input_shape=(3, 32, 32)):
        \"\"\"Estimated activation elements one sample keeps for the backward pass: the input and the
        outputs of every leaf module except in-place ReLUs (which overwrite their input), counted by a
        forward pass on the meta device (no memory, no computation).\"\"\"
        with torch.device("meta"):
            model = model_fn().eval()  # eval: batch norm accepts one sample; the shapes are the same
        counts = [torch.Size(input_shape).numel()]
        leaves = [m for m in model.modules()
                  if not list(m.children()) and not (isinstance(m, nn.ReLU) and m.inplace)]
        hooks = [m.register_forward_hook(lambda m, i, out: counts.append(out.numel()))
                 for m in leaves]
        model(torch.empty(1, *input_shape, device="meta"))
        for hook in hooks:
            hook.remove()
        return sum(counts)


    def measure_training_memory_mb(model_fn, optimizer_name, batch_size, steps=MEASURE_STEPS):
        \"\"\"Peak GPU memory (MB) of `steps` training steps, or None when it runs out of memory.\"\"\"
        model = optimizer = X = y = None
        try:
            with torch.device(device):
                model = model_fn()
            optimizer = make_optimizer(optimizer_name, model.parameters())
            X = torch.randn(batch_size, 3, 32, 32, device=device)
            y = torch.randint(N_CLASSES, (batch_size,), device=device)
            torch.cuda.reset_peak_memory_stats(device)
            for _ in range(steps):
                optimizer.zero_grad(set_to_none=True)
                F.cross_entropy(model(X), y).backward()
                optimizer.step()
            synchronize()
            return torch.cuda.max_memory_allocated(device) / MB
        except torch.cuda.OutOfMemoryError:
            return None
        finally:
            del model, optimizer, X, y
            torch.cuda.empty_cache()


    resnet152_activation_elements = activation_elements_per_sample(resnet152)
    training_memory_analytic_mb = {
        name: analytic_training_memory(resnet152_params, OPTIMIZER_BATCH_SIZE,
                                       resnet152_activation_elements, 4, name) / MB
        for name in OPTIMIZERS
    }
    if ON_GPU:
        training_memory_source = "cuda"
        training_memory_mb = {name: measure_training_memory_mb(resnet152, name, OPTIMIZER_BATCH_SIZE)
                              for name in OPTIMIZERS}
    else:
        training_memory_source = "analytic"
        training_memory_mb = dict(training_memory_analytic_mb)
    most_memory_optimizer = max(OPTIMIZERS, key=lambda name: training_memory_mb[name] or 0.0)
    print(f"ResNet-152, batch {OPTIMIZER_BATCH_SIZE}: {resnet152_activation_elements:,} activation "
          "elements per sample")
    print(f"training memory (MB, {training_memory_source}):",
          {k: round(v, 1) if v else v for k, v in training_memory_mb.items()})
    print("training memory (MB, analytic):",
          {k: round(v, 1) for k, v in training_memory_analytic_mb.items()})
    print("most memory:", most_memory_optimizer)
    """
)

GPU_S3_INTRO = md(
    """
    ## Section 3. Batch size, learning rate and memory use (7(c))

    First the memory of training ResNet-152 (SGD with momentum) for each batch size in `BATCH_SIZES`:
    measured on a GPU, estimated with `analytic_training_memory` otherwise. Then we train the small
    ResNet for `EPOCHS` epochs with each batch size (SGD with momentum 0.9, learning rate
    `BASE_LR * batch_size / 64`: the linear scaling rule) and record the training accuracy against the
    wall-clock time. Complete `train_one_epoch`.

    **7(c)(i)** What is the memory use for each batch size? What is the largest batch size you could
    train? **(ii)** Which batch size gave the highest accuracy after `EPOCHS` epochs? **(iii)** Which
    batch size finished its epochs fastest? Why? **(iv)** Attach the plot of training accuracy vs wall
    time.
    """
)

GPU_S3_MEMORY = code(
    """
    memory_by_batch_size_analytic_mb = {
        str(b): analytic_training_memory(resnet152_params, b, resnet152_activation_elements, 4,
                                         "sgd_momentum") / MB
        for b in BATCH_SIZES
    }
    if ON_GPU:
        memory_by_batch_size_mb = {str(b): measure_training_memory_mb(resnet152, "sgd_momentum", b)
                                   for b in BATCH_SIZES}
        fits = [b for b in BATCH_SIZES if memory_by_batch_size_mb[str(b)] is not None]
    else:
        memory_by_batch_size_mb = dict(memory_by_batch_size_analytic_mb)
        fits = [b for b in BATCH_SIZES if memory_by_batch_size_mb[str(b)] <= MEMORY_BUDGET_MB]
    largest_batch_size = max(fits) if fits else None
    print(f"ResNet-152 training memory (MB, {training_memory_source}):",
          {k: round(v, 1) if v else v for k, v in memory_by_batch_size_mb.items()})
    print("largest batch size that fits:", largest_batch_size)

    fig, ax = plt.subplots(figsize=(5, 3.5))
    fitted = [b for b in BATCH_SIZES if memory_by_batch_size_mb[str(b)] is not None]
    ax.plot(fitted, [memory_by_batch_size_mb[str(b)] for b in fitted], marker="o",
            label=training_memory_source)
    if ON_GPU:
        ax.plot(BATCH_SIZES, list(memory_by_batch_size_analytic_mb.values()), "--", marker="x",
                label="analytic")
    ax.set(xscale="log", yscale="log", xlabel="batch size", ylabel="memory (MB)",
           title="ResNet-152 training memory")
    ax.legend()
    save_figure(fig, "memory_vs_batch_size")
    """
)

GPU_S3_TRAIN_TODO = todo(
    """
    @torch.no_grad()
    def evaluate_accuracy(model, X, y, batch_size=256):
        model.eval()
        correct = 0
        for start in range(0, len(y), batch_size):
            logits = model(X[start : start + batch_size].to(device))
            correct += (logits.argmax(1).cpu() == y[start : start + batch_size]).sum().item()
        return correct / len(y)


    def train_one_epoch(model, optimizer, X, y, batch_size, generator):
        \"\"\"One pass over X, y (on `device`) in shuffled mini-batches; returns the fraction of the
        training images the model classified correctly during the pass.\"\"\"
        model.train()
        order = torch.randperm(len(y), generator=generator).to(X.device)
        correct = torch.zeros((), device=X.device)
        for start in range(0, len(y), batch_size):
            batch = order[start : start + batch_size]
            # TODO: forward X[batch], cross-entropy loss against y[batch], backward, optimizer step;
            # add the number of correct predictions to `correct`.
            # BEGIN SOLUTION
            logits = model(X[batch])
            loss = F.cross_entropy(logits, y[batch])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            correct += (logits.argmax(1) == y[batch]).sum()
            # END SOLUTION
        return correct.item() / len(y)
    """
)

GPU_S3_TRAIN = code(
    """
    X_train_device, y_train_device = X_train.to(device), y_train.to(device)
    lr_by_batch_size, train_acc_by_batch_size, val_acc_by_batch_size = {}, {}, {}
    wall_time_by_batch_size_s, epoch_time_by_batch_size_s, curves = {}, {}, {}
    for batch_size in BATCH_SIZES:
        torch.manual_seed(SEED)
        with torch.device(device):
            model = small_resnet()
        lr = BASE_LR * batch_size / 64
        optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
        generator = torch.Generator().manual_seed(SEED)
        elapsed, times, accs = 0.0, [], []
        for epoch in range(EPOCHS):
            synchronize()
            start = time.perf_counter()
            acc = train_one_epoch(model, optimizer, X_train_device, y_train_device, batch_size,
                                  generator)
            synchronize()
            elapsed += time.perf_counter() - start
            times.append(elapsed)
            accs.append(acc)
        key = str(batch_size)
        lr_by_batch_size[key] = lr
        train_acc_by_batch_size[key] = accs[-1]
        val_acc_by_batch_size[key] = evaluate_accuracy(model, X_val, y_val)
        wall_time_by_batch_size_s[key] = elapsed
        epoch_time_by_batch_size_s[key] = elapsed / EPOCHS
        curves[batch_size] = (times, accs)
        print(f"batch {batch_size:4d}: lr {lr:.4f}, {elapsed / EPOCHS:.2f} s/epoch, "
              f"train acc {accs[-1]:.3f}, val acc {val_acc_by_batch_size[key]:.3f}")
    best_batch_size = max(BATCH_SIZES, key=lambda b: val_acc_by_batch_size[str(b)])
    fastest_batch_size = min(BATCH_SIZES, key=lambda b: wall_time_by_batch_size_s[str(b)])
    print("highest validation accuracy: batch", best_batch_size, "| fastest: batch", fastest_batch_size)

    fig, ax = plt.subplots(figsize=(6, 4))
    for batch_size, (times, accs) in curves.items():
        ax.plot(times, accs, marker="o", markersize=3, label=f"batch {batch_size}")
    ax.set(xlabel="wall time (s)", ylabel="training accuracy",
           title=f"Small ResNet on synthetic CIFAR-10 ({device.type})")
    ax.legend()
    save_figure(fig, "train_acc_vs_wall_time")
    """
)

GPU_SUMMARY = code(
    """
    # The values the autograder reads, printed for your records.
    GRADED_NAMES = [
        "resnet152_params", "resnet152_imagenet_params", "resnet152_size_mb", "resnet152_size_mib",
        "gpu_name", "gpu_total_memory_mb", "gpu_used_after_load_mb", "gpu_model_allocated_mb",
        "cuda_context_overhead_mb", "small_resnet_params", "optimizer_state_bytes",
        "optimizer_state_bytes_analytic", "resnet152_activation_elements", "training_memory_source",
        "training_memory_mb", "training_memory_analytic_mb", "most_memory_optimizer",
        "memory_by_batch_size_mb", "memory_by_batch_size_analytic_mb", "largest_batch_size",
        "lr_by_batch_size", "train_acc_by_batch_size", "val_acc_by_batch_size",
        "wall_time_by_batch_size_s", "epoch_time_by_batch_size_s", "best_batch_size",
        "fastest_batch_size",
    ]
    print(json.dumps({name: globals()[name] for name in GRADED_NAMES}, indent=1))
    """
)

GPU_MEMORY_CELLS = [
    GPU_INTRO, GPU_PARAMETERS, GPU_SETUP, GPU_DATA,
    GPU_S1_INTRO, GPU_RESNET, GPU_S1_PARAMS_INTRO, GPU_S1_COUNT, GPU_S1_DEVICE,
    GPU_S1_CONTEXT, GPU_S1_CONTEXT_RUN,
    GPU_S2_INTRO, GPU_S2_TODO, GPU_S2_STATE, GPU_S2_MEMORY,
    GPU_S3_INTRO, GPU_S3_MEMORY, GPU_S3_TRAIN_TODO, GPU_S3_TRAIN,
    GPU_SUMMARY,
]


NOTEBOOKS: dict[str, list[Cell]] = {
    "EdgeDetection": EDGE_DETECTION_CELLS,
    "GPUMemory": GPU_MEMORY_CELLS,
}


def outputs() -> dict[Path, str]:
    """{path: file contents} of the four notebooks."""
    files = {}
    for name, cells in NOTEBOOKS.items():
        for folder, solution in ((HERE, False), (SOLUTIONS, True)):
            notebook = build_notebook(name, cells, solution)
            files[folder / f"{name}.ipynb"] = nbformat.writes(notebook) + "\n"
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the files are up to date")
    args = parser.parse_args(argv)
    stale = []
    for path, text in outputs().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    for path in stale:
        print(f"{'out of date' if args.check else 'wrote'}: {path.relative_to(HERE)}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
