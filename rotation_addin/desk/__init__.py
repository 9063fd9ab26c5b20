"""The desk: the use cases every surface (CLI, app, workbook, Excel functions) calls."""
