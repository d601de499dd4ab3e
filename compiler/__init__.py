"""Kiln's compiler: dialect, importer, conversions, passes, pipelines and targets.

Everything here imports MLIR; the runtime (``kiln.runtime``) never imports this package.
"""
