"""``tools/gpu-check``: prepare CUDA programs here, check and time them on a GPU machine."""
