"""Conformance tools: OpInfo samples and random programs, compiled by Kiln and compared with eager."""
