"""Convolutions that reduce to the ones Kiln converts."""

import torch

aten = torch.ops.aten

TORCH_DECOMPOSITIONS = []

DECOMPOSITIONS = {}
