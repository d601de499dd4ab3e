"""Command-line tools for ML engineers: ``kiln-bench``."""
