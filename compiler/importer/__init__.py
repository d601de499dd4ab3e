"""The front end: PyTorch programs to ``torch`` dialect IR."""

from .fx_import import ImportedProgram, export, import_program, state_tensors

__all__ = ["ImportedProgram", "export", "import_program", "state_tensors"]
