"""Rotation Desk: a crypto sector-rotation futures workflow for Excel, a desktop app and a CLI."""

__version__ = "0.1.0"
