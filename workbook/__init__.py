"""The Self-Trust Workbook: a terminal workbook for Chardyce Kott's article on self-trust."""

__version__ = "0.1.0"
