"""The counters every NPU kernel keeps, shared by the compiler half and the device."""

# The order of the counters in each kernel's counter global (``i64`` each).
COUNTERS = ("tiles", "bytes")


def counters_symbol(kernel: str) -> str:
    """The symbol of ``kernel``'s counter global in the shared object."""
    return f"{kernel}_npu_counters"
