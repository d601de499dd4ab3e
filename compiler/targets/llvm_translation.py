"""LLVM dialect → LLVM IR text, through the MLIR C API bundled with torch-mlir."""

import ctypes
import re
import struct
from pathlib import Path

import torch_mlir
from torch_mlir import ir

_CAPSULE_NAME = b"torch_mlir.ir.Operation._CAPIPtr"
# torch-mlir's LLVM prints float literals as `f0x<bits>`, a syntax newer than the LLVM 22
# inside llvmlite, which reads `0x<16 hex digits>` (the value as a double) for float and
# double, and `0xH<4 hex digits>` for half.
_NEW_FLOAT_LITERAL = re.compile(r"\bf0x([0-9A-Fa-f]+)\b")
_NEW_SPECIAL_FLOAT = re.compile(r"(?<=[\s,\[(])([+-]?)(inf|q?nan)\b")
_DECIMAL_LITERAL = re.compile(r"(?<=[\s,\[(<])([-+]?\d+\.\d+e[-+]\d+)\b")
_FLOAT_TYPE = re.compile(r"\b(half|bfloat|float|double)\b")
_CLASSIC_SPECIAL_FLOATS = {
    "inf": "0x7FF0000000000000", "-inf": "0xFFF0000000000000",
    "nan": "0x7FF8000000000000", "-nan": "0xFFF8000000000000",
}


class _MlirOperation(ctypes.Structure):
    _fields_ = [("ptr", ctypes.c_void_p)]


def _load_translate():
    library_dir = Path(torch_mlir.__path__[0]) / "_mlir_libs"
    library = ctypes.CDLL(str(library_dir / "libTorchMLIRAggregateCAPI.so"))
    translate = library.mlirTranslateModuleToLLVMIRToString
    translate.argtypes = [_MlirOperation]
    translate.restype = ctypes.c_void_p
    return translate


_translate = _load_translate()
_libc = ctypes.CDLL(None)
_capsule_pointer = ctypes.pythonapi.PyCapsule_GetPointer
_capsule_pointer.restype = ctypes.c_void_p
_capsule_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]


def translate_to_llvm_ir(module: ir.Module) -> str:
    """The LLVM IR text of a module that is entirely in the LLVM dialect."""
    pointer = _capsule_pointer(module.operation._CAPIPtr, _CAPSULE_NAME)
    text_pointer = _translate(_MlirOperation(pointer))
    if not text_pointer:
        raise RuntimeError("MLIR could not translate the module to LLVM IR")
    try:
        text = ctypes.string_at(text_pointer).decode()
    finally:
        _libc.free(ctypes.c_void_p(text_pointer))
    text = _NEW_FLOAT_LITERAL.sub(_classic_float_literal, text)
    text = _NEW_SPECIAL_FLOAT.sub(_classic_special_float, text)
    return "\n".join(_exact_float_decimals(line) for line in text.split("\n"))


def _exact_float_decimals(line: str) -> str:
    """LLVM 22 rejects a decimal ``float``, ``half`` or ``bfloat`` literal that is not
    exact in its type; use hex for those (``0x`` with the value as a double, ``0xH`` and
    ``0xR`` with the 16 bits).

    The literal's type is the nearest type name before it on the line, which holds for
    instructions, calls and aggregate constants alike.
    """
    if not ("float" in line or "half" in line) or "e" not in line:
        return line

    def replace(match: re.Match) -> str:
        types = _FLOAT_TYPE.findall(line, 0, match.start())
        encode = _HEX_LITERALS.get(types[-1]) if types else None
        return encode(float(match.group(1))) if encode else match.group(0)

    return _DECIMAL_LITERAL.sub(replace, line)


def _float_literal(value: float) -> str:
    rounded = struct.unpack("<f", struct.pack("<f", value))[0]
    return "0x" + struct.pack(">d", rounded).hex().upper()


def _half_literal(value: float) -> str:
    return "0xH" + struct.pack(">e", value).hex().upper()


def _bfloat_literal(value: float) -> str:
    bits = struct.unpack(">I", struct.pack(">f", value))[0]
    return "0xR" + f"{(bits + 0x7FFF + ((bits >> 16) & 1)) >> 16:04X}"  # round to nearest even


_HEX_LITERALS = {"float": _float_literal, "half": _half_literal, "bfloat": _bfloat_literal}


def _classic_special_float(match: re.Match) -> str:
    sign = "-" if match.group(1) == "-" else ""
    return _CLASSIC_SPECIAL_FLOATS[sign + match.group(2).removeprefix("q")]


def _classic_float_literal(match: re.Match) -> str:
    bits = match.group(1)
    if len(bits) == 8:
        value = struct.unpack("<f", struct.pack("<I", int(bits, 16)))[0]
        return "0x" + struct.pack(">d", value).hex().upper()
    if len(bits) == 16:
        return "0x" + bits.upper()
    if len(bits) == 4:
        return "0xH" + bits.upper()
    raise ValueError(f"unexpected float literal f0x{bits} in LLVM IR")
