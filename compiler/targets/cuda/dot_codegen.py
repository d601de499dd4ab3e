"""Triton code for a contraction group: ``tl.dot`` tiles with the fill and the elementwise
epilogue fused.

One program computes a ``BLOCK_M`` x ``BLOCK_N`` tile of one batch element: it steps
through K in ``BLOCK_K`` chunks with ``tl.dot`` (``input_precision="ieee"`` for f32, so
the products are not rounded to TF32), adds the fill constant (or the output's previous
value when there is no fill), then runs each epilogue nest on the tile in registers: a
read of a buffer the group wrote earlier takes the register value, other operands are
loaded. Each written buffer is stored once, at the end.
"""

import math

from .access_forms import render_address
from .block_sizes import dot_blocks, dot_warps
from .launch_groups import ContractionGroup
from .loop_nests import Access
from .triton_expressions import BodyRenderer
from .triton_source import SourceWriter, literal, tl_type


def emit_contraction(writer: SourceWriter, group: ContractionGroup,
                     wide: bool) -> tuple[dict[str, int], int, int]:
    """Write the program of ``group``; return its constexprs, grid size and num_warps."""
    loop, dims = group.contraction, group.dims
    sizes = loop.sizes
    m, n, k = (math.prod(sizes[d] for d in role) for role in (dims.m, dims.n, dims.k))
    block_m, block_n, block_k = dot_blocks(m, n, k)
    tiles_m, tiles_n = -(-m // block_m), -(-n // block_n)
    w = writer
    program = "tl.program_id(0).to(tl.int64)" if wide else "tl.program_id(0)"
    pid = w.assign(program, "pid")
    tile = w.assign(f"{pid} % {tiles_m * tiles_n}", "tile")
    batch = w.assign(f"{pid} // {tiles_m * tiles_n}", "batch")
    rm = w.assign(f"({tile} // {tiles_n}) * BLOCK_M + tl.arange(0, BLOCK_M)", "rm")
    rn = w.assign(f"({tile} % {tiles_n}) * BLOCK_N + tl.arange(0, BLOCK_N)", "rn")
    batch_index = _decompose(w, batch, dims.batch, sizes)
    m_index, n_index = _decompose(w, rm, dims.m, sizes), _decompose(w, rn, dims.n, sizes)

    def index(*axes: tuple[dict[int, str], str]):
        """Loop dims as tile indices: each axis maps dims to names and a broadcast suffix."""
        def lookup(d: int) -> str:
            for names, suffix in axes:
                if d in names:
                    return names[d] + suffix
            return batch_index[d]
        return lookup

    a, b = loop.inputs
    w.line("acc = tl.zeros([BLOCK_M, BLOCK_N], tl.float32)")
    start = w.fresh("k")
    w.line(f"for {start} in range(0, {k}, BLOCK_K):")
    with w.indented():
        rk = w.assign(f"{start} + tl.arange(0, BLOCK_K)", "rk")
        k_index = _decompose(w, rk, dims.k, sizes)
        a_index = index((m_index, "[:, None]"), (k_index, "[None, :]"))
        b_index = index((k_index, "[:, None]"), (n_index, "[None, :]"))
        a_tile = w.assign(f"tl.load({render_address(a, a_index)}, mask=({rm} < {m})[:, None] "
                          f"& ({rk} < {k})[None, :], other=0.0)", "a")
        b_tile = w.assign(f"tl.load({render_address(b, b_index)}, mask=({rk} < {k})[:, None] "
                          f"& ({rn} < {n})[None, :], other=0.0)", "b")
        precision = ', input_precision="ieee"' if a.element_type == "f32" else ""
        w.line(f"acc = tl.dot({a_tile}, {b_tile}, acc{precision})")
    mask = w.assign(f"({rm} < {m})[:, None] & ({rn} < {n})[None, :]", "mask")
    zero = w.assign("tl.zeros([BLOCK_M, BLOCK_N], tl.int32)", "zero")
    tile_index = index((m_index, "[:, None]"), (n_index, "[None, :]"))
    out = loop.outputs[0]
    out_type = tl_type(out.element_type)
    if group.fill is not None:
        initial = literal(group.fill.body.yields[0][1], group.fill.body.yields[0][2])
    else:
        initial = w.assign(f"tl.load({render_address(out, tile_index)}, mask={mask})", "c")
    value = w.assign(f"({initial}.to(tl.float32) + acc).to({out_type})", "c")
    registers = {out.argument: value}
    stores: dict[int, str] = {out.argument: render_address(out, tile_index)}
    for epilogue in group.epilogues:
        mapping = epilogue.mapping
        loop_index = lambda d, mapping=mapping: tile_index(mapping[d])
        used = {ref[1] for op in epilogue.loop.body.ops for ref in op.operands if ref[0] == "arg"}
        used |= {ref[1] for ref in epilogue.loop.body.yields if ref[0] == "arg"}
        operands = []
        for i, access in enumerate(epilogue.loop.inputs + epilogue.loop.outputs):
            if access.argument in registers:
                operands.append((registers[access.argument], access.element_type))
            elif i in used:
                pointer = _broadcast(render_address(access, loop_index), access, zero)
                operands.append((w.assign(f"tl.load({pointer}, mask={mask})", "x"),
                                 access.element_type))
            else:
                operands.append(("None", access.element_type))
        results = BodyRenderer(w, operands, loop_index, epilogue.loop.where, mask, zero).render(
            epilogue.loop.body)
        for access, result in zip(epilogue.loop.outputs, results):
            registers[access.argument] = result
            stores[access.argument] = _broadcast(render_address(access, loop_index), access, zero)
    for argument, pointer in stores.items():
        w.line(f"tl.store({pointer}, {registers[argument]}, mask={mask})")
    constexprs = {"BLOCK_M": block_m, "BLOCK_N": block_n, "BLOCK_K": block_k}
    batches = math.prod(sizes[d] for d in dims.batch)
    return constexprs, tiles_m * tiles_n * batches, dot_warps(block_m, block_n)


def _broadcast(pointer: str, access: Access, zero: str) -> str:
    """A pointer that is a full tile even when the access ignores the tile's dimensions."""
    return f"{pointer} + {zero}" if all(i[0] == "const" for i in access.indices) \
        else pointer


def _decompose(w: SourceWriter, flat: str, dims: tuple[int, ...],
               sizes: tuple[int, ...]) -> dict[int, str]:
    names, inner = {}, 1
    for position, d in enumerate(reversed(dims)):
        expression = flat if inner == 1 else f"({flat} // {inner})"
        if position != len(dims) - 1:
            expression = f"{expression} % {sizes[d]}"
        names[d] = w.assign(expression, f"i{d}_")
        inner *= sizes[d]
    return names
