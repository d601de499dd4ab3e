"""The CUDA target's artifact: one cubin per Triton kernel, with its launch metadata.

Layout: ``KILNCUDA``, the length of a JSON header (8 bytes, little-endian), the header,
then the cubins back to back. The header lists, per kernel, its name in the host
program, its symbol in the cubin, the byte range of its cubin, its warps, dynamic shared
memory and global scratch per program, and the Triton source it was compiled from with
its parameters' types and constexprs (which the interpreter device runs instead).
"""

import json
import struct
from dataclasses import asdict, dataclass

from ..errors import ArtifactError

MAGIC = b"KILNCUDA"


@dataclass(frozen=True)
class CudaKernel:
    """One compiled Triton kernel."""

    name: str
    symbol: str
    cubin: bytes
    num_warps: int
    shared_bytes: int
    global_scratch_bytes: int
    source: str
    signature: list[str]  # Triton's type of each pointer parameter, e.g. "*fp32"
    constexprs: dict[str, int]


def pack(kernels: list[CudaKernel]) -> bytes:
    """The artifact holding ``kernels``."""
    header, offset = [], 0
    for kernel in kernels:
        record = asdict(kernel)
        record["cubin"] = [offset, len(kernel.cubin)]
        offset += len(kernel.cubin)
        header.append(record)
    encoded = json.dumps(header).encode()
    return MAGIC + struct.pack("<Q", len(encoded)) + encoded + b"".join(k.cubin for k in kernels)


def unpack(data: bytes) -> dict[str, CudaKernel]:
    """The kernels of an artifact written by :func:`pack`, by name."""
    if not data.startswith(MAGIC):
        raise ArtifactError("not a Kiln CUDA artifact")
    try:
        (length,) = struct.unpack_from("<Q", data, len(MAGIC))
        start = len(MAGIC) + 8
        header = json.loads(data[start:start + length])
        body = data[start + length:]
        kernels = {}
        for record in header:
            offset, size = record.pop("cubin")
            kernels[record["name"]] = CudaKernel(cubin=body[offset:offset + size], **record)
        return kernels
    except (ValueError, KeyError, TypeError, struct.error) as error:
        raise ArtifactError(f"malformed Kiln CUDA artifact: {error}") from error
