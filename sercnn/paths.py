"""Where corpora, cached features and runs live.

``SERCNN_DATA`` names a folder holding one subfolder per corpus (``$SERCNN_DATA/emodb``); without it,
corpora go to a per-user cache. ``SERCNN_CACHE`` moves the feature cache.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

DATA_ENV = "SERCNN_DATA"
CACHE_ENV = "SERCNN_CACHE"


def data_home() -> Path:
    """The folder that holds one subfolder per corpus: ``$SERCNN_DATA`` or the per-user data cache."""
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_cache_dir("sercnn")) / "data"


def cache_home() -> Path:
    """The feature cache: ``$SERCNN_CACHE`` or the per-user cache folder."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_cache_dir("sercnn")) / "features"


def env_set() -> bool:
    """Whether ``SERCNN_DATA`` names the data folder (for saying where a corpus came from)."""
    return bool(os.environ.get(DATA_ENV))
