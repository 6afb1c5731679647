"""Settings checked where they are built: each field of a config dataclass against its annotated type and an
allowed range, with one line naming the setting, the value given and what it may be.

>>> from dataclasses import dataclass
>>> @dataclass
... class Config:
...     steps: int = 10
...     weight: float | None = None
...     def __post_init__(self):
...         check_settings(self, steps=(1, None), weight=(0, None))
>>> Config(steps=2.5)
Traceback (most recent call last):
ValueError: Config: steps must be an integer >= 1, got 2.5

Types are read from the annotations (``int``, ``float``, ``bool``, ``str``, each optionally ``| None``); an
``int`` field refuses floats and booleans, a ``float`` field takes any finite real number but a boolean.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import fields

__all__ = ["check_settings", "MAX_SIZE", "MAX_SEED", "check_seed"]

#: the largest working size in pixels a profile or config takes (the survey works at 256; DST's and NST's memory
#: grows with the square of the size, and 2048 px already needs tens of GiB)
MAX_SIZE = 2048
#: seeds seed NumPy too, which takes 32-bit values
MAX_SEED = 2 ** 32 - 1

_WHAT = {"int": "an integer", "float": "a finite number", "bool": "True or False", "str": "a string"}


def _kinds(annotation) -> set[str]:
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", str(annotation))
    return {part.strip() for part in text.split("|")}


def _fits(value, kind: str) -> bool:
    if kind == "int":
        return isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if kind == "float":
        return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    if kind == "bool":
        return isinstance(value, bool)
    return isinstance(value, str)


def _range_text(low, high) -> str:
    if low is not None and high is not None:
        return f" in [{low}, {high}]"
    return f" >= {low}" if low is not None else (f" <= {high}" if high is not None else "")


def check_settings(config, **ranges: tuple[float | None, float | None]) -> None:
    """Raise ``ValueError`` naming the first field of the dataclass instance ``config`` whose value is not of its
    annotated type (``int``, ``float``, ``bool``, ``str``, optionally ``| None``) or lies outside its inclusive
    ``ranges[name] = (low, high)`` (``None``: unbounded). ``seed`` and ``size`` fields get ``[0, MAX_SEED]`` and
    ``[1, MAX_SIZE]`` unless ``ranges`` says otherwise. Fields of other types are left alone."""
    owner = type(config).__name__
    for f in fields(config):
        value, kinds = getattr(config, f.name), _kinds(f.type)
        known = kinds & set(_WHAT)
        if not known or (value is None and "None" in kinds):
            continue
        low, high = ranges.get(f.name, {"seed": (0, MAX_SEED), "size": (1, MAX_SIZE)}.get(f.name, (None, None)))
        number = known & {"int", "float"}
        fits = any(_fits(value, k) for k in known)
        if fits and number and not isinstance(value, (bool, str)):
            fits = (low is None or value >= low) and (high is None or value <= high)
        if not fits:
            kind = "float" if "float" in known else sorted(known)[0]
            what = _WHAT[kind] + (_range_text(low, high) if number else "") + (" or None" if "None" in kinds else "")
            raise ValueError(f"{owner}: {f.name} must be {what}, got {value!r}")


def check_seed(seed, name: str = "seed") -> int:
    """``seed`` as an ``int`` when it is an integer in ``[0, MAX_SEED]``; else ``ValueError`` naming ``name``."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"{name} must be integers in [0, {MAX_SEED}], got {seed!r}")
    return int(seed)
