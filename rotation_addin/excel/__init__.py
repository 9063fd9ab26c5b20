"""Support for the Excel UDFs: Excel-shaped argument coercion, error text, shared state.

The UDFs themselves are in :mod:`rotation_addin.udfs` (the module the workbook's
``xlwings.conf`` sheet names); this package keeps them thin.
"""
