"""Pure engine: arrays and DataFrames in, frozen dataclasses out. No I/O, no Qt, no Excel."""
