"""Support for the Excel UDFs: Excel-shaped argument coercion, error values, shared state.

The UDFs are declared through :mod:`rotation_addin.udfs` (the module the workbook's
``xlwings.conf`` sheet names); this package keeps them thin: :mod:`.args` (cells to values,
exchange prefixes), :mod:`.guard` and :mod:`.cell_errors` (failures as Excel error values and
their reasons), :mod:`.context` (shared quotes, books, open interest), :mod:`.market_udfs` and
:mod:`.trading_udfs` (functions imported by ``udfs``).
"""
