"""The CUDA target's compiler half: each kernel becomes Triton kernels, compiled to cubins."""
