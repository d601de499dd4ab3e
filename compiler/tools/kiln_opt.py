"""``kiln-opt``: an ``mlir-opt``-style driver for Kiln's passes and pipelines.

    kiln-opt model.mlir --convert-torch-to-kiln -o model.kiln.mlir
    kiln-opt model.mlir --pass-pipeline='builtin.module(convert-torch-to-kiln, func.func(canonicalize))'
    kiln-opt invalid.mlir --split-input-file --verify-diagnostics

Each Kiln pass and pipeline alias is also a flag (``--convert-torch-to-kiln``); flags run
in command-line order. Upstream MLIR passes are reached through ``--pass-pipeline``.
"""

import argparse
import dataclasses
import importlib
import sys
from dataclasses import dataclass

from torch_mlir import ir

from kiln import targets
from kiln.runtime.errors import KilnError

from ..dialect.context import make_context
from ..passes.pipeline import PIPELINE_ALIASES, build_pass_manager
from ..passes.registry import PASSES, options, summary
from . import opt_diagnostics as diagnostics
from .parse_guards import parse_hazards

SPLIT_MARKER = "// -----"
# Imported for their registrations; the optional ones may not exist in every checkout.
_PASS_MODULES = (
    "kiln.compiler.conversion.torch_to_kiln",
    "kiln.compiler.conversion.kiln_to_linalg",
    "kiln.compiler.transforms",
    "kiln.compiler.passes.stages",
)


def main(argv: list[str] | None = None) -> int:
    """Run ``kiln-opt`` on ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    register_everything()
    try:
        args = _argument_parser().parse_args(argv)
    except SystemExit as exit_:  # --help, or a usage error argparse already printed
        return exit_.code if isinstance(exit_.code, int) else 1
    if args.list_passes:
        sys.stdout.write(pass_listing())
        return 0
    try:
        pipeline = _pipeline_text(args)
        input_name, source = _read_input(args.input)
        outputs, ok = _process_input(input_name, source, pipeline, args)
    except KilnError as error:
        print(f"kiln-opt: error: {error}", file=sys.stderr)
        return 1
    text = f"{SPLIT_MARKER}\n".join(outputs)
    if args.output == "-":
        sys.stdout.write(text)
    elif ok:
        with open(args.output, "w") as file:
            file.write(text)
    return 0 if ok else 1


def register_everything() -> None:
    """Import the modules whose import registers Kiln's passes and pipeline aliases,
    the compiler half of every registered target included."""
    for name in _PASS_MODULES:
        importlib.import_module(name)
    for spec in targets.available().values():
        targets.load_half(spec.compiler)


@dataclass(frozen=True)
class _ChunkResult:
    output: str | None
    reported: list[diagnostics.Reported]


def _process_input(input_name: str, source: str, pipeline: str, args) -> tuple[list[str], bool]:
    """Outputs of the chunks that succeeded, and whether the whole run succeeded."""
    source_lines = source.splitlines()
    outputs, ok = [], True
    for chunk in split_input(source, args.split_input_file):
        result = _process_chunk(input_name, chunk, pipeline, args)
        if result.output is not None:
            outputs.append(result.output)
        if args.verify_diagnostics:
            expected = diagnostics.parse_expected(chunk)
            problems = diagnostics.verify(expected, result.reported, input_name)
            for problem in problems:
                print(problem, file=sys.stderr)
            ok = ok and not problems
        else:
            for diagnostic in result.reported:
                sys.stderr.write(diagnostics.render(diagnostic, input_name, source_lines))
            ok = ok and result.output is not None
    return outputs, ok


def split_input(source: str, split: bool) -> list[str]:
    """The chunks between ``// -----`` lines, each preceded by blank lines so that its
    line numbers are those of the whole file."""
    if not split:
        return [source]
    chunks, current, first_line = [], [], 0
    for number, line in enumerate(source.splitlines(keepends=True)):
        if line.rstrip() == SPLIT_MARKER:
            chunks.append("\n" * first_line + "".join(current))
            current, first_line = [], number + 1
        else:
            current.append(line)
    chunks.append("\n" * first_line + "".join(current))
    return chunks


def _process_chunk(input_name: str, chunk: str, pipeline: str, args) -> _ChunkResult:
    context = make_context()
    reported: list[diagnostics.Reported] = []

    def collect(info: ir.DiagnosticInfo) -> bool:
        reported.extend(diagnostics.flatten(info, input_name))
        return True

    handler = context.attach_diagnostic_handler(collect)
    try:
        pm, _ = build_pass_manager(pipeline, context)
        if args.mlir_print_ir_after_all:
            pm.enable_ir_printing(print_after_all=True, enable_debug_info=args.mlir_print_debuginfo)
        hazards = parse_hazards(chunk)
        if hazards:
            return _ChunkResult(None, [diagnostics.Reported("error", input_name, h.line, h.column,
                                                            h.message, input_name)
                                       for h in hazards])
        module = ir.Module.parse(chunk, context)
        _name_source(module, input_name)
        pm.run(module.operation)
        output = module.operation.get_asm(enable_debug_info=args.mlir_print_debuginfo)
        return _ChunkResult(output.rstrip("\n") + "\n", _anchored(reported, input_name, chunk))
    except ir.MLIRError as error:
        for info in error.error_diagnostics:
            reported.extend(diagnostics.flatten(info, input_name))
        if not error.error_diagnostics:
            reported.append(diagnostics.Reported("error", None, None, None, str(error), input_name))
        return _ChunkResult(None, _anchored(reported, input_name, chunk))
    finally:
        handler.detach()


def _anchored(reported: list, input_name: str, chunk: str) -> list:
    """Diagnostics without a file position placed at the chunk's first non-blank line."""
    lines = chunk.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), 0) + 1
    return diagnostics.anchored(reported, input_name, first)


def _name_source(module: ir.Module, input_name: str) -> None:
    """Replace the parser's source name ``-`` by the input's name in every location, so
    that printed debug info and later diagnostics point at the real file."""
    context = module.context

    def renamed(location: ir.Location) -> ir.Location | None:
        if isinstance(location, ir.FileLineColLoc) and location.filename == "-":
            return ir.Location.file(input_name, location.start_line, location.start_col, context)
        return None

    def visit(op: ir.Operation) -> ir.WalkResult:
        if (location := renamed(op.location)) is not None:
            op.location = location
        for region in op.regions:
            for block in region.blocks:
                for argument in block.arguments:
                    if (location := renamed(argument.location)) is not None:
                        argument.set_location(location)
        return ir.WalkResult.ADVANCE

    module.operation.walk(visit)


def _read_input(path: str) -> tuple[str, str]:
    """The input's name and text; MLIR is UTF-8, so other bytes are an error naming where."""
    name = "<stdin>" if path == "-" else path
    try:
        if path == "-":
            stream = getattr(sys.stdin, "buffer", None)  # a text-only stdin (tests) has none
            data = stream.read() if stream is not None else sys.stdin.read().encode()
        else:
            with open(path, "rb") as file:
                data = file.read()
    except OSError as error:
        raise KilnError(f"could not open input file '{path}': {error.strerror}") from None
    try:
        return name, data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise KilnError(f"{name}:{line}: the input is not UTF-8 text (byte 0x{data[error.start]:02x} "
                        f"at offset {error.start}); MLIR files must be UTF-8") from None


def _pipeline_text(args) -> str:
    if args.pass_pipeline is not None and args.passes:
        raise KilnError("--pass-pipeline cannot be combined with individual pass flags")
    if args.pass_pipeline is not None:
        return args.pass_pipeline
    return ", ".join(args.passes)


class _AddPass(argparse.Action):
    """Appends the flag's pass name to ``namespace.passes``, keeping command-line order."""

    def __call__(self, parser, namespace, values, option_string=None):
        namespace.passes.append(self.const)


def _argument_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiln-opt",
        description="Run Kiln and MLIR passes on MLIR text, like mlir-opt.",
        epilog="Pass options go in --pass-pipeline, e.g. 'builtin.module(name{option=value})'. "
        "Upstream MLIR passes (canonicalize, cse, ...) are available there too.",
        allow_abbrev=False,
    )
    parser.add_argument("input", nargs="?", default="-", help="input file, or - for stdin")
    parser.add_argument("-o", dest="output", default="-", metavar="FILE", help="output file")
    parser.add_argument(
        "--pass-pipeline", metavar="TEXT", help="e.g. 'builtin.module(a, func.func(b))'"
    )
    parser.add_argument(
        "--split-input-file",
        action="store_true",
        help="process each chunk between '// -----' lines separately",
    )
    parser.add_argument(
        "--verify-diagnostics",
        action="store_true",
        help="check diagnostics against expected-error {{...}} comments",
    )
    parser.add_argument(
        "--mlir-print-ir-after-all",
        action="store_true",
        help="print the IR to stderr after every pass",
    )
    parser.add_argument(
        "--mlir-print-debuginfo", action="store_true", help="print locations with the IR"
    )
    parser.add_argument(
        "--list-passes",
        action="store_true",
        help="list Kiln's passes and pipelines with their options",
    )
    parser.set_defaults(passes=[])
    passes = parser.add_argument_group("Kiln passes")
    for name in sorted(PASSES):
        cls = PASSES[name]
        help_text = summary(cls) + "".join(f" [{line.strip()}]" for line in _option_lines(cls))
        passes.add_argument(f"--{name}", action=_AddPass, nargs=0, const=name, help=help_text)
    aliases = parser.add_argument_group("Kiln pipelines")
    for name in sorted(PIPELINE_ALIASES):
        alias = PIPELINE_ALIASES[name]
        aliases.add_argument(f"--{name}", action=_AddPass, nargs=0, const=name, help=alias.summary)
    return parser


def pass_listing() -> str:
    """What ``--list-passes`` prints: every Kiln pass with its summary and options, then
    every pipeline alias with its summary and expansion."""
    lines = ["Kiln passes:"]
    for name in sorted(PASSES):
        cls = PASSES[name]
        lines += [f"  {name}", f"      {summary(cls)}"]
        lines += [f"      {line}" for line in _option_lines(cls)]
    lines.append("Kiln pipelines:")
    for name in sorted(PIPELINE_ALIASES):
        alias = PIPELINE_ALIASES[name]
        lines += [f"  {name}", f"      {alias.summary}", f"      = {alias.text}"]
    if not PIPELINE_ALIASES:
        lines.append("  (none registered)")
    lines.append("Upstream MLIR passes (canonicalize, cse, ...) can be used in --pass-pipeline.")
    return "\n".join(lines) + "\n"


def _option_lines(cls: type) -> list[str]:
    lines = []
    for field in options(cls):
        kind = field.type.__name__ if isinstance(field.type, type) else str(field.type)
        if field.default is not dataclasses.MISSING:
            default = field.default
        elif field.default_factory is not dataclasses.MISSING:
            default = field.default_factory()
        else:
            default = "required"
        lines.append(f"option {field.name.replace('_', '-')}: {kind} (default: {default})")
    return lines


if __name__ == "__main__":
    sys.exit(main())
