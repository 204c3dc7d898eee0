"""Reference model architectures (torch modules), built by solvers that count their parameters.

Importing this package does not import torch; its modules do (``grader.models.resnet``), so a solver
imports them inside the function that needs them.
"""
