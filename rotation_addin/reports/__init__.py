"""Reports generated from the engine's own output (markdown for ``docs/``)."""
