"""The one image-optimisation loop (survey_lib.optim.optimise) and the methods that run through it."""
import pytest
import torch

from survey_lib import methods
from survey_lib.methods.adain import method as adain_module
from survey_lib.optim import optimise
from survey_lib.utils import Interrupted


def _quadratic():
    x = torch.zeros(2, requires_grad=True)
    opt = torch.optim.SGD([x], lr=0.25)

    def step(i):
        opt.zero_grad()
        loss = (x - torch.tensor([1.0, -2.0])).pow(2).sum()
        loss.backward()
        opt.step()
        return {"total": loss, "half": loss / 2}

    return x, step


def test_optimise_runs_every_step_and_records_each_term():
    x, step = _quadratic()
    history = {"total": [], "half": []}
    seen = []
    run = optimise(step, 4, history=history, name="demo", show_progress=False, after_step=seen.append)
    assert (run.steps, run.interrupted, seen) == (4, False, [0, 1, 2, 3])
    assert history["total"] == pytest.approx([5.0, 1.25, 0.3125, 0.078125])  # the gap halves each step: lr 0.25
    assert history["half"] == pytest.approx([v / 2 for v in history["total"]])
    assert torch.allclose(x.detach(), torch.tensor([1.0, -2.0]) * (1 - 0.5 ** 4))


def test_ctrl_c_stops_after_the_last_finished_step_and_keeps_it():
    x, step = _quadratic()

    def interrupted_at_3(i):
        if i == 3:
            raise KeyboardInterrupt
        return step(i)

    history = {"total": [], "half": []}
    run = optimise(interrupted_at_3, 10, history=history, name="demo", show_progress=False)
    assert (run.steps, run.interrupted, len(history["total"])) == (3, True, 3)
    assert torch.allclose(x.detach(), torch.tensor([1.0, -2.0]) * (1 - 0.5 ** 3))


def test_adain_optimised_decoding_keeps_the_finished_steps_on_ctrl_c(monkeypatch):
    """It had no Ctrl-C handling of its own; through the shared loop it comes out as Interrupted with a Result."""
    def interrupting(step, steps, **kwargs):
        def step_or_stop(i):
            if i == 2:
                raise KeyboardInterrupt
            return step(i)
        return optimise(step_or_stop, steps, **kwargs)

    monkeypatch.setattr(adain_module, "optimise", interrupting)
    with pytest.raises(Interrupted) as stop:
        methods.run("adain", "astronaut", "mona_lisa", profile="smoke", decoder="optimised", show_progress=False)
    partial = stop.value.partial
    assert isinstance(partial, methods.Result) and partial.steps == 2 and len(partial.history["total"]) == 2
    assert partial.image.shape == (1, 3, 64, 64) and torch.isfinite(partial.image).all()
