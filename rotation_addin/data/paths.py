"""Where data and settings live (platformdirs), overridable with ``ROTATION_DESK_HOME``.

* settings: ``<config dir>/settings.toml``, universe override ``<config dir>/universe.toml``
* cache: ``<data dir>/cache.sqlite3``; workbooks: ``<data dir>/workbooks/``

With ``ROTATION_DESK_HOME=/some/dir`` both live under that directory (``config/``, ``data/``);
tests use it so they never touch the real user folders.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "rotation-desk"
HOME_ENV = "ROTATION_DESK_HOME"


def _override() -> Path | None:
    value = os.environ.get(HOME_ENV, "").strip()
    return Path(value).expanduser() if value else None


def config_dir() -> Path:
    """Directory of ``settings.toml`` and ``universe.toml`` (created on demand)."""
    base = _override()
    default = Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
    path = base / "config" if base else default
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir() -> Path:
    """Directory of the SQLite cache and generated workbooks (created on demand)."""
    base = _override()
    path = base / "data" if base else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_path() -> Path:
    """Path of the SQLite market-data cache."""
    return data_dir() / "cache.sqlite3"


def workbooks_dir() -> Path:
    """Directory where ``rotation demo`` and exports write workbooks."""
    path = data_dir() / "workbooks"
    path.mkdir(parents=True, exist_ok=True)
    return path
