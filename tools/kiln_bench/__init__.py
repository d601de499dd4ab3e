"""``kiln-bench``: eager PyTorch, Inductor (default and freezing) and Kiln side by side.

``cli`` parses the flags and runs the models; ``catalog`` says which models, at what
size and tolerance; ``measure`` compiles, checks and times one model; ``micro`` measures
copy bandwidth and per-call overhead; ``report`` prints the tables; ``plot`` draws them.
"""

from .cli import main

__all__ = ["main"]
