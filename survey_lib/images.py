"""Image I/O and resizing.

Convention used everywhere in survey_lib: an image is a float32 tensor of shape ``(1, 3, H, W)`` with RGB
values in ``[0, 1]``. Pixel coordinates are ``(x, y)`` with ``x`` the column and ``y`` the row, origin at the
centre of the top-left pixel.
"""
from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Union

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, UnidentifiedImageError

from . import env

__all__ = ["ImageError", "ImageLike", "load_image", "to_tensor", "resize", "center_crop", "save_image", "to_pil",
           "to_numpy", "resize_points", "MIN_SIZE"]

#: Smallest side accepted by :func:`load_image`; VGG19 needs 5 poolings, i.e. at least 32 px.
MIN_SIZE = 32

ImageLike = Union[str, os.PathLike, Image.Image, np.ndarray, torch.Tensor]


class ImageError(ValueError):
    """An input image could not be used; the message names the file or argument."""


def _describe(src) -> str:
    if isinstance(src, (str, os.PathLike)):
        return f"'{src}'"
    return f"<{type(src).__name__}>"


def _pil_to_rgb(img: Image.Image, name: str) -> Image.Image:
    """Convert any PIL mode to RGB; transparent pixels are composited onto white."""
    if img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info):
        img = img.convert("RGBA")
        background = Image.new("RGBA", img.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, img).convert("RGB")
    if img.mode in ("I", "I;16", "F"):
        arr = np.asarray(img, dtype=np.float64)
        hi = 65535.0 if img.mode.startswith("I") and arr.max() > 255 else 255.0
        arr = np.clip(arr / hi, 0, 1)
        return Image.fromarray((arr * 255).round().astype(np.uint8)).convert("RGB")
    try:
        return img.convert("RGB")
    except (OSError, ValueError) as exc:
        raise ImageError(f"{name}: cannot convert image mode {img.mode!r} to RGB ({exc})") from None


def _read_path(src: str | os.PathLike, allow_download: bool) -> Image.Image:
    text = os.fspath(src)
    path = Path(text)
    if text.startswith(("http://", "https://")):
        if not (allow_download or env.downloads_allowed()):
            raise ImageError(f"'{text}': downloading is off; pass allow_download=True or set SURVEY_ALLOW_DOWNLOAD=1")
        import urllib.request

        try:
            with urllib.request.urlopen(text, timeout=30) as resp:  # noqa: S310 - user opted in
                return _upright(Image.open(io.BytesIO(resp.read())))
        except Exception as exc:  # network errors come in many types
            raise ImageError(f"'{text}': download failed ({exc})") from None
    _check_image_file(path)
    try:
        img = Image.open(path)
        frames = getattr(img, "n_frames", 1)
        img.load()
    except Image.DecompressionBombError as exc:
        raise ImageError(f"'{path}': declares more pixels than can be read safely ({exc}); resize it first "
                         "(the methods work at 256 px)") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageError(f"'{path}': not a readable image ({exc})") from None
    if frames > 1:
        import warnings

        from .utils import SurveyWarning

        warnings.warn(f"'{path}' has {frames} frames; using the first", SurveyWarning, stacklevel=4)
    return _upright(img)


def _check_image_file(path: Path) -> None:
    """Raise :class:`ImageError` unless ``path`` is a regular file (a folder, a FIFO, a device, a missing file or a
    symbolic link that loops or points nowhere each get their own line), checked before opening it."""
    import stat

    try:
        mode = path.stat().st_mode
    except RuntimeError:  # Python's own "symlink loop" report
        raise ImageError(f"'{path}': is a symbolic link that loops; point it at an image file") from None
    except OSError as exc:
        if path.is_symlink():
            what = "loops" if exc.errno == 40 else "points to nothing"
            raise ImageError(f"'{path}': is a symbolic link that {what}; point it at an image file") from None
        if exc.errno == 2:
            raise ImageError(f"'{path}': no such file") from None
        raise ImageError(f"'{path}': cannot be read ({exc.strerror})") from None
    if stat.S_ISDIR(mode):
        raise ImageError(f"'{path}': is a folder, expected an image file")
    if not stat.S_ISREG(mode):
        raise ImageError(f"'{path}': is not a regular file (a pipe or a device); pass an image file")


def _upright(img: Image.Image) -> Image.Image:
    """The image as it is meant to be seen: rotated/flipped by its EXIF Orientation tag (phones store portraits as
    landscape pixels plus that tag)."""
    from PIL import ImageOps

    return ImageOps.exif_transpose(img) or img


def _array_to_tensor(arr: np.ndarray, name: str) -> torch.Tensor:
    if arr.ndim == 2:
        arr = arr[..., None]
    if arr.ndim != 3 or arr.shape[-1] not in (1, 3, 4):
        raise ImageError(f"{name}: expected an array of shape HxW, HxWx3 or HxWx4, got {arr.shape}")
    if arr.dtype == np.uint8:
        arr = arr.astype(np.float32) / 255.0
    elif arr.dtype == np.uint16:
        arr = arr.astype(np.float32) / 65535.0
    elif np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float32)
        if not np.isfinite(arr).all():
            raise ImageError(f"{name}: contains NaN or infinite values")
        if arr.min() < -1e-3 or arr.max() > 1 + 1e-3:
            raise ImageError(f"{name}: float images must lie in [0, 1], got [{arr.min():.3g}, {arr.max():.3g}]")
    else:
        raise ImageError(f"{name}: unsupported dtype {arr.dtype}")
    if arr.shape[-1] == 1:
        arr = np.repeat(arr, 3, axis=-1)
    elif arr.shape[-1] == 4:
        alpha = arr[..., 3:4]
        arr = arr[..., :3] * alpha + (1.0 - alpha)  # composite onto white
    t = torch.from_numpy(np.ascontiguousarray(arr)).permute(2, 0, 1)[None].contiguous()
    return t.clamp_(0, 1)


def to_tensor(src: ImageLike, *, allow_download: bool = False) -> torch.Tensor:
    """Convert a path, URL, PIL image, array or tensor into a ``(1, 3, H, W)`` float tensor in ``[0, 1]``.

    Grayscale inputs are replicated to three channels; RGBA/LA inputs are composited onto white.
    Tensors may be ``(H, W)``, ``(C, H, W)``, ``(1, C, H, W)`` or ``(H, W, C)`` with ``C`` in {1, 3, 4}; uint8
    tensors and arrays hold 0..255, float ones [0, 1]. Files are turned upright by their EXIF orientation.
    """
    name = _describe(src)
    if isinstance(src, (str, os.PathLike)):
        return to_tensor(_pil_to_rgb(_read_path(src, allow_download), name))
    if isinstance(src, Image.Image):
        return _array_to_tensor(np.asarray(_pil_to_rgb(src, name)), name)
    if isinstance(src, np.ndarray):
        return _array_to_tensor(src, name)
    if isinstance(src, torch.Tensor):
        if src.device.type == "meta":
            raise ImageError(f"{name}: is on the meta device (a shape without values); pass a tensor holding pixels")
        t = src.detach().cpu()
        if not t.is_floating_point() and t.dtype not in (torch.uint8, torch.bool):  # int16/32/64: 0..255 as uint8
            if t.numel() and (int(t.min()) < 0 or int(t.max()) > 255):
                raise ImageError(f"{name}: an integer tensor must hold 0..255, got {int(t.min())}..{int(t.max())}")
            t = t.to(torch.uint8)
        t = t if t.dtype in (torch.uint8, torch.float32) else t.float()  # uint8 as for arrays: 0..255
        if t.ndim == 4:
            if t.shape[0] != 1:
                raise ImageError(f"{name}: expected a single image, got a batch of {t.shape[0]}")
            t = t[0]
        if t.ndim == 2:
            t = t[None]
        if t.ndim != 3 or (t.shape[0] not in (1, 3, 4) and t.shape[-1] not in (1, 3, 4)):
            raise ImageError(f"{name}: expected a tensor of shape (H, W), (C, H, W), (1, C, H, W) or (H, W, C) with C "
                             f"in 1, 3, 4; got {tuple(src.shape)}")
        hwc = t if t.shape[0] not in (1, 3, 4) else t.permute(1, 2, 0)  # (H, W, C) is taken as it comes
        return _array_to_tensor(hwc.numpy(), name)
    raise ImageError(f"unsupported image input of type {type(src).__name__}")


def load_image(src: ImageLike, size: int | tuple[int, int] | None = None, *, fit: str = "crop",
               min_size: int = MIN_SIZE, allow_download: bool = False,
               device: torch.device | str | None = None) -> torch.Tensor:
    """Load an image as a ``(1, 3, H, W)`` float32 tensor with RGB values in ``[0, 1]``.

    Args:
        src: file path, ``http(s)`` URL (only with ``allow_download=True`` or ``SURVEY_ALLOW_DOWNLOAD=1``),
            PIL image, ``HxW[xC]`` array (uint8, uint16 or float in [0, 1]) or tensor.
        size: output size; an int gives a square ``size x size`` image (the survey uses 256), a pair is ``(H, W)``.
        fit: how to reach ``size`` (see :func:`resize`).
        min_size: smallest accepted side of the *source* image, in pixels.
        device: where to put the tensor.

    Raises:
        ImageError: unreadable or missing file, unsupported array, or an image smaller than ``min_size``.
    """
    img = to_tensor(src, allow_download=allow_download)
    h, w = img.shape[-2:]
    if min(h, w) < min_size:
        raise ImageError(f"{_describe(src)}: image is {w}x{h} px, smaller than the minimum side of {min_size} px")
    if size is not None:
        img = resize(img, size, fit=fit)
    return img.to(device) if device is not None else img


def _crop_box(h: int, w: int, aspect: float) -> tuple[int, int, int, int]:
    """``(x0, y0, width, height)`` of the largest centred crop with ``width / height == aspect``."""
    if w / h > aspect:
        new_w = max(1, round(h * aspect))
        return (w - new_w) // 2, 0, new_w, h
    new_h = max(1, round(w / aspect))
    return 0, (h - new_h) // 2, w, new_h


def center_crop(img: torch.Tensor, aspect: float = 1.0) -> torch.Tensor:
    """Largest centred crop with ``width / height == aspect``. ``img``: ``(B, C, H, W)``."""
    x0, y0, w, h = _crop_box(*img.shape[-2:], aspect)
    return img[..., y0:y0 + h, x0:x0 + w]


def resize(img: torch.Tensor, size: int | tuple[int, int], *, fit: str = "crop") -> torch.Tensor:
    """Resize a ``(B, C, H, W)`` image.

    Args:
        size: int for a square output, or ``(H, W)``.
        fit: ``"crop"`` centre-crops to the target aspect first (no distortion, the default);
            ``"stretch"`` resizes directly, as the survey's "resize to 256x256" does;
            ``"long_edge"`` keeps the aspect ratio and makes the long edge ``size`` (int only).
    """
    if fit not in ("crop", "stretch", "long_edge"):
        raise ValueError(f"fit must be 'crop', 'stretch' or 'long_edge', got {fit!r}")
    h, w = img.shape[-2:]
    if fit == "long_edge":
        if not isinstance(size, int):
            raise ValueError("fit='long_edge' needs an int size")
        s = size / max(h, w)
        out = (max(1, round(h * s)), max(1, round(w * s)))
    else:
        out = (size, size) if isinstance(size, int) else tuple(size)
        if fit == "crop":
            img = center_crop(img, out[1] / out[0])
    if tuple(img.shape[-2:]) == out:
        return img
    shrinking = out[0] < img.shape[-2] or out[1] < img.shape[-1]
    res = F.interpolate(img, size=out, mode="bicubic", align_corners=False, antialias=shrinking)
    return res.clamp(0, 1)


def resize_points(points: torch.Tensor, from_size: tuple[int, int], size: int | tuple[int, int], *,
                  fit: str = "crop") -> torch.Tensor:
    """Map ``(K, 2)`` (x, y) pixel points of an ``(H, W)`` image through :func:`resize` with the same arguments.

    Pixel centres map to pixel centres: ``x' = (x - x0 + 0.5) * s - 0.5`` for a crop starting at ``x0``.
    """
    h, w = from_size
    if fit == "long_edge":
        s = size / max(h, w)
        out = (max(1, round(h * s)), max(1, round(w * s)))
    else:
        out = (size, size) if isinstance(size, int) else tuple(size)
    x0 = y0 = 0
    if fit == "crop":
        x0, y0, w, h = _crop_box(h, w, out[1] / out[0])
    scale = torch.tensor([out[1] / w, out[0] / h], dtype=points.dtype)
    shift = torch.tensor([x0, y0], dtype=points.dtype)
    return (points - shift + 0.5) * scale - 0.5


def to_numpy(img: torch.Tensor) -> np.ndarray:
    """``(1, 3, H, W)`` tensor in [0, 1] -> ``HxWx3`` uint8 array."""
    t = img.detach().float().cpu()
    if t.ndim == 4:
        t = t[0]
    arr = (t.clamp(0, 1).permute(1, 2, 0).numpy() * 255.0).round().astype(np.uint8)
    return np.ascontiguousarray(arr)  # C order: dlib and PIL read the raw buffer


def to_pil(img: torch.Tensor) -> Image.Image:
    """``(1, 3, H, W)`` tensor in [0, 1] -> RGB PIL image."""
    return Image.fromarray(to_numpy(img))


def check_output_path(path: str | os.PathLike, *, inputs: tuple = ()) -> Path:
    """Check, before any work, that an image can be written to ``path``: a suffix PIL can write, a writable folder,
    and not one of the ``inputs`` (the user's own photo is never overwritten).

    Raises:
        ImageError: naming the path and what to do.
    """
    from .utils import check_writable_folder

    path = Path(path)
    writable = {ext for ext, fmt in Image.registered_extensions().items() if fmt in Image.SAVE}
    if path.suffix.lower() not in writable:
        raise ImageError(f"cannot write an image to '{path}': its extension {path.suffix or '(none)'!r} is not an "
                         "image format; use .png, .jpg or .webp")
    if path.is_dir():
        raise ImageError(f"cannot write an image to '{path}': it is a folder; give a file name")
    for src in inputs:
        if isinstance(src, (str, os.PathLike)) and Path(src).exists() and Path(src).resolve() == path.resolve():
            raise ImageError(f"'{path}' is also an input image; write the result elsewhere (-o another.png) so the "
                             "input is not overwritten")
    if path.exists() and not os.access(path, os.W_OK):
        raise ImageError(f"cannot write an image to '{path}': the file is read-only; choose another -o")
    try:
        check_writable_folder(path.parent, "the output folder")
    except ValueError as exc:
        raise ImageError(str(exc)) from None
    return path


def save_image(img: torch.Tensor, path: str | os.PathLike) -> Path:
    """Save a ``(1, 3, H, W)`` image (PNG/JPEG by suffix); parent folders are created. The file is written whole or
    not at all (a temporary file renamed into place)."""
    from .utils import atomic_write

    path = Path(path)
    with atomic_write(path) as tmp:
        to_pil(img).save(tmp, format=Image.registered_extensions()[path.suffix.lower()])
    return path
