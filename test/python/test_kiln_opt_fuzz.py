"""kiln-opt on mutated lit inputs and every registered Kiln pass: every outcome is a
result or a diagnostic located in the input.

A small, seeded budget runs here; ``KILN_FUZZ_SEEDS=1000`` makes it the long run.
Nothing a user feeds kiln-opt may end in a Python traceback (an exception escaping
``main``).
"""

import os
import random
from pathlib import Path

import pytest

from kiln.compiler.passes.registry import PASSES as REGISTERED
from kiln.compiler.tools.kiln_opt import main, register_everything

LIT_INPUTS = sorted((Path(__file__).parents[1]).glob("*/*.mlir"))
register_everything()
PASSES = [f"--{name}" for name in sorted(REGISTERED)]
SEEDS = int(os.environ.get("KILN_FUZZ_SEEDS", "150"))


def _mutated(text: str, generator: random.Random) -> str:
    """``text`` with a few lines dropped, duplicated or with a token replaced."""
    lines = text.splitlines()
    for _ in range(generator.randint(1, 3)):
        index = generator.randrange(len(lines))
        choice = generator.random()
        if choice < 0.3:
            del lines[index]
        elif choice < 0.5:
            lines.insert(index, lines[index])
        else:
            words = lines[index].split(" ")
            position = generator.randrange(len(words))
            words[position] = generator.choice(
                ["%0", "f32", "i1", "tensor<4xf32>", "memref<?xf32>", "{", "}", "0", "-1", "@f",
                 '"kiln.exp"', "array<i64: 9>", ""])
            lines[index] = " ".join(words)
        if not lines:
            break
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("seed", range(SEEDS))
def test_mutated_inputs_give_results_or_diagnostics(seed, tmp_path, capsys):
    generator = random.Random(seed)
    source = generator.choice(LIT_INPUTS).read_text()
    path = tmp_path / "mutated.mlir"
    path.write_text(_mutated(source, generator))
    status = main([str(path), "--split-input-file", generator.choice(PASSES)])
    assert status in (0, 1)
    errors = capsys.readouterr().err
    assert "Traceback (most recent call last)" not in errors
    unlocated = [line for line in errors.splitlines()
                 if " error: " in f" {line}" and not line.startswith(str(path))]
    assert not unlocated, unlocated
