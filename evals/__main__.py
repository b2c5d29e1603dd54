"""``python -m evals``: the same command as ``assistant eval``."""

from evals.cli import main

main()
