"""Everything that crosses the process boundary: exchanges, providers, cache, CSV, demo market."""
