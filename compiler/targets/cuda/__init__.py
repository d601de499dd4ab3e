"""The CUDA target's compiler half: each kernel becomes Triton kernels, compiled to cubins.

- :func:`.triton_codegen.lower_kernel`: a bufferized ``kiln.kernel`` function ->
  ``list[TritonLaunch]`` (source, pointer arguments, grid, num_warps, constexprs).
- :func:`.cubin.compile_launch`: one launch -> ``CompiledKernel`` (sm_90 cubin, PTX,
  symbol, num_warps, shared memory, global scratch size), cached in Kiln's cache dir.
- :func:`.interpreter.run_host_program`: runs a host program's launches in Triton's
  interpreter on CPU tensors (the ``cuda-interpreter`` device, in
  ``kiln.runtime.devices``, runs saved artifacts the same way), to check numerics
  without a GPU.
"""
