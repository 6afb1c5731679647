"""DST's settings (:class:`DSTConfig`, defaults the published ones) and what a run returns (:class:`DSTResult`)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

import torch

from ...settings import check_settings

__all__ = ["DSTConfig", "DSTResult"]


@dataclass
class DSTConfig:
    """Settings of :func:`deformable_style_transfer`; defaults are DST's published ones (survey: 256 px, 3 x 150)."""

    size: int = 256
    scales: int = 3
    steps_per_scale: int = 150
    loss: str = "strotss"            #: "strotss" or "gram"
    content_weight: float = 8.0      #: alpha
    warp_weight: float | None = None  #: beta; default 0.5 (strotss) / 20 (gram, whose style term is ~20x larger)
    reg_weight: float = 50.0         #: gamma
    style_weight: float = 10.0       #: only for loss="gram" (as NST)
    optimizer: str | None = None     #: "sgd" (momentum 0.9) or "adam"; default sgd for strotss, adam for gram
    lr: float | None = None          #: default 0.3 (sgd, [-1, 1] units) / 0.01 (adam)
    theta_lr: float | None = None    #: lr of theta; default = theta_lr_scale x (lr (sgd) / 0.5 px (adam))
    #: multiplies the default ``theta_lr``: schedules shorter than the published 450 steps raise it so the keypoints
    #: travel about as far (by less than 450 / steps, which diverges with momentum); ignored when theta_lr is given
    theta_lr_scale: float = 1.0
    n_samples: int = 2048            #: output/content positions per step
    n_style_samples: int = 5000      #: style positions per scale
    pyramid_levels: int = 5
    anchors_per_side: int = 5        #: border anchors (DST: 81 per side)
    margin: float = 5.0              #: targets are clamped this many px inside the image
    #: every this many steps, keep the keypoint displacements in ``history`` (``theta_steps`` and ``theta``, the
    #: ``(K, 2)`` snapshots flattened one after another) to trace the warp over the run; 0: never
    record_every: int = 0
    seed: int = 0

    def __post_init__(self):
        check_settings(self, scales=(1, 8), steps_per_scale=(1, None), content_weight=(0, None), warp_weight=(0, None),
                       reg_weight=(0, None), style_weight=(0, None), lr=(0, None), theta_lr=(0, None),
                       theta_lr_scale=(0, None), n_samples=(1, None), n_style_samples=(1, None),
                       pyramid_levels=(1, 8), anchors_per_side=(2, 81), margin=(0, None), record_every=(0, None))
        if self.loss not in ("strotss", "gram"):
            raise ValueError(f"loss must be 'strotss' or 'gram', got {self.loss!r}")
        # the fields left to their loss-dependent default; replace() derives them again
        self._derived = frozenset(f for f in _DERIVED if getattr(self, f) is None)
        if self.optimizer is None:
            self.optimizer = "sgd" if self.loss == "strotss" else "adam"
        if self.warp_weight is None:
            self.warp_weight = 0.5 if self.loss == "strotss" else 20.0
        if self.optimizer not in ("sgd", "adam"):
            raise ValueError(f"optimizer must be 'sgd' or 'adam', got {self.optimizer!r}")
        if self.lr is None:
            self.lr = 0.3 if self.optimizer == "sgd" else 0.01
        if self.theta_lr is None:
            self.theta_lr = (self.lr if self.optimizer == "sgd" else 0.5) * self.theta_lr_scale
        min_side = 32 * 2 ** (self.scales - 1)
        if self.size < min_side:
            raise ValueError(f"size {self.size} is too small for {self.scales} scales: VGG needs >= 32 px at the "
                             f"coarsest scale, i.e. size >= {min_side}; lower `scales` or raise `size`")


    def replace(self, **overrides) -> "DSTConfig":
        """A copy with ``overrides``; settings that were left to their default are derived again, so
        ``replace(loss="gram")`` gets Adam, lr 0.01 and warp weight 20, as ``DSTConfig(loss="gram")`` does."""
        unknown = set(overrides) - {f.name for f in fields(self)}
        if unknown:
            raise TypeError(f"unknown DST setting(s) {', '.join(sorted(unknown))}; see DSTConfig")
        kept = {k: v for k, v in asdict(self).items() if k not in self._derived}
        return type(self)(**{**kept, **overrides})


_DERIVED = ("optimizer", "warp_weight", "lr", "theta_lr")


@dataclass
class DSTResult:
    """Output of :func:`deformable_style_transfer`.

    Attributes:
        image: the deliverable ``W(X, theta)``, ``(1, 3, size, size)`` in [0, 1] (CPU).
        unwarped: ``X`` before the warp.
        src: ``(K, 2)`` content keypoints P; ``targets``: ``(K, 2)`` aligned style keypoints P';
            ``theta``: ``(K, 2)`` optimised displacements (``src + theta`` is where the content points went).
        sampling_map: ``(size, size, 2)`` backward map of the final warp (for diagnostics).
        history: per-step loss terms; ``seconds``: optimisation time; ``steps``: total steps.
    """

    image: torch.Tensor
    unwarped: torch.Tensor
    src: torch.Tensor
    targets: torch.Tensor
    theta: torch.Tensor
    sampling_map: torch.Tensor
    history: dict[str, list[float]]
    seconds: float
    steps: int
    config: dict = field(default_factory=dict)

    @property
    def moved(self) -> torch.Tensor:
        return self.src + self.theta
