"""Where rerating keeps its files, and whether it may use the network.

Precedence everywhere: an explicit argument, then an environment variable, then a default.
"""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "RERATING_HOME"
OFFLINE_ENV = "RERATING_OFFLINE"


def resolve_home(home: str | os.PathLike[str] | None = None) -> Path:
    """Return the cache directory: ``home``, else ``$RERATING_HOME``, else ``~/.cache/rerating``."""
    if home is not None:
        return Path(home).expanduser()
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "rerating"


def resolve_offline(offline: bool | None = None) -> bool:
    """True when live providers must not be called: ``offline``, else ``$RERATING_OFFLINE`` set to 1."""
    if offline is not None:
        return offline
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in {"1", "true", "yes"}
