"""Transformations on the `kiln` dialect and on bufferized kernels: fusion, outlining, memory planning."""
