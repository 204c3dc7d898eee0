"""Derive the failure examples of hw004_notebooks from the solution notebooks (run after regenerating them).

    python submissions_example/hw004_notebooks/make_examples.py

full_marks holds both solutions as they are; every other example changes one thing in them: wrong answers
(parameters counted without biases, sizes in MiB called MB), a cell that raises midway, a cell that loops
forever, a cell that kills the kernel, and a file that is not a valid notebook; unfinished holds the
student versions as handed out (every TODO cell still raises NotImplementedError).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
SOLUTIONS = HERE.parent.parent / "problems" / "notebooks" / "solutions"

COUNT_ALL = "return sum(p.numel() for p in model.parameters() if p.requires_grad)"
COUNT_WEIGHTS = "return sum(p.numel() for n, p in model.named_parameters() if p.requires_grad and 'bias' not in n)"
SIZE_MB = 'return n_params * dtype_bytes / {"MB": MB, "MiB": MIB}[unit]'
SIZE_MIB = 'return n_params * dtype_bytes / {"MB": MIB, "MiB": MIB}[unit]'


def _cell_starting(notebook, prefix: str):
    return next(cell for cell in notebook.cells if cell.cell_type == "code" and cell.source.startswith(prefix))


def _replace(notebook, old: str, new: str, *, first_only: bool = False) -> None:
    cells = [cell for cell in notebook.cells if old in cell.source]
    assert cells, f"no cell contains {old!r}"
    for cell in cells[:1] if first_only else cells:
        cell.source = cell.source.replace(old, new)


def _prepend(notebook, prefix: str, code: str) -> None:
    cell = _cell_starting(notebook, prefix)
    cell.source = code + cell.source


def _edge():
    return nbformat.read(SOLUTIONS / "EdgeDetection.ipynb", as_version=4)


def _gpu():
    return nbformat.read(SOLUTIONS / "GPUMemory.ipynb", as_version=4)


def examples() -> dict[str, dict[str, object]]:
    wrong_edge, wrong_gpu = _edge(), _gpu()
    _replace(wrong_edge, COUNT_ALL, COUNT_WEIGHTS)
    _replace(wrong_gpu, SIZE_MB, SIZE_MIB)
    raises = _edge()
    _prepend(raises, "train_shifts = ", 'raise RuntimeError("the shifted validation set is not built yet")\n')
    loops = _edge()
    _prepend(loops, "X_pos_train, y_pos_train", "while True:  # waiting for a result that never comes\n    pass\n")
    dies = _edge()
    _prepend(dies, "X_pos_train, y_pos_train", "import os\nos._exit(1)\n")
    return {
        "full_marks": {"EdgeDetection.ipynb": _edge(), "GPUMemory.ipynb": _gpu()},
        "wrong_answers": {"EdgeDetection.ipynb": wrong_edge, "GPUMemory.ipynb": wrong_gpu},
        "raises_midway": {"EdgeDetection.ipynb": raises},
        "infinite_loop": {"EdgeDetection.ipynb": loops},
        "kernel_dies": {"EdgeDetection.ipynb": dies},
        "invalid_notebook": {"EdgeDetection.ipynb": (SOLUTIONS / "EdgeDetection.ipynb").read_bytes()[:4000]},
        "unfinished": {name: nbformat.read(SOLUTIONS.parent / name, as_version=4)
                       for name in ("EdgeDetection.ipynb", "GPUMemory.ipynb")},
    }


def main() -> None:
    for name, files in examples().items():
        folder = HERE / name / "submission"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for file, content in files.items():
            if isinstance(content, bytes):
                (folder / file).write_bytes(content)
            else:
                nbformat.write(content, folder / file)
        print(f"wrote {folder.relative_to(HERE.parent.parent)}")


if __name__ == "__main__":
    main()
