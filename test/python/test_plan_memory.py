"""kiln-plan-memory: the greedy offset assignment, and the errors on programs it cannot plan."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from torch_mlir import ir

from kiln.compiler.dialect.context import make_context
from kiln.compiler.transforms.plan_memory import MemoryPlanError, PlanMemory, Slot, assign_offsets


def test_disjoint_lifetimes_share_bytes():
    a, b = Slot(128, 0, 2), Slot(128, 3, 5)
    assert assign_offsets([a, b]) == 128
    assert a.offset == b.offset == 0


def test_overlapping_lifetimes_get_aligned_disjoint_bytes():
    a, b, c = Slot(4, 0, 3), Slot(4, 1, 2), Slot(100, 3, 4)
    assert assign_offsets([a, b, c]) == 192
    assert (c.offset, a.offset, b.offset) == (0, 128, 0)  # b and c are never live together


def test_small_slot_fills_a_gap():
    x, y, z = Slot(128, 0, 2), Slot(128, 0, 0), Slot(128, 0, 2)
    w = Slot(64, 1, 2)  # live with x and z but not y: takes y's bytes between them
    assert assign_offsets([x, y, z, w]) == 384
    assert (x.offset, y.offset, z.offset, w.offset) == (0, 128, 256, 128)


def test_no_slots_no_arena():
    assert assign_offsets([]) == 0


slots = st.lists(
    st.tuples(st.integers(1, 1000), st.integers(0, 20), st.integers(0, 5)).map(
        lambda t: Slot(t[0], t[1], t[1] + t[2])
    ),
    max_size=12,
)


@given(slots)
def test_offsets_are_aligned_and_live_slots_never_collide(slots):
    arena = assign_offsets(slots)
    assert arena % 64 == 0
    for i, s in enumerate(slots):
        assert s.offset % 64 == 0 and s.offset + s.size <= arena
        for t in slots[i + 1 :]:
            if s.overlaps_in_time(t):
                assert s.offset + s.size <= t.offset or t.offset + t.size <= s.offset


def plan_memory(source: str, **options) -> str:
    with make_context():
        module = ir.Module.parse(source)
        PlanMemory(**options).run(module.operation)
        return str(module)


def test_print_plan_writes_a_table(capsys):
    plan_memory(
        """
        func.func private @k(%a: memref<4xf32>) attributes {kiln.kernel} { return }
        func.func @f() {
          %a = memref.alloc() : memref<4xf32>
          call @k(%a) : (memref<4xf32>) -> ()
          return
        }""",
        print_plan=True,
    )
    assert capsys.readouterr().err.splitlines() == [
        "kiln-plan-memory: @f: arena 64 bytes, 16 bytes without reuse",
        "  buffer    offset      size  live        in place of",
        "  0              0        16  [1, 1]",
    ]


DYNAMIC = """
func.func @f(%n: index) {
  %a = memref.alloc(%n) : memref<?xf32>
  return
}"""
SUBVIEW = """
func.func @f(%a: memref<4xf32>) {
  %b = memref.subview %a[0][2][1] : memref<4xf32> to memref<2xf32, strided<[1]>>
  return
}"""
RETURNS_ALLOC = """
func.func @f() -> memref<4xf32> {
  %a = memref.alloc() : memref<4xf32>
  return %a : memref<4xf32>
}"""


@pytest.mark.parametrize(
    "source, message",
    [
        (DYNAMIC, r"host function @f allocates memref<\?xf32> with a dynamic shape"),
        (SUBVIEW, "host function @f contains 'memref.subview'"),
        (RETURNS_ALLOC, "host function @f returns a buffer it allocates"),
    ],
)
def test_unsupported_host_programs_are_errors(source, message):
    with pytest.raises(MemoryPlanError, match=message):
        plan_memory(source)


def test_dynamic_kernel_scratch_is_an_error():
    source = """
    func.func private @k(%n: index) attributes {kiln.kernel} {
      %a = memref.alloc(%n) : memref<?xf32>
      return
    }"""
    with pytest.raises(MemoryPlanError, match=r"kernel @k allocates memref<\?xf32> with a dynamic"):
        plan_memory(source)
