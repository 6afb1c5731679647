import numpy as np
import pytest
import torch
from scipy.interpolate import RBFInterpolator

from survey_lib.geometry.warp import (TPSError, border_anchors, fit_tps, folded_fraction, jacobian_determinant,
                             sampling_map, warp_image)


def _random_points(n, seed, lo=10.0, hi=110.0):
    g = torch.Generator().manual_seed(seed)
    return lo + (hi - lo) * torch.rand(n, 2, generator=g, dtype=torch.float64)


def test_tps_reproduces_control_points_exactly():
    c = _random_points(15, 0)
    v = c + 5 * torch.randn(15, 2, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    tps = fit_tps(c, v)
    assert torch.allclose(tps(c), v, atol=1e-9)


@pytest.mark.parametrize("reg", [0.0, 0.01])
def test_tps_matches_scipy(reg):
    c = _random_points(20, 2)
    v = c + 6 * torch.randn(20, 2, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    q = _random_points(200, 4, 0, 128)
    ours = fit_tps(c, v, reg=reg)(q).numpy()
    # our reg lives in normalised coordinates u = (p - shift) / scale; SciPy's smoothing is in the same units
    # once its inputs are normalised the same way
    shift = c.mean(0)
    scale = (c - shift).abs().max()
    u, uq = ((c - shift) / scale).numpy(), ((q - shift) / scale).numpy()
    ref = RBFInterpolator(u, ((v - shift) / scale).numpy(), kernel="thin_plate_spline", degree=1, smoothing=reg)(uq)
    ref = ref * scale.item() + shift.numpy()
    assert np.abs(ours - ref).max() < 1e-6


def test_affine_targets_give_affine_map():
    c = _random_points(10, 5)
    a = torch.tensor([[1.1, 0.2], [-0.1, 0.9]], dtype=torch.float64)
    v = c @ a.T + torch.tensor([3.0, -2.0], dtype=torch.float64)
    tps = fit_tps(c, v)
    assert tps.weights.abs().max() < 1e-8
    q = _random_points(50, 6, 0, 128)
    assert torch.allclose(tps(q), q @ a.T + torch.tensor([3.0, -2.0], dtype=torch.float64), atol=1e-8)


def test_identity_warp_is_exact():
    img = torch.rand(1, 3, 40, 50)
    p = torch.tensor([[10.0, 10.0], [30.0, 12.0], [20.0, 30.0], [40.0, 25.0]])
    out = warp_image(img, p, p)
    assert torch.allclose(out, img, atol=1e-5)


def test_content_moves_from_src_to_dst():
    """A bright blob at src must peak at dst after the warp (the package's one direction convention)."""
    h = w = 64
    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing="ij")
    src = torch.tensor([[20.0, 24.0], [44.0, 40.0], [32.0, 16.0]])
    dst = src + torch.tensor([[6.0, 4.0], [-5.0, 3.0], [0.0, 0.0]])
    blob = torch.exp(-((xs - src[0, 0]) ** 2 + (ys - src[0, 1]) ** 2) / 8.0)[None, None]
    out = warp_image(blob, src, dst, anchors=4)
    iy, ix = divmod(int(out.argmax()), w)
    assert (ix, iy) == (26, 28)


def test_gradcheck_through_warp():
    img = torch.rand(1, 1, 9, 9, dtype=torch.float64)
    src = torch.tensor([[2.5, 2.0], [6.0, 3.0], [4.0, 6.5]], dtype=torch.float64)
    theta = (0.3 * torch.randn(3, 2, dtype=torch.float64)).requires_grad_(True)
    assert torch.autograd.gradcheck(lambda t: warp_image(img, src, src + t, anchors=3), (theta,))
    img.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda i: warp_image(i, src, src + theta.detach(), anchors=3), (img,))


def test_coarse_grid_is_subpixel():
    src = _random_points(12, 7, 30, 220).float()
    dst = src + 8 * torch.randn(12, 2, generator=torch.Generator().manual_seed(8))
    exact = sampling_map(src, dst, (256, 256))
    coarse = sampling_map(src, dst, (256, 256), grid_step=4)
    err = (exact - coarse).norm(dim=-1)
    assert err.max() < 1.0 and err.mean() < 0.05, (err.max(), err.mean())


def test_clear_errors():
    p = torch.tensor([[10.0, 10.0], [20.0, 20.0], [10.0, 20.0]])
    with pytest.raises(TPSError, match="coincide"):
        fit_tps(torch.cat([p, p[:1]]), torch.cat([p, p[:1]]))
    with pytest.raises(TPSError, match="collinear"):
        fit_tps(torch.tensor([[0.0, 0], [1, 1], [2, 2]]), torch.zeros(3, 2))
    with pytest.raises(TPSError, match=r"\(K, 2\)"):
        warp_image(torch.rand(1, 3, 32, 32), p, p[:2])
    with pytest.raises(TPSError, match="coincide"):  # a point on a border anchor
        warp_image(torch.rand(1, 3, 33, 33), torch.tensor([[0.0, 0.0]]), torch.tensor([[0.0, 0.0]]))


def test_jacobian_and_folding():
    ident = sampling_map(torch.tensor([[10.0, 10.0]]), torch.tensor([[10.0, 10.0]]), (32, 32))
    assert torch.allclose(jacobian_determinant(ident), torch.ones(32, 32), atol=1e-4)
    assert folded_fraction(ident) == 0
    # moving a point far past its neighbour folds the map
    src = torch.tensor([[20.0, 32.0], [30.0, 32.0]])
    dst = torch.tensor([[40.0, 32.0], [30.0, 32.0]])
    assert folded_fraction(sampling_map(src, dst, (64, 64))) > 0.005
    assert border_anchors(10, 20, 3).shape == (8, 2)


def test_points_through_warp_recovers_where_a_known_warp_moves_the_landmarks():
    """sampling_map(src, dst) is the warp that moves src onto dst; inverting it at src must give dst; between the
    control points the exact backward spline must send the found positions back to the points; identity stays."""
    from survey_lib.evaluation.metrics import points_through_warp
    from survey_lib.geometry.warp import fit_tps, sampling_map

    from survey_lib.geometry.warp import folded_fraction

    g = torch.Generator().manual_seed(0)
    ys, xs = torch.meshgrid(torch.arange(34.0, 100, 20), torch.arange(34.0, 100, 20), indexing="ij")
    src = torch.stack([xs.flatten(), ys.flatten()], 1)  # 16 well-spread landmarks
    dst = src + 4 * torch.randn(16, 2, generator=g)  # a face-sized, unfolded deformation
    pos = sampling_map(src, dst, (128, 128))
    assert folded_fraction(pos) == 0
    assert (points_through_warp(pos, src) - dst).norm(dim=1).max() < 0.15  # bilinear between pixels
    between = 40 + 48 * torch.rand(20, 2, generator=g)
    backward = fit_tps(*_with_anchor_pairs(dst, src, 128))  # the exact spline the map samples
    found = points_through_warp(pos, between)
    assert (backward(found.double()).float() - between).norm(dim=1).max() < 0.15
    assert (found - between).norm(dim=1).max() > 1.0  # they did move
    identity = sampling_map(src, src, (128, 128))
    assert (points_through_warp(identity, between) - between).norm(dim=1).max() < 1e-3
    # a point the map never reaches (it would come from outside the frame) is NaN, not a border pixel
    far = torch.tensor([[500.0, 500.0]])
    assert torch.isnan(points_through_warp(pos, far)).all()


def _with_anchor_pairs(src, dst, n):
    from survey_lib.geometry.warp import border_anchors

    a = border_anchors(n, n, 5)
    return torch.cat([src, a]).double(), torch.cat([dst, a]).double()
