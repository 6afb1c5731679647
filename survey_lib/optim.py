"""The one image-optimisation loop: NST, AdaIN's optimised decoding and the DST family run their steps through
:func:`optimise`, which owns what every such loop needs: the progress bar, the loss history, the clock, the note when
a run will take more than an hour, and Ctrl-C, which stops after the last finished step and keeps it.

A method supplies ``step(i)``: one optimiser update, returning the loss terms it evaluated. What an update is stays
the method's (L-BFGS with a closure, Adam or SGD on a pyramid and keypoints, a new scale every so many steps).

>>> x = torch.zeros(1, requires_grad=True)
>>> opt = torch.optim.SGD([x], lr=0.1)
>>> def step(i):
...     opt.zero_grad(); loss = (x - 1).pow(2).sum(); loss.backward(); opt.step()
...     return {"total": loss}
>>> history = {"total": []}
>>> run = optimise(step, 3, history=history, name="demo", show_progress=False)
>>> run.steps, len(history["total"]), run.interrupted
(3, 3, False)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import torch

from .utils import LongRunNote, Timer, progress

__all__ = ["Optimised", "optimise"]


@dataclass
class Optimised:
    """How a loop ended: ``steps`` finished, ``seconds`` on the clock (CUDA synchronised), and whether Ctrl-C
    stopped it (the caller then raises :class:`~survey_lib.utils.Interrupted` with what it holds)."""

    steps: int
    seconds: float
    interrupted: bool


def optimise(step: Callable[[int], Mapping[str, torch.Tensor]], steps: int, *, history: dict[str, list[float]],
             name: str, desc: str | None = None, device=None, show_progress: bool = True,
             after_step: Callable[[int], None] | None = None) -> Optimised:
    """Run ``step(i)`` for ``i`` in ``range(steps)``.

    Args:
        step: one optimiser update; returns the loss terms it evaluated (scalar tensors), each appended as a float to
            ``history[name]`` (``history`` holds a list for every term).
        history: the loss curves, filled in place (so a stopped run keeps the steps that finished).
        name: what the projected-duration note calls the run (``"NST"``); ``desc``: the progress bar's label.
        device: the device the clock synchronises.
        after_step: called with ``i`` after each step and its history (a callback, a snapshot).

    Returns:
        :class:`Optimised`; a Ctrl-C during step ``i`` returns ``steps=i``, ``interrupted=True``.
    """
    note = LongRunNote(steps, name)
    done = 0
    timer = Timer(device)
    try:
        with timer:
            for i in progress(range(steps), desc=desc or name, enabled=show_progress):
                terms = step(i)
                for key, value in terms.items():
                    history[key].append(float(value.detach()))
                if after_step is not None:
                    after_step(i)
                done = i + 1
                note.step(done)
    except KeyboardInterrupt:
        return Optimised(done, timer.seconds, True)
    return Optimised(done, timer.seconds, False)
