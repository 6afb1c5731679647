"""AdaIN as a method of the registry: one forward pass of encoder, AdaIN and decoder, or AdaIN's objective decoded by
optimisation (:func:`decode_by_optimisation`: what a perfect decoder would output), and :func:`evaluate_pair`, the
paper's losses of an output against the unchanged content's."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch

from ...images import ImageLike, load_image
from ...optim import optimise
from ...profiles import Profile, get_profile
from ...settings import check_settings
from ...utils import Interrupted, Timer, keep_partial
from ..base import Method, Result, Timing, register
from .network import STYLE_LAYERS, AdaINModel, adain, paper_losses, preserve_colour
from .weights import fetch_published, load_project, load_published, resolve_decoder

__all__ = ["evaluate_pair", "decode_by_optimisation", "HELD_OUT_PAIRS", "AdaINConfig", "AdaIN"]

#: held-out evaluation pairs (catalogue names): no image of data/ is in the decoder's training manifest
#: (scripts/adain_training_manifest.json), which tests/test_adain.py checks
HELD_OUT_PAIRS = (("astronaut", "mona_lisa"), ("astronaut", "hokusai_fan"), ("astronaut", "starry_night"),
                  ("grace_hopper", "kandinsky"), ("grace_hopper", "great_wave"), ("grace_hopper", "einstein_drawing"),
                  ("mlk", "pere_tanguy"), ("mlk", "cafe_terrace"))


@torch.no_grad()
def evaluate_pair(model: "AdaINModel", content: ImageLike, style: ImageLike, *, size: int = 256,
                  output: torch.Tensor | None = None) -> dict[str, float]:
    """:func:`paper_losses` of the stylised output and, as the baseline, of the unchanged content image.

    ``output`` is the image to judge (``(1, 3, size, size)`` in [0, 1], e.g. from :func:`decode_by_optimisation`);
    by default the model's decoder makes it.

    Returns ``{"content_output", "content_identity", "style_output", "style_identity"}``; a decoder does its job
    when both output losses are below the identity's."""
    c, s = load_image(content, size, device=model.device), load_image(style, size, device=model.device)
    fc, fs = model.encode(c, STYLE_LAYERS), model.encode(s, STYLE_LAYERS)
    t = adain(fc["relu4_1"], fs["relu4_1"])
    out = model.decoder(t).clamp(0, 1) if output is None else output.to(model.device)
    scores = {}
    for label, img_feats in (("output", model.encode(out, STYLE_LAYERS)), ("identity", fc)):
        lc, ls = paper_losses(img_feats, t, fs)
        scores[f"content_{label}"], scores[f"style_{label}"] = float(lc), float(ls)
    return scores


def decode_by_optimisation(model: "AdaINModel", content: ImageLike, style: ImageLike, *, size: int = 256,
                           steps: int = 80, style_weight: float = 10.0, alpha: float = 1.0,
                           show_progress: bool = True) -> tuple[torch.Tensor, dict[str, list[float]]]:
    """What a perfect AdaIN decoder would output for this pair: the image ``x`` minimising AdaIN's own training loss
    ``MSE(relu4_1(x), t) + style_weight * sum_l [MSE(mu_l) + MSE(sigma_l)]`` (:func:`paper_losses`; the paper's
    weight 10) with ``t = alpha AdaIN(f_c, f_s) + (1 - alpha) f_c``.

    It separates AdaIN's objective from a decoder's quality: what it returns is what the method asks for, however
    well or badly a network learnt to produce it. The optimiser is NST's (L-BFGS, step size 1, history 50, one
    iteration per step), started from the content image; the pixels are clipped to [0, 1] once, at the end (a
    decoder's output range), so the optimiser's curvature history stays consistent.

    Returns:
        ``(image, history)``: ``(1, 3, size, size)`` in [0, 1] on the CPU, and per-step ``content``/``style``/
        ``total`` losses (``style`` already multiplied by ``style_weight``).
    """

    c, s = load_image(content, size, device=model.device), load_image(style, size, device=model.device)
    with torch.no_grad():
        fc, fs = model.encode(c, STYLE_LAYERS), model.encode(s, STYLE_LAYERS)
        t = alpha * adain(fc["relu4_1"], fs["relu4_1"]) + (1 - alpha) * fc["relu4_1"]
    x = c.clone().requires_grad_(True)
    opt = torch.optim.LBFGS([x], lr=1.0, max_iter=1, history_size=50)
    history: dict[str, list[float]] = {"total": [], "content": [], "style": []}
    terms: dict[str, torch.Tensor] = {}

    def closure() -> torch.Tensor:
        opt.zero_grad(set_to_none=True)
        terms["content"], style_term = paper_losses(model.encode(x, STYLE_LAYERS), t, fs)
        terms["style"] = style_weight * style_term
        terms["total"] = terms["content"] + terms["style"]
        terms["total"].backward()
        return terms["total"]

    def update(step: int) -> dict[str, torch.Tensor]:
        opt.step(closure)
        return terms

    run = optimise(update, steps, history=history, name="AdaIN (optimised decoding)", device=model.device,
                   show_progress=show_progress)
    if run.interrupted:  # keep the steps that finished
        raise Interrupted((x.detach().clamp(0, 1).cpu(), history))
    return x.detach().clamp(0, 1).cpu(), history


@dataclass
class AdaINConfig:
    """Settings of AdaIN.

    ``decoder``: ``"project"`` (shipped, trained here), ``"published"`` (the authors' files: ``vgg_path`` /
    ``decoder_path``, or the cached release, downloaded where allowed), ``"auto"`` (published on Colab, with
    ``SURVEY_ALLOW_DOWNLOAD=1`` or when cached; else project), resolved when the config is built, or
    ``"optimised"``: AdaIN's objective decoded by optimisation (:func:`survey_lib.methods.adain.decode_by_optimisation`,
    ``steps`` L-BFGS steps, the profile's NST budget, with the paper's ``style_weight``), what a perfect decoder would
    output. AdaIN is deterministic; ``seed`` is accepted so every method takes the same arguments."""

    size: int = 256
    decoder: str = "auto"
    alpha: float = 1.0
    preserve_color: bool = False
    vgg_path: str | None = None
    decoder_path: str | None = None
    steps: int = 80
    style_weight: float = 10.0
    seed: int = 0

    def __post_init__(self):

        self.decoder = "published" if self.vgg_path is not None else resolve_decoder(self.decoder)
        self.vgg_path = None if self.vgg_path is None else str(self.vgg_path)
        self.decoder_path = None if self.decoder_path is None else str(self.decoder_path)
        check_settings(self, alpha=(0, 1), steps=(1, None), style_weight=(0, None))


class AdaIN(Method):
    """Huang & Belongie (2017): one forward pass of the encoder, AdaIN and the decoder; or, with
    ``decoder="optimised"``, the image that minimises AdaIN's training loss for the pair."""

    name, config_class, family, steps_field = "adain", AdaINConfig, "adain", None
    knob = ("alpha", 1.0)
    _cache: ClassVar[dict] = {}

    def config(self, profile: str | Profile = "default", **overrides):
        """As :meth:`Method.config`; optimised decoding takes the profile's NST step budget unless ``steps`` is
        given."""
        nst_steps = get_profile(profile).section("nst").get("steps")
        return super().config(profile, **{**({"steps": nst_steps} if nst_steps else {}), **overrides})

    def model(self, config, device="auto"):
        """The AdaIN network for ``config`` (loaded once per process); optimised decoding uses the project's
        encoder and no decoder."""

        vgg_path, decoder_path = config.vgg_path, config.decoder_path
        if config.decoder == "published" and vgg_path is None and decoder_path is None:
            vgg_path, decoder_path = fetch_published()
        key = (config.decoder == "published", str(vgg_path), str(decoder_path), str(device))
        if key not in self._cache:
            self._cache[key] = (load_published(vgg_path, decoder_path, device=device) if config.decoder == "published"
                                else load_project(decoder_path, device=device))
        return self._cache[key]

    def __call__(self, pair, config, *, device="auto", show_progress=True) -> Result:

        model = self.model(config, device)
        settings = {"decoder": model.source, "alpha": config.alpha, "preserve_color": config.preserve_color}
        if config.decoder == "optimised":
            style = preserve_colour(pair.style, pair.content) if config.preserve_color else pair.style
            settings.update(decoder="optimised", steps=config.steps, style_weight=config.style_weight)
            timer = Timer(model.device)

            def result(out) -> Result:
                img, history = out
                return Result("adain", img, history=history, timing=Timing(0.0, timer.seconds),
                              steps=len(history["total"]), config=settings, label="adain (optimised decoding)")

            with keep_partial(result) as done:
                with timer:  # stopped before the result reads it, also on Ctrl-C
                    out = decode_by_optimisation(model, pair.content, style, size=pair.size, steps=config.steps,
                                                 style_weight=config.style_weight, alpha=config.alpha,
                                                 show_progress=show_progress)
                done(out)
            return done.result
        with Timer(model.device) as t:
            img = model.stylize(pair.content, pair.style, alpha=config.alpha, size=pair.size,
                                preserve_color=config.preserve_color)
        return Result("adain", img, timing=Timing(0.0, t.seconds), config=settings,
                      label=f"adain ({model.source} decoder)")


register(AdaIN())
