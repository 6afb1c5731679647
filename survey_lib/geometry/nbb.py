"""Neural Best Buddies (Aberman et al., SIGGRAPH 2018): sparse cross-domain correspondences from VGG19.

Coarse to fine over ``relu5_1 -> relu4_1 -> relu3_1 -> relu2_1 (-> relu1_1)``:

1. at ``relu5_1`` the whole maps form one region pair; below, every correspondence ``(p, q)`` of the previous
   level spawns a region pair: the ``(2r+1)^2`` cells around ``2p`` in A and around ``2q`` in B;
2. *common appearance*: inside each region pair, the features of A and B are shifted and scaled per channel
   to the average of the two regions' mean and standard deviation (the paper's Eq. 3);
3. patch similarity = sum over a ``k x k`` patch of cosine similarities of the normalised features;
4. *best buddies* = mutual nearest neighbours inside the region pair, kept when both points are significant
   (min-max normalised squared activation >= ``tau``);
5. each pair's score accumulates ``(R_A(p) + R_B(q)) / 2`` per level, R = min-max normalised activation norm.

Everything is batched over region pairs (``bmm`` on gathered patches); there are no per-pixel Python loops and
no feature inversion, so a 256 px pair takes a few seconds on a CPU instead of minutes.

Points are returned as ``(x, y)`` pixels in each input image's own frame: a cell ``(i, j)`` of a map with stride
``s`` is the pixel centre ``(j*s + (s-1)/2, i*s + (s-1)/2)`` of the working image, rescaled to the input size.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ..images import ImageLike, resize, to_tensor
from .landmarks import apply_transform, similarity_transform
from ..vgg import VGG19Features
from .warp import greedy_keep

__all__ = ["NBBConfig", "NBBResult", "neural_best_buddies", "clean_correspondences", "segments_cross", "LEVELS"]

#: (layer, stride, patch size k, region radius r) from coarse to fine; r is None for the global top level.
LEVELS = (("relu5_1", 16, 3, None), ("relu4_1", 8, 3, 2), ("relu3_1", 4, 3, 2), ("relu2_1", 2, 5, 3),
          ("relu1_1", 1, 5, 3))


@dataclass
class NBBConfig:
    """Settings of :func:`neural_best_buddies`.

    Attributes:
        size: working size; both images are resized to ``size x size`` (224 in the NBB paper, 256 in DST).
        final_layer: finest level, ``"relu2_1"`` (DST's ``--fast``, 2 px cells) or ``"relu1_1"``.
        tau: significance threshold on min-max normalised squared activations (0.05 in NBB).
        border: drop pairs closer than this many working pixels to the image edge (7 in NBB).
        common_appearance: apply the per-region mean/std normalisation (step 2).
        chunk: region pairs per batched matrix product (memory knob).
    """

    size: int = 256
    final_layer: str = "relu2_1"
    tau: float = 0.05
    border: int = 7
    common_appearance: bool = True
    chunk: int = 96

    def __post_init__(self):
        names = [lv[0] for lv in LEVELS]
        if self.final_layer not in names:
            raise ValueError(f"final_layer must be one of {names}, got {self.final_layer!r}")
        if self.size < 64:
            raise ValueError(f"size must be >= 64 px for NBB's five levels, got {self.size}")


@dataclass
class NBBResult:
    """Correspondences: ``src[i]`` in A matches ``dst[i]`` in B; both ``(K, 2)`` (x, y) pixels in their image's
    frame; ``scores`` ``(K,)`` accumulated activations (max = number of levels); sorted by decreasing score."""

    src: torch.Tensor
    dst: torch.Tensor
    scores: torch.Tensor
    levels: dict[str, int]  #: number of pairs alive after each level


def _minmax(x: torch.Tensor) -> torch.Tensor:
    lo, hi = x.min(), x.max()
    return (x - lo) / (hi - lo).clamp_min(1e-12)


def _reflect(x: torch.Tensor, n: int) -> torch.Tensor:
    return torch.where(x < 0, -x, torch.where(x >= n, 2 * (n - 1) - x, x)).clamp(0, n - 1)


def _region_cells(top: torch.Tensor, left: torch.Tensor, sh: int, sw: int, halo: int, h: int, w: int) -> torch.Tensor:
    """``(K, (sh+2*halo) * (sw+2*halo))`` flat cells of regions whose core is ``sh x sw`` at ``(top, left)``,
    extended by ``halo`` cells on every side (reflected at the map border, like NBB's reflect padding)."""
    rows = _reflect(top[:, None] + torch.arange(-halo, sh + halo, device=top.device)[None], h)
    cols = _reflect(left[:, None] + torch.arange(-halo, sw + halo, device=top.device)[None], w)
    return (rows[:, :, None] * w + cols[:, None, :]).flatten(1)


def _patch_table(sh: int, sw: int, k: int, device) -> tuple[torch.Tensor, torch.Tensor]:
    """For the core cells of a halo grid: ``(n,)`` their own halo-grid index and ``(n, k*k)`` their patch's."""
    r, side = k // 2, sw + 2 * (k // 2)
    u, v = torch.meshgrid(torch.arange(sh, device=device), torch.arange(sw, device=device), indexing="ij")
    du, dv = torch.meshgrid(torch.arange(k, device=device), torch.arange(k, device=device), indexing="ij")
    table = (u.reshape(-1, 1) + du.reshape(1, -1)) * side + (v.reshape(-1, 1) + dv.reshape(1, -1))
    centre = (u.reshape(-1) + r) * side + v.reshape(-1) + r
    return centre, table


def _normalised(feat: torch.Tensor, cells: torch.Tensor, centre: torch.Tensor, common: tuple | None) -> torch.Tensor:
    """Unit-norm feature vectors ``(K, m, C)`` of the halo cells, after the optional common-appearance transform
    ``(x - mu_own) / sd_own * sd_common + mu_common`` (per region and channel, statistics over the core)."""
    vals = feat.T[cells]  # (K, m, C)
    if common is not None:
        mu, sd, mu_m, sd_m = common
        vals = (vals - mu[:, None]) / sd[:, None] * sd_m[:, None] + mu_m[:, None]
    return F.normalize(vals, dim=-1)


def _core_stats(feat: torch.Tensor, cells: torch.Tensor, centre: torch.Tensor):
    core = feat.T[cells[:, centre]]  # (K, n, C)
    return core.mean(1), core.std(1, unbiased=False) + 1e-5


def _match_regions(fa: torch.Tensor, fb: torch.Tensor, cells_a: torch.Tensor, cells_b: torch.Tensor,
                   core: tuple[int, int], k: int, common: bool, chunk: int):
    """Mutual nearest neighbours inside each region pair.

    ``cells_a``/``cells_b`` are ``(K, m)`` halo grids of core size ``core``. The patch similarity
    ``S[i, j] = sum_d <a(i+d), b(j+d)>`` is read off the per-cell Gram matrix of the two halo grids, so the
    expensive ``k*k*C``-dimensional patch vectors are never built. Returns ``(region, cell_a, cell_b)``.
    """
    centre, table = _patch_table(*core, k, fa.device)
    out_k, out_a, out_b = [], [], []
    for s in range(0, len(cells_a), chunk):
        ca, cb = cells_a[s:s + chunk], cells_b[s:s + chunk]
        stats_a = stats_b = None
        if common:
            mu_a, sd_a = _core_stats(fa, ca, centre)
            mu_b, sd_b = _core_stats(fb, cb, centre)
            mu_m, sd_m = (mu_a + mu_b) / 2, (sd_a + sd_b) / 2
            stats_a, stats_b = (mu_a, sd_a, mu_m, sd_m), (mu_b, sd_b, mu_m, sd_m)
        na = _normalised(fa, ca, centre, stats_a)
        nb = _normalised(fb, cb, centre, stats_b)
        gram = torch.bmm(na, nb.transpose(1, 2))  # (K, m, m) cell-to-cell cosines
        n, kk2 = table.shape
        sim = torch.zeros(gram.shape[0], n, n, dtype=gram.dtype, device=gram.device)
        for d in range(kk2):  # k*k gathers of (n, n) blocks: the patch sum
            sim += gram[:, table[:, d]][:, :, table[:, d]]
        a2b = sim.argmax(2)
        b2a = sim.argmax(1)
        mutual = torch.gather(b2a, 1, a2b) == torch.arange(n, device=a2b.device)[None]
        kk, ii = mutual.nonzero(as_tuple=True)
        out_k.append(kk + s)
        out_a.append(ca[kk, centre[ii]])
        out_b.append(cb[kk, centre[a2b[kk, ii]]])
    return torch.cat(out_k), torch.cat(out_a), torch.cat(out_b)


def _unique_pairs(a: torch.Tensor, b: torch.Tensor, score: torch.Tensor, n_b: int):
    """Keep one entry per (a, b) pair with its highest score."""
    key = a * n_b + b
    uniq, inv = torch.unique(key, return_inverse=True)
    best = torch.full((len(uniq),), -1.0, dtype=score.dtype, device=score.device).scatter_reduce(
        0, inv, score, reduce="amax")
    return uniq // n_b, uniq % n_b, best


def _one_to_one(a: torch.Tensor, b: torch.Tensor, score: torch.Tensor):
    """Greedy by score: every A cell and every B cell is used at most once."""
    order = score.argsort(descending=True)
    a, b, score = a[order], b[order], score[order]
    keep = torch.ones(len(a), dtype=torch.bool, device=a.device)
    for key in (a, b):
        _, inv = torch.unique(key, return_inverse=True)
        first = torch.full((int(inv.max()) + 1 if len(inv) else 0,), len(inv), device=a.device).scatter_reduce(
            0, inv, torch.arange(len(inv), device=a.device), reduce="amin")
        keep &= torch.zeros_like(keep).scatter_(0, first, True)
    return a[keep], b[keep], score[keep]


@torch.no_grad()
def _regions(cells_a, cells_b, score, h: int, w: int, halo: int, r, dev):
    """The region pairs searched at one level (an ``h x w`` map): at the top level (``r`` None) the whole maps as one
    pair; below, the children of each parent pair, ``(2r+1)^2`` boxes around twice the parent cell kept inside the
    map. Returns both regions' cells (with a ``halo`` for the patch), the core size and each parent's score."""
    if r is None:
        zero = torch.zeros(1, dtype=torch.long, device=dev)
        region = _region_cells(zero, zero, h, w, halo, h, w)
        return region, region, (h, w), torch.zeros(1, device=dev)
    w_prev = w // 2

    def box(cell):
        top = (cell // w_prev * 2 - r).clamp(0, h - 2 * r - 1)
        left = (cell % w_prev * 2 - r).clamp(0, w - 2 * r - 1)
        return _region_cells(top, left, 2 * r + 1, 2 * r + 1, halo, h, w)

    return box(cells_a), box(cells_b), (2 * r + 1, 2 * r + 1), score


def _final_points(cells_a, cells_b, score, stride: int, cfg: "NBBConfig"):
    """The buddies' cells at the last level as ``(x, y)`` pixel centres of the ``cfg.size`` images, those within
    ``cfg.border`` of an edge left out, strongest first."""
    w_final = cfg.size // stride

    def to_xy(cell: torch.Tensor) -> torch.Tensor:
        rc = torch.stack([cell % w_final, cell // w_final], 1).float()
        return rc * stride + (stride - 1) / 2

    pa, pb = to_xy(cells_a), to_xy(cells_b)
    lo, hi = cfg.border, cfg.size - 1 - cfg.border
    inside = ((pa >= lo) & (pa <= hi) & (pb >= lo) & (pb <= hi)).all(1)
    pa, pb, score = pa[inside], pb[inside], score[inside]
    order = score.argsort(descending=True)
    return pa[order], pb[order], score[order]


def neural_best_buddies(img_a: ImageLike, img_b: ImageLike, config: NBBConfig | None = None, *,
                        extractor: VGG19Features | None = None, device="auto") -> NBBResult:
    """Neural Best Buddies between two images.

    Args:
        img_a, img_b: anything :func:`survey_lib.images.to_tensor` accepts (e.g. content and style).
        config: see :class:`NBBConfig`.
        extractor: a :class:`VGG19Features` that covers the levels used (built when omitted).

    Returns:
        :class:`NBBResult` with points in each input's own pixel frame.
    """
    cfg = config or NBBConfig()
    names = [lv[0] for lv in LEVELS]
    levels = LEVELS[:names.index(cfg.final_layer) + 1]
    layers = [lv[0] for lv in levels]
    if extractor is None:
        extractor = VGG19Features(layers, device=device)
    dev = extractor.device
    a_full, b_full = to_tensor(img_a), to_tensor(img_b)
    size_a, size_b = a_full.shape[-2:], b_full.shape[-2:]
    a = resize(a_full, cfg.size, fit="stretch").to(dev)
    b = resize(b_full, cfg.size, fit="stretch").to(dev)
    feats = extractor(torch.cat([a, b]), layers)

    counts: dict[str, int] = {}
    cells_a = cells_b = score = None
    for depth, (name, stride, k, r) in enumerate(levels):
        fa, fb = feats[name][0], feats[name][1]
        c, h, w = fa.shape
        fa, fb = fa.reshape(c, h * w), fb.reshape(c, h * w)
        act_a, act_b = _minmax(fa.norm(dim=0)), _minmax(fb.norm(dim=0))
        sig_a, sig_b = _minmax(fa.pow(2).sum(0)) >= cfg.tau, _minmax(fb.pow(2).sum(0)) >= cfg.tau
        region_a, region_b, core, parent_score = _regions(cells_a, cells_b, score, h, w, k // 2, r, dev)
        kk, ca, cb = _match_regions(fa, fb, region_a, region_b, core, k, cfg.common_appearance, cfg.chunk)
        keep = sig_a[ca] & sig_b[cb]
        kk, ca, cb = kk[keep], ca[keep], cb[keep]
        sc = parent_score[kk] + 0.5 * (act_a[ca] + act_b[cb])
        cells_a, cells_b, score = _unique_pairs(ca, cb, sc, h * w)
        counts[name] = len(cells_a)
        if len(cells_a) == 0:
            break

    _, stride, _, _ = levels[len(counts) - 1]
    pa, pb, score = _final_points(*_one_to_one(cells_a, cells_b, score), stride, cfg)
    # back to each image's own frame (x scales with width, y with height)
    pa = pa * torch.tensor([size_a[1] / cfg.size, size_a[0] / cfg.size], device=dev)
    pb = pb * torch.tensor([size_b[1] / cfg.size, size_b[0] / cfg.size], device=dev)
    return NBBResult(src=pa.cpu(), dst=pb.cpu(), scores=score.cpu(), levels=counts)


def segments_cross(p1: torch.Tensor, p2: torch.Tensor, q1: torch.Tensor, q2: torch.Tensor) -> torch.Tensor:
    """Whether segments ``p1->p2`` and ``q1->q2`` properly intersect (broadcasting ``(..., 2)`` inputs).

    Touching end points and parallel segments do not count."""
    def orient(a, b, c):
        return (b[..., 0] - a[..., 0]) * (c[..., 1] - a[..., 1]) - (b[..., 1] - a[..., 1]) * (c[..., 0] - a[..., 0])

    d1, d2 = orient(q1, q2, p1), orient(q1, q2, p2)
    d3, d4 = orient(p1, p2, q1), orient(p1, p2, q2)
    return (d1 * d2 < 0) & (d3 * d4 < 0)


def _remove_crossings(src: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Keep-mask after removing, in order, every later arrow that crosses a kept one."""
    return greedy_keep(segments_cross(src[:, None], target[:, None], src[None], target[None]))


def clean_correspondences(src: torch.Tensor, dst: torch.Tensor, scores: torch.Tensor, *, min_score: float = 1.0,
                          spacing: float = 10.0, max_points: int = 80,
                          remove_crossings: bool = True) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """DST's point cleaning: activation threshold, greedy spacing (NMS on the A points), at most ``max_points``,
    then removal of crossing arrows ``src -> T^-1(dst)`` (T = similarity fitted A -> B), twice.

    Args:
        src, dst: ``(K, 2)`` (x, y); scores: ``(K,)``.
        min_score: drop pairs whose accumulated activation is below this (1 in DST).
        spacing: half-width (px) of the L-infinity box around a kept A point inside which others are suppressed
            (10 in DST at 256 px).

    Returns:
        ``(src, dst, scores)`` of the survivors, by decreasing score.
    """
    if not (len(src) == len(dst) == len(scores)):
        raise ValueError(f"src, dst and scores must have the same length; got {len(src)}, {len(dst)}, {len(scores)}")
    order = scores.argsort(descending=True)
    src, dst, scores = src[order], dst[order], scores[order]
    ok = scores >= min_score
    src, dst, scores = src[ok], dst[ok], scores[ok]
    alive = torch.ones(len(src), dtype=torch.bool)
    chosen = []
    while alive.any() and len(chosen) < max_points:
        i = int(alive.nonzero()[0])  # highest score still alive (already sorted)
        chosen.append(i)
        near = ((src - src[i]).abs() <= spacing).all(1)
        alive &= ~near
    idx = torch.tensor(chosen, dtype=torch.long)
    src, dst, scores = src[idx], dst[idx], scores[idx]
    if remove_crossings:
        for _ in range(2):
            if len(src) < 3:
                break
            target = apply_transform(torch.linalg.inv(similarity_transform(src, dst)), dst)
            keep = _remove_crossings(src, target)
            src, dst, scores = src[keep], dst[keep], scores[keep]
    return src, dst, scores
