"""Running a transform-dialect script on a module from a Python pass."""

from torch_mlir import ir, passmanager


def run_transform_script(module: ir.Operation, name: str, steps: str) -> None:
    """Run ``steps`` (transform ops on ``%root``, the module) as the named sequence
    ``name`` through ``transform-interpreter``, then remove the script.

    Raises ``ir.MLIRError`` when a transform fails; the module is then left as the
    failing transform left it.
    """
    with ir.Location.unknown():
        schedule = ir.Module.parse(
            "module attributes {transform.with_named_sequence} {\n"
            f"transform.named_sequence @{name}(%root: !transform.any_op {{transform.readonly}}) {{\n"
            f"{steps}\ntransform.yield\n}}\n}}")
    module.attributes["transform.with_named_sequence"] = ir.UnitAttr.get()
    sequence = schedule.body.operations[0]
    sequence.move_before(module.regions[0].blocks[0].operations[0])
    try:
        passmanager.PassManager.parse(
            f"builtin.module(transform-interpreter{{entry-point={name}}})").run(module)
    finally:
        sequence.erase()
        del module.attributes["transform.with_named_sequence"]
