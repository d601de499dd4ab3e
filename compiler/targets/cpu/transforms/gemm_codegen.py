"""MLIR text for one packed, register-blocked f32 contraction on flat buffers.

:func:`gemm_function` writes a function over four flat ``memref<Nxf32>`` arguments: A,
B, C and P, a scratch buffer for B's packed panels. Every address is an affine function
of the loop indices with the static strides of a :class:`GemmShape`, so one generator
serves plain, transposed and batched matmuls, views with any static layout, and
convolutions: B's rows and columns may each flatten several loop dimensions
(``ic, kh, kw`` and ``oh, ow``), so packing B is the im2col step.

The loop nest, after BLIS and the vector-dialect micro-kernels the DESIGN's facts
describe:

1. Pack B into panels of ``NR`` columns, each ``K`` rows deep and zero-padded past
   ``N``, so the micro-kernel reads B with aligned, unit-stride vector loads whatever
   B's layout (``nn.Linear`` reads its weight transposed). A weight is packed once, by a
   prepack kernel (``pack_function``); any other B is packed one panel at a time, right
   before the tiles that use it, into a buffer of the panel's own, so it is read from
   cache (``_Writer.pack_and_compute``).
2. For each (batch, panel, tile of ``MR`` rows of A): keep the ``MR x NR`` block of C
   in ``MR * NR / VECTOR`` vector registers, and for every k add A's column element,
   broadcast, times the panel's row (one FMA per accumulator), then store the block
   with masked stores (the last panel may be partial).

The loops over batches and panels are ``scf.parallel``; ``kiln-parallelize-loops``
decides whether they run on the thread team. Rows past the last full tile run a second loop whose
micro-kernel has ``M mod MR`` rows.
"""

import math
from dataclasses import dataclass

VECTOR = 16  # f32 lanes of one 512-bit register
PANEL_WIDTH = 32  # NR: columns of C per micro-kernel (2 vectors)
TILE_ROWS = 8  # MR: rows of C per micro-kernel; 16 accumulators + 2 B vectors + 1 A


Terms = tuple[tuple[int, int], ...]  # (extent, stride) pairs, outermost first


@dataclass(frozen=True)
class Operand:
    """A, B or C: element ``(batch, i, j)`` is at ``offset + batch + f(i) + g(j)``.

    ``rows`` splits the flat row index ``i`` (m for A and C, k for B) and ``columns``
    the flat column index ``j`` (k for A, n for B and C) into one index per pair; ``f``
    and ``g`` sum index * stride. B's terms make packing it the im2col step. Rows
    of several terms let a projection whose rows are not one stride apart in A (the
    sequence and batch of attention's projections, through a transpose) run as one tall
    GEMM rather than a batch of short ones.
    """

    offset: int
    batch_strides: tuple[int, ...]
    rows: Terms
    columns: Terms


@dataclass(frozen=True)
class GemmShape:
    """A batched ``C[b, m, n] (+)= sum_k A[b, m, k] * B[b, k, n]`` with static layouts."""

    batch: tuple[int, ...]
    m: int
    n: int
    k: int
    a: Operand
    b: Operand
    c: Operand
    accumulate: bool  # add to C's contents rather than overwrite them

    @property
    def batch_count(self) -> int:
        return math.prod(self.batch)

    @property
    def packed_batch(self) -> tuple[int, ...]:
        """The batch extents B varies along; B is packed once per combination of them."""
        return tuple(size for size, stride in zip(self.batch, self.b.batch_strides) if stride)

    @property
    def panels(self) -> int:
        return -(-self.n // PANEL_WIDTH)

    @property
    def packed_elements(self) -> int:
        return math.prod(self.packed_batch) * self.panels * self.k * PANEL_WIDTH


def _span(offset: int, terms) -> int:
    """One past the last element addressed by ``offset + sum(index * stride)``."""
    return offset + sum((extent - 1) * stride for extent, stride in terms) + 1


def spans(shape: GemmShape) -> dict[str, int]:
    """Elements each flat view needs, keyed ``a``, ``b``, ``c``, and ``p`` for the panels."""
    operands = {"a": shape.a, "b": shape.b, "c": shape.c}
    sizes = {key: _span(x.offset, [*x.rows, *x.columns, *zip(shape.batch, x.batch_strides)])
             for key, x in operands.items()}
    return {**sizes, "p": shape.packed_elements}


def _split(index: str, terms: tuple[tuple[int, int], ...]) -> str:
    """The affine expression ``sum(component * stride)`` of a flat ``index``."""
    parts, inner = [], 1
    for position, (extent, stride) in enumerate(reversed(terms)):
        component = index if inner == 1 else f"({index} floordiv {inner})"
        if position < len(terms) - 1:
            component = f"({component} mod {extent})"
        if stride:
            parts.append(f"{component} * {stride}")
        inner *= extent
    return " + ".join(parts) or "0"


def gemm_function(name: str, shape: GemmShape, packed: bool = False) -> str:
    """A ``func.func`` named ``name`` computing ``shape`` on flat A, B and C buffers,
    sized by :func:`spans`. With ``packed``, a fourth argument P already holds B's panels
    (a prepacked weight); otherwise each panel is packed right before the tiles that
    read it, into a buffer of its own."""
    writer = _Writer(shape, spans(shape))
    body = []
    if packed:
        full_tiles, tail_rows = divmod(shape.m, TILE_ROWS)
        if full_tiles:
            body.append(writer.compute(0, full_tiles, TILE_ROWS))
        if tail_rows:
            body.append(writer.compute(full_tiles, full_tiles + 1, tail_rows))
    else:
        body.append(writer.pack_and_compute())
    keys = ("a", "b", "c", "p") if packed else ("a", "b", "c")
    arguments = ", ".join(f"%{key}: {writer.types[key]}" for key in keys)
    return (f"func.func private @{name}({arguments}) {{\n{writer.constants()}\n"
            + "\n".join(body) + "\n  return\n}\n")


def pack_function(name: str, shape: GemmShape) -> str:
    """A ``func.func`` named ``name`` that packs flat B into P, as ``gemm_function`` does."""
    writer = _Writer(shape, spans(shape))
    body = writer.pack()
    arguments = ", ".join(f"%{key}: {writer.types[key]}" for key in ("b", "p"))
    return f"func.func private @{name}({arguments}) {{\n{writer.constants()}\n{body}\n  return\n}}\n"


VECTOR_TYPE = f"vector<{VECTOR}xf32>"
MASK_TYPE = f"vector<{VECTOR}xi1>"


class _Writer:
    """Emits the loop nest's text, one SSA name per value."""

    def __init__(self, shape: GemmShape, sizes: dict[str, int]):
        self.shape = shape
        self.types = {key: f"memref<{size}xf32>" for key, size in sizes.items()}
        self.counter = 0
        self.used_constants: set[int] = set()
        self.panels, self.panels_type = "%p", self.types["p"]  # where B's panels are

    def fresh(self, stem: str) -> str:
        self.counter += 1
        return f"%{stem}{self.counter}"

    def const(self, value: int) -> str:
        self.used_constants.add(value)
        return f"%c{value}"

    def constants(self) -> str:
        lines = [f"  %c{v} = arith.constant {v} : index" for v in sorted(self.used_constants)]
        lines.append("  %zero = arith.constant 0.0 : f32")
        lines.append(f"  %zeros = arith.constant dense<0.0> : {VECTOR_TYPE}")
        return "\n".join(lines)

    def apply(self, lines: list[str], indent: str, stem: str, dims: list[str], expression: str,
              symbols: tuple[str, ...] = ()) -> str:
        """Append ``%value = affine.apply`` of ``expression`` (over d_i, s_i); return it."""
        value = self.fresh(stem)
        dim_names = ", ".join(f"d{i}" for i in range(len(dims)))
        symbol_names = f"[{', '.join(f's{i}' for i in range(len(symbols)))}]" if symbols else ""
        symbol_values = f"[{', '.join(symbols)}]" if symbols else ""
        lines.append(f"{indent}{value} = affine.apply affine_map<({dim_names}){symbol_names} -> "
                     f"({expression})>({', '.join(dims)}){symbol_values}")
        return value

    def _batch_offset(self, operand: Operand) -> str:
        """An affine expression of ``d0`` (the flat batch index) for the operand's offset."""
        return f"{operand.offset} + {_split('d0', tuple(zip(self.shape.batch, operand.batch_strides)))}"

    def _packed_batch_index(self) -> str:
        """An affine expression of ``d0`` (the flat batch index): which packed copy of B."""
        strides, inner = [], 1
        for size, stride in reversed(list(zip(self.shape.batch, self.shape.b.batch_strides))):
            strides.append(inner if stride else 0)
            inner *= size if stride else 1
        return _split("d0", tuple(zip(self.shape.batch, reversed(strides))))

    def pack(self) -> str:
        """Copy B into zero-padded panels: ``P[batch][panel][k][column]``."""
        s, b, c = self.shape, self.shape.b, self.const
        packed_batch = tuple(zip(s.packed_batch, (stride for stride in b.batch_strides if stride)))
        lines = [f"  scf.parallel (%pb, %pp) = ({c(0)}, {c(0)}) to ({c(math.prod(s.packed_batch))}, "
                 f"{c(s.panels)}) step ({c(1)}, {c(1)}) {{"]
        base = self.apply(lines, "    ", "pbase", ["%pb"], f"{b.offset} + {_split('d0', packed_batch)}")
        packed = self.apply(lines, "    ", "pdst", ["%pb", "%pp"],
                            f"(d0 * {s.panels} + d1) * {s.k * PANEL_WIDTH}")
        self._pack_panel(lines, base, packed)
        lines += ["    scf.reduce", "  }"]
        return "\n".join(lines)

    def pack_and_compute(self) -> str:
        """Per (batch, panel), in parallel: pack the panel into a buffer of its own, then
        run every tile of rows on it while it is in cache."""
        s, c = self.shape, self.const
        lines = [f"  scf.parallel (%pb, %pp) = ({c(0)}, {c(0)}) to ({c(s.batch_count)}, "
                 f"{c(s.panels)}) step ({c(1)}, {c(1)}) {{"]
        self.panels, self.panels_type = "%panel", f"memref<{s.k * PANEL_WIDTH}xf32>"
        lines.append(f"    %panel = memref.alloc() {{alignment = 64 : i64}} : {self.panels_type}")
        base = self.apply(lines, "    ", "pbase", ["%pb"], self._batch_offset(s.b))
        self._pack_panel(lines, base, c(0))
        lines.append(f"    %gb = arith.addi %pb, {c(0)} : index")
        lines.append(f"    %gp = arith.addi %pp, {c(0)} : index")
        full_tiles, tail_rows = divmod(s.m, TILE_ROWS)
        if full_tiles:
            lines.append(self.compute(0, full_tiles, TILE_ROWS, in_panel_loop=True))
        if tail_rows:
            lines.append(self.compute(full_tiles, full_tiles + 1, tail_rows, in_panel_loop=True))
        lines += ["    scf.reduce", "  }"]
        return "\n".join(lines)

    def _pack_panel(self, lines: list[str], base: str, packed: str) -> None:
        """Pack panel ``%pp`` of B, read from ``base``, into the panels at ``packed``."""
        s, b = self.shape, self.shape.b
        last_column = self.apply(lines, "    ", "last", ["%pp"], f"{s.n - 1} - d0 * {PANEL_WIDTH}")
        # Walk B in its own memory order: along k when k is B's unit stride.
        k_inner = b.rows[-1][1] == 1 and b.columns[-1][1] != 1
        if b.columns[-1][1] == 1 and b.columns[-1][0] % VECTOR == 0 and not k_inner:
            # Every group of VECTOR columns is contiguous in B (output rows of a
            # convolution whose width is a multiple of VECTOR): vector copies only.
            self._pack_vectors(lines, base, packed)
        elif b.columns[-1][1] == 1 and not k_inner:
            # A full panel whose columns are consecutive in B (a convolution's output
            # row, when it does not wrap) is copied with vector loads, as above: its
            # groups start VECTOR apart. Other panels are copied element by element.
            contiguous = self._panel_is_contiguous(lines, "    ")
            lines.append(f"    scf.if {contiguous} {{")
            self._pack_vectors(lines, base, packed)
            lines.append("    } else {")
            self._pack_elements(lines, base, packed, last_column, k_inner)
            lines.append("    }")
        else:
            self._pack_elements(lines, base, packed, last_column, k_inner)

    def _panel_is_contiguous(self, lines: list[str], indent: str) -> str:
        """An ``i1``: panel ``%pp`` is full and its columns are consecutive elements of B."""
        s, b = self.shape, self.shape.b
        first = self.apply(lines, indent, "first", ["%pp"], _split(f"(d0 * {PANEL_WIDTH})", b.columns))
        last = self.apply(lines, indent, "lastc", ["%pp"],
                          _split(f"(d0 * {PANEL_WIDTH} + {PANEL_WIDTH - 1})", b.columns))
        spread = self.fresh("spread")
        lines.append(f"{indent}{spread} = arith.subi {last}, {first} : index")
        full_columns = self.apply(lines, indent, "end", ["%pp"], f"d0 * {PANEL_WIDTH} + {PANEL_WIDTH}")
        tight, full, both = self.fresh("tight"), self.fresh("full"), self.fresh("contiguous")
        lines.append(f"{indent}{tight} = arith.cmpi eq, {spread}, {self.const(PANEL_WIDTH - 1)} : index")
        lines.append(f"{indent}{full} = arith.cmpi sle, {full_columns}, {self.const(s.n)} : index")
        lines.append(f"{indent}{both} = arith.andi {tight}, {full} : i1")
        return both

    def _pack_vectors(self, lines: list[str], base: str, packed: str) -> None:
        """Copy each group of VECTOR columns with one masked vector load (zeros past N)."""
        s, b, c, indent = self.shape, self.shape.b, self.const, "      "
        sources, masks = [], []
        for j in range(PANEL_WIDTH // VECTOR):
            sources.append(self.apply(lines, "    ", "gsrc", ["%pp"],
                                      _split(f"(d0 * {PANEL_WIDTH} + {VECTOR * j})", b.columns)))
            valid = self.apply(lines, "    ", "gvalid", ["%pp"],
                               f"{s.n - VECTOR * j} - d0 * {PANEL_WIDTH}")
            masks.append(self.fresh("gmask"))
            lines.append(f"    {masks[-1]} = vector.create_mask {valid} : {MASK_TYPE}")
        lines.append(f"    scf.for %qk = {c(0)} to {c(s.k)} step {c(1)} {{")
        for j, (column, mask) in enumerate(zip(sources, masks)):
            source = self.apply(lines, indent, "vsrc", ["%qk"], f"s0 + s1 + {_split('d0', b.rows)}",
                                (base, column))
            target = self.apply(lines, indent, "vdst", ["%qk"],
                                f"s0 + d0 * {PANEL_WIDTH} + {VECTOR * j}", (packed,))
            value = self.fresh("group")
            lines.append(f"{indent}{value} = vector.maskedload %b[{source}], {mask}, %zeros : "
                         f"{self.types['b']}, {MASK_TYPE}, {VECTOR_TYPE} into {VECTOR_TYPE}")
            lines.append(f"{indent}vector.store {value}, {self.panels}[{target}] : "
                         f"{self.panels_type}, {VECTOR_TYPE}")
        lines.append("    }")

    def _pack_elements(self, lines: list[str], base: str, packed: str, last_column: str,
                       k_inner: bool) -> None:
        s, b, c = self.shape, self.shape.b, self.const
        outer, inner = ("%pv", "%pk") if k_inner else ("%pk", "%pv")
        bounds = {"%pk": c(s.k), "%pv": c(PANEL_WIDTH)}
        lines.append(f"    scf.for {outer} = {c(0)} to {bounds[outer]} step {c(1)} {{")
        lines.append(f"      scf.for {inner} = {c(0)} to {bounds[inner]} step {c(1)} {{")
        indent = "        "
        inside, safe = self.fresh("inside"), self.fresh("safe")
        lines.append(f"{indent}{inside} = arith.cmpi sle, %pv, {last_column} : index")
        lines.append(f"{indent}{safe} = arith.minsi %pv, {last_column} : index")
        column = self.apply(lines, indent, "col", ["%pp", safe], f"d0 * {PANEL_WIDTH} + d1")
        source = self.apply(lines, indent, "src", ["%pk", column],
                            f"s0 + {_split('d0', b.rows)} + {_split('d1', b.columns)}", (base,))
        loaded, value = self.fresh("ld"), self.fresh("val")
        lines.append(f"{indent}{loaded} = memref.load %b[{source}] : {self.types['b']}")
        lines.append(f"{indent}{value} = arith.select {inside}, {loaded}, %zero : f32")
        target = self.apply(lines, indent, "dst", ["%pk", "%pv"],
                            f"s0 + d0 * {PANEL_WIDTH} + d1", (packed,))
        lines.append(f"{indent}memref.store {value}, {self.panels}[{target}] : {self.panels_type}")
        lines += ["      }", "    }"]

    def compute(self, first_tile: int, end_tile: int, rows: int, in_panel_loop: bool = False) -> str:
        """C's tiles ``first_tile .. end_tile - 1``, each ``rows`` x ``PANEL_WIDTH``: a
        parallel loop over batches, panels and tiles, or, ``in_panel_loop``, a loop over
        the tiles of panel ``%gp`` of batch ``%gb`` in its own buffer."""
        s, c, vectors, indent = self.shape, self.const, PANEL_WIDTH // VECTOR, "    "
        if in_panel_loop:
            lines = [f"  scf.for %gt = {c(first_tile)} to {c(end_tile)} step {c(1)} {{"]
        else:
            lines = [f"  scf.parallel (%gb, %gp, %gt) = ({c(0)}, {c(0)}, {c(first_tile)}) to "
                     f"({c(s.batch_count)}, {c(s.panels)}, {c(end_tile)}) step ({c(1)}, {c(1)}, {c(1)}) {{"]
        a_rows = [self.apply(lines, indent, "arow", ["%gb", "%gt"],
                             f"{self._batch_offset(s.a)} + {_split(f'(d1 * {TILE_ROWS} + {r})', s.a.rows)}")
                  for r in range(rows)]
        c_rows = [self.apply(lines, indent, "crow", ["%gb", "%gt", "%gp"],
                             f"{self._batch_offset(s.c)} + {_split(f'(d1 * {TILE_ROWS} + {r})', s.c.rows)}"
                             f" + d2 * {PANEL_WIDTH}")
                  for r in range(rows)]
        masks = []
        for j in range(vectors):
            valid = self.apply(lines, indent, "valid", ["%gp"], f"{s.n - VECTOR * j} - d0 * {PANEL_WIDTH}")
            masks.append(self.fresh("mask"))
            lines.append(f"{indent}{masks[-1]} = vector.create_mask {valid} : {MASK_TYPE}")
        panel = c(0) if in_panel_loop else self.apply(
            lines, indent, "panel", ["%gb", "%gp"],
            f"(({self._packed_batch_index()}) * {s.panels} + d1) * {s.k * PANEL_WIDTH}")
        initial = []
        for r in range(rows):
            for j in range(vectors):
                if not s.accumulate:
                    initial.append("%zeros")
                    continue
                address = self.apply(lines, indent, "cin", [c_rows[r]], f"d0 + {VECTOR * j}")
                initial.append(self.fresh("init"))
                lines.append(f"{indent}{initial[-1]} = vector.maskedload %c[{address}], {masks[j]}, "
                             f"%zeros : {self.types['c']}, {MASK_TYPE}, {VECTOR_TYPE} into {VECTOR_TYPE}")
        results = self._k_loops(lines, indent, initial, a_rows, panel, rows)
        for r in range(rows):
            for j in range(vectors):
                address = self.apply(lines, indent, "cout", [c_rows[r]], f"d0 + {VECTOR * j}")
                lines.append(f"{indent}vector.maskedstore %c[{address}], {masks[j]}, "
                             f"{results[r * vectors + j]} : {self.types['c']}, {MASK_TYPE}, {VECTOR_TYPE}")
        lines += ["  }"] if in_panel_loop else ["    scf.reduce", "  }"]
        return "\n".join(lines)

    def _k_loops(self, lines: list[str], indent: str, initial: list[str], a_rows: list[str],
                 panel: str, rows: int) -> list[str]:
        """One ``scf.for`` per term of A's k, carrying the accumulators; the innermost
        loads two B vectors and one A element per row and issues the FMAs."""
        s, c, vectors = self.shape, self.const, PANEL_WIDTH // VECTOR
        terms = s.a.columns
        count = len(initial)
        types = ", ".join([VECTOR_TYPE] * count)
        carried, outputs, indices = initial, [], []
        for level, (extent, _) in enumerate(terms):
            index, result = f"%k{level}_{self.counter}", self.fresh("sum")
            names = [f"%acc{level}_{i}_{self.counter}" for i in range(count)]
            iter_args = ", ".join(f"{name} = {value}" for name, value in zip(names, carried))
            lines.append(f"{indent}{result}:{count} = scf.for {index} = {c(0)} to {c(extent)} "
                         f"step {c(1)} iter_args({iter_args}) -> ({types}) {{")
            indent += "  "
            carried, outputs, indices = names, outputs + [result], indices + [index]
        flat_k = " + ".join(f"d{level} * {math.prod(e for e, _ in terms[level + 1:])}"
                            for level in range(len(terms)))
        b_vectors = []
        for j in range(vectors):
            address = self.apply(lines, indent, "bat", indices,
                                 f"s0 + ({flat_k}) * {PANEL_WIDTH} + {VECTOR * j}", (panel,))
            b_vectors.append(self.fresh("bv"))
            lines.append(f"{indent}{b_vectors[-1]} = vector.load {self.panels}[{address}] : "
                         f"{self.panels_type}, {VECTOR_TYPE}")
        a_offset = " + ".join(f"d{level} * {stride}" for level, (_, stride) in enumerate(terms))
        updated = []
        for r in range(rows):
            address = self.apply(lines, indent, "aat", indices, f"s0 + {a_offset}", (a_rows[r],))
            scalar, broadcast = self.fresh("a"), self.fresh("av")
            lines.append(f"{indent}{scalar} = memref.load %a[{address}] : {self.types['a']}")
            lines.append(f"{indent}{broadcast} = vector.broadcast {scalar} : f32 to {VECTOR_TYPE}")
            for j in range(vectors):
                updated.append(self.fresh("fma"))
                lines.append(f"{indent}{updated[-1]} = vector.fma {broadcast}, {b_vectors[j]}, "
                             f"{carried[r * vectors + j]} : {VECTOR_TYPE}")
        for level in reversed(range(len(terms))):
            lines.append(f"{indent}scf.yield {', '.join(updated)} : {types}")
            indent = indent[:-2]
            lines.append(f"{indent}}}")
            updated = [f"{outputs[level]}#{i}" for i in range(count)]
        return updated
