"""The trade journal store: an append-only SQLite file in the data directory.

Surfaces never use it directly: they call :mod:`rotation_addin.desk.journal`.
"""
