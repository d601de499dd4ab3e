"""Dense linear algebra on small static matrices."""

import torch

aten = torch.ops.aten

TORCH_DECOMPOSITIONS = []

DECOMPOSITIONS = {}
