"""Command-line tools for compiler engineers: ``kiln-opt``."""
