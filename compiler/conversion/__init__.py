"""Dialect conversions: ``torch`` → ``kiln`` and ``kiln`` → ``linalg``."""
