"""Sorting and selection: sort, top-k, order statistics, searching."""

import torch

aten = torch.ops.aten

TORCH_DECOMPOSITIONS = []

DECOMPOSITIONS = {}
