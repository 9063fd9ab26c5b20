"""Install diagnostics: ``rotation doctor`` checks and the display probe of the desktop app."""
