"""The NPU artifact: a manifest (the machine it was compiled for, the kernels it holds)
followed by the shared object the reference executor runs. Imports no MLIR."""

import json
import struct

from kiln.runtime.errors import ArtifactError

MAGIC = b"KILNNPU1"
_LENGTH = struct.Struct("<Q")


def pack(manifest: dict, shared_object: bytes) -> bytes:
    """The artifact's bytes: magic, the manifest's length and JSON, the shared object."""
    text = json.dumps(manifest, sort_keys=True).encode()
    return MAGIC + _LENGTH.pack(len(text)) + text + shared_object


def unpack(binary: bytes) -> tuple[dict, bytes]:
    """The manifest and the shared object of an artifact; :class:`ArtifactError` if
    ``binary`` is not one."""
    if not binary.startswith(MAGIC) or len(binary) < len(MAGIC) + _LENGTH.size:
        raise ArtifactError("not an example-npu artifact (bad magic)")
    (length,) = _LENGTH.unpack_from(binary, len(MAGIC))
    start = len(MAGIC) + _LENGTH.size
    manifest = json.loads(binary[start:start + length])
    return manifest, binary[start + length:]
