"""One module per sheet: static layout at build time, owned-range content at refresh time."""
