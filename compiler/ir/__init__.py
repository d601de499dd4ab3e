"""Questions and helpers over MLIR IR that passes and targets share."""
