"""Elementwise ops composed of others."""

import torch

aten = torch.ops.aten

TORCH_DECOMPOSITIONS = []

DECOMPOSITIONS = {}
