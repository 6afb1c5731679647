"""Gatys et al. (CVPR 2016) neural style transfer by optimising the pixels of the output image.

Loss: ``content_weight * Lc + style_weight * Ls + tv_weight * TV`` with

* ``Lc`` = relative feature MSE at ``content_layers`` (default ``conv4_2``, as in the paper),
* ``Ls`` = sum over ``style_layers`` (``relu1_1 ... relu5_1``) of the relative MSE between Gram matrices,
* ``TV`` = squared total variation of the image.

"Relative" losses divide by the target's squared norm (see :mod:`survey_lib.losses`), so the default weights
do not depend on the VGG weight source's activation scale.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Callable, Sequence

import torch

from ..images import ImageLike, load_image
from ..losses import GramStyleLoss, content_loss, total_variation
from ..optim import optimise
from ..settings import MAX_SIZE, check_settings
from ..utils import Interrupted, keep_partial, seed_everything
from ..vgg import VGG19Features, resolve_device
from .base import Method, Result, Timing, register

__all__ = ["NSTConfig", "NSTResult", "stylize", "STYLE_LAYERS", "CONTENT_LAYERS", "nst_settings", "NST"]

STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
CONTENT_LAYERS = ("conv4_2",)


@dataclass
class NSTConfig:
    """Settings of :func:`stylize`. Defaults follow the survey: 256x256, 450 L-BFGS steps."""

    size: int = 256
    steps: int = 450
    optimizer: str = "lbfgs"            #: "lbfgs" or "adam"
    lr: float | None = None             #: default 1.0 for L-BFGS, 0.02 for Adam
    content_weight: float = 1.0
    style_weight: float = 10.0
    tv_weight: float = 0.0
    init: str = "content"               #: "content" or "noise"
    content_layers: Sequence[str] = CONTENT_LAYERS
    style_layers: Sequence[str] = STYLE_LAYERS
    seed: int = 0

    def __post_init__(self):
        # 32 px at least: VGG19 pools 5 times
        check_settings(self, size=(32, MAX_SIZE), steps=(1, None), lr=(0, None), content_weight=(0, None),
                       style_weight=(0, None), tv_weight=(0, None))
        if self.optimizer not in ("lbfgs", "adam"):
            raise ValueError(f"optimizer must be 'lbfgs' or 'adam', got {self.optimizer!r}")
        if self.init not in ("content", "noise"):
            raise ValueError(f"init must be 'content' or 'noise', got {self.init!r}")


@dataclass
class NSTResult:
    """Output of :func:`stylize`.

    Attributes:
        image: ``(1, 3, size, size)`` in ``[0, 1]``, on the CPU.
        history: per-step ``{"total", "content", "style", "tv"}`` losses (weighted terms, floats).
        seconds: wall-clock optimisation time (excludes loading the images and VGG).
        steps: optimisation steps taken.
        config: the settings used, as a dict.
    """

    image: torch.Tensor
    history: dict[str, list[float]]
    seconds: float
    steps: int
    config: dict = field(default_factory=dict)

    @property
    def seconds_per_step(self) -> float:
        return self.seconds / max(self.steps, 1)


def _optimiser(cfg: NSTConfig, x: torch.Tensor) -> torch.optim.Optimizer:
    """L-BFGS (one iteration per step, default lr 1) or Adam (default lr 0.02) over the image ``x``."""
    lr = cfg.lr if cfg.lr is not None else (1.0 if cfg.optimizer == "lbfgs" else 0.02)
    if cfg.optimizer == "lbfgs":
        return torch.optim.LBFGS([x], lr=lr, max_iter=1, history_size=50)
    return torch.optim.Adam([x], lr=lr)


def stylize(content: ImageLike, style: ImageLike, config: NSTConfig | None = None, *,
            extractor: VGG19Features | None = None, device: torch.device | str | None = "auto",
            show_progress: bool = True, callback: Callable[[int, torch.Tensor], None] | None = None,
            **overrides) -> NSTResult:
    """Run Gatys NST.

    Args:
        content, style: anything :func:`survey_lib.images.load_image` accepts; both are resized to
            ``config.size`` squared (centre crop).
        config: settings; keyword ``overrides`` replace single fields, e.g. ``stylize(c, s, steps=50)``.
        extractor: a :class:`VGG19Features` covering the content and style layers (built when omitted).
        device: ``"auto"``, ``"cpu"``, ``"cuda"``...; ignored when ``extractor`` is given.
        callback: called as ``callback(step, image)`` after every step.
    """
    cfg = config or NSTConfig()
    if overrides:
        cfg = NSTConfig(**{**asdict(cfg), **overrides})
    layers = tuple(dict.fromkeys([*cfg.style_layers, *cfg.content_layers]))
    extractor = extractor if extractor is not None else VGG19Features(layers, device=resolve_device(device))
    dev, gen = extractor.device, seed_everything(cfg.seed)
    c_img = load_image(content, cfg.size, device=dev)
    s_img = load_image(style, cfg.size, device=dev)
    with torch.no_grad():
        c_feats = extractor(c_img, cfg.content_layers)
        style_loss = GramStyleLoss(extractor(s_img, cfg.style_layers), relative=True)

    x = c_img.clone() if cfg.init == "content" else torch.rand(c_img.shape, generator=gen).to(dev)
    x.requires_grad_(True)
    opt = _optimiser(cfg, x)
    history: dict[str, list[float]] = {"total": [], "content": [], "style": [], "tv": []}
    terms: dict[str, torch.Tensor] = {}

    def closure() -> torch.Tensor:
        opt.zero_grad(set_to_none=True)
        feats = extractor(x, layers)
        terms["content"] = cfg.content_weight * sum(
            content_loss(feats[n], c_feats[n], relative=True) for n in cfg.content_layers)
        terms["style"] = cfg.style_weight * style_loss(feats)
        terms["tv"] = cfg.tv_weight * total_variation(x) if cfg.tv_weight else x.new_zeros(())
        loss = terms["content"] + terms["style"] + terms["tv"]
        loss.backward()
        terms["total"] = loss
        return loss

    def update(step: int) -> dict[str, torch.Tensor]:
        opt.step(closure)
        with torch.no_grad():
            x.clamp_(0, 1)
        return terms

    report = None if callback is None else (lambda step: callback(step, x.detach()))
    run = optimise(update, cfg.steps, history=history, name="NST", desc=f"NST ({cfg.optimizer})", device=dev,
                   show_progress=show_progress, after_step=report)
    result = NSTResult(image=x.detach().cpu(), history=history, seconds=run.seconds, steps=run.steps,
                       config=asdict(cfg))
    if run.interrupted:  # keep the steps that finished
        raise Interrupted(result)
    return result


# ----------------------------------------------------------------------------------------------- the method
def nst_settings(cfg) -> NSTConfig:
    """The :class:`NSTConfig` fields of ``cfg`` (a config that extends it, e.g. Face-of-Art's)."""
    names = {f.name for f in fields(NSTConfig)}
    return NSTConfig(**{k: v for k, v in asdict(cfg).items() if k in names})


class NST(Method):
    """Gatys et al. (2016): optimise the output's pixels (:func:`survey_lib.methods.nst.stylize`)."""

    name, config_class, family = "nst", NSTConfig, "nst"
    knob = ("style_weight", NSTConfig.style_weight)

    def __call__(self, pair, config, *, device="auto", show_progress=True) -> Result:
        with keep_partial(lambda res: Result("nst", res.image, history=res.history, timing=Timing(0.0, res.seconds),
                                               steps=res.steps, config=res.config)) as done:
            done(stylize(pair.content, pair.style, config, device=device, show_progress=show_progress))
        return done.result


register(NST())
