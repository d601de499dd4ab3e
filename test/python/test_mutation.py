"""Modules that update buffers or inputs in place: Kiln applies each update to the
caller's tensors after the call, as the exported graph signature describes."""

import copy
import io

import torch

import kiln
from kiln.runtime import load

TOLERANCE = dict(rtol=1e-5, atol=1e-5)


class BatchNormTraining(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.norm = torch.nn.BatchNorm2d(4)

    def forward(self, x):
        return self.norm(x).relu()


class UpdatesItsInput(torch.nn.Module):
    def forward(self, x, counts):
        counts.add_(1)
        return x * counts.sum()


def assert_same_state(module, reference):
    for (name, mine), theirs in zip(module.state_dict().items(), reference.state_dict().values()):
        torch.testing.assert_close(mine, theirs, **TOLERANCE, msg=name)


def test_batch_norm_in_training_mode_updates_running_statistics():
    torch.manual_seed(0)
    model = BatchNormTraining().train()
    reference = copy.deepcopy(model)
    compiled = kiln.compile(model, torch.randn(8, 4, 5, 5))
    assert compiled.stats["fallbacks"] == []
    for _ in range(3):
        x = torch.randn(8, 4, 5, 5) * 3 + 1
        torch.testing.assert_close(compiled(x), reference(x), **TOLERANCE)
        assert_same_state(model, reference)
    assert model.norm.num_batches_tracked.item() == 3


def test_an_input_updated_in_place_is_updated_for_the_caller():
    x, counts = torch.randn(3, 4), torch.zeros(5)
    compiled = kiln.compile(UpdatesItsInput(), x, counts.clone())
    mine, theirs = counts.clone(), counts.clone()
    for _ in range(2):
        torch.testing.assert_close(compiled(x, mine), UpdatesItsInput()(x, theirs))
        torch.testing.assert_close(mine, theirs)
    assert mine.sum().item() == 10


def test_a_non_contiguous_input_is_updated_in_place():
    x = torch.randn(3, 4)
    compiled = kiln.compile(UpdatesItsInput(), x, torch.zeros(5))
    storage = torch.zeros(5, 2)
    column = storage[:, 0]  # a strided view: Kiln computes on a copy, then writes back
    compiled(x, column)
    assert storage[:, 0].tolist() == [1.0] * 5 and storage[:, 1].tolist() == [0.0] * 5


def test_a_saved_program_keeps_its_in_place_updates():
    torch.manual_seed(0)
    model = BatchNormTraining().train()
    reference = copy.deepcopy(model)
    buffer = io.BytesIO()
    kiln.compile(model, torch.randn(8, 4, 5, 5)).save(buffer)
    buffer.seek(0)
    loaded = load(buffer)
    loaded.follow_module(model, [name for name, _ in model.state_dict().items()])
    x = torch.randn(8, 4, 5, 5)
    torch.testing.assert_close(loaded(x), reference(x), **TOLERANCE)
    assert_same_state(model, reference)
