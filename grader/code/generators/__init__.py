"""Case generators, one module per family; ``grader.code.cases`` registers them by name.

Each generator is ``draw(rng, count, options) -> list[dict]``: ``count`` mappings of solver arguments,
valid for its solver by construction or by rejection (checked with the solver's own function), drawn only
from ``rng`` (a ``random.Random``), so one seed gives the same cases on every machine and Python version.
Known edge cases come first (a stride that does not divide, a kernel as large as the input, touching
boxes...), then random draws. Options say which arguments vary; an argument that does not vary is left
out, so the solver's default applies and the student's function need not take it.
"""
