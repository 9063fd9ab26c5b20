"""PySide6 desktop app ``rotation-desk``."""
