import pytest
import torch

from survey_lib.losses import (StrotssStyleStats, content_loss, flow_tv, gram_matrix, gram_style_loss, mean_std,
                               mean_std_loss, remd_from_similarity, remd_from_sqdist, self_similarity,
                               strotss_style_loss, total_variation)


def test_gram_hand_computed():
    # two channels over a 1x2 map: F = [[1, 2], [3, 4]]
    f = torch.tensor([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 2, 1, 2)
    raw = torch.tensor([[5.0, 11.0], [11.0, 25.0]])
    assert torch.allclose(gram_matrix(f, "none")[0], raw)
    assert torch.allclose(gram_matrix(f, "hw")[0], raw / 2)
    assert torch.allclose(gram_matrix(f, "chw")[0], raw / 4)
    with pytest.raises(ValueError):
        gram_matrix(f, "bogus")


def test_gram_is_permutation_invariant_and_symmetric():
    f = torch.randn(1, 4, 5, 6)
    perm = f.flatten(2)[..., torch.randperm(30)].reshape(1, 4, 5, 6)
    g = gram_matrix(f)
    assert torch.allclose(g, gram_matrix(perm), atol=1e-6)
    assert torch.allclose(g, g.transpose(1, 2))


def test_content_loss_values():
    a = torch.zeros(1, 1, 2, 2)
    b = torch.tensor([1.0, 2.0, 3.0, 4.0]).reshape(1, 1, 2, 2)
    assert content_loss(a, b).item() == pytest.approx(30 / 4)
    assert content_loss(a, b, relative=True).item() == pytest.approx(1.0, rel=1e-4)
    assert content_loss(b, b).item() == 0


def test_style_loss_relative_is_scale_invariant():
    g = torch.Generator().manual_seed(0)
    x, s = torch.rand(1, 8, 6, 6, generator=g), torch.rand(1, 8, 6, 6, generator=g)
    targets = {"l": gram_matrix(s)}
    base = gram_style_loss({"l": x}, targets, relative=True)
    scaled = gram_style_loss({"l": 7 * x}, {"l": gram_matrix(7 * s)}, relative=True)
    assert torch.allclose(base, scaled, rtol=1e-4)
    assert gram_style_loss({"l": s}, targets).item() == pytest.approx(0, abs=1e-12)
    # hand value: x = 0 gives mean(G_s^2) absolute and exactly 1 relative
    zero = {"l": torch.zeros_like(s)}
    assert gram_style_loss(zero, targets).item() == pytest.approx(targets["l"].pow(2).mean().item(), rel=1e-6)
    assert gram_style_loss(zero, targets, relative=True).item() == pytest.approx(1.0, rel=1e-4)


def test_tv_hand_computed():
    img = torch.tensor([[0.0, 1.0], [2.0, 4.0]]).reshape(1, 1, 2, 2)
    # dx: 1, 2 -> mean sq 2.5 ; dy: 2, 3 -> mean sq 6.5
    assert total_variation(img).item() == pytest.approx(9.0)
    assert total_variation(img, p=1).item() == pytest.approx(1.5 + 2.5)
    assert total_variation(torch.ones(1, 3, 5, 5)).item() == 0


def test_mean_std_and_loss():
    f = torch.tensor([1.0, 3.0]).reshape(1, 1, 1, 2)
    m, s = mean_std(f, eps=0)
    assert m.item() == 2 and s.item() == 1
    assert mean_std_loss(f, f).item() == 0
    assert mean_std_loss(f, f + 1).item() == pytest.approx(1.0)


def test_losses_gradcheck():
    x = torch.rand(1, 2, 3, 3, dtype=torch.float64, requires_grad=True)
    t = gram_matrix(torch.rand(1, 2, 3, 3, dtype=torch.float64))
    assert torch.autograd.gradcheck(lambda a: gram_style_loss({"l": a}, {"l": t}, relative=True), (x,))
    assert torch.autograd.gradcheck(lambda a: total_variation(a), (x,))


# ----------------------------------------------------------------------------------------------- STROTSS terms
def test_remd_hand_computed():
    """Relaxed EMD = max(mean over rows of the row's best match cost, mean over columns of the column's)."""
    sim = torch.tensor([[1.0, 0.0, 0.2], [0.5, 0.2, 0.1]])   # row maxima 1, 0.5; column maxima 1, 0.2, 0.2
    assert remd_from_similarity(sim).item() == pytest.approx(max(1 - 0.75, 1 - 1.4 / 3))
    d2 = torch.tensor([[3.0, 12.0], [27.0, 48.0]])             # costs sqrt(d2 / 3): [[1, 2], [3, 4]]
    assert remd_from_sqdist(d2).item() == pytest.approx(max((1 + 3) / 2, (1 + 2) / 2))
    assert remd_from_sqdist(torch.zeros(2, 2)).item() == pytest.approx((1e-5 / 3) ** 0.5)  # the clamp at 1e-5


def test_self_similarity_hand_computed():
    """Cosine distances, each column divided by its sum; a scaled sample is the same direction (distance 0)."""
    x = torch.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 0.0]])
    d = torch.tensor([[0.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    assert torch.allclose(self_similarity(x), d / torch.tensor([1.0, 2.0, 1.0]))


def test_flow_tv_hand_computed():
    """x grows by 1 px per column, y is 0: squared differences down 0, right 1, both diagonals 1, each a mean over
    both components (x's 1 and y's 0) -> (0 + 0.5 + 0.5 + 0.5) / 4."""
    flow = torch.zeros(3, 4, 2)
    flow[..., 0] = torch.arange(4.0)
    assert flow_tv(flow).item() == pytest.approx(0.375)
    assert flow_tv(flow + 5.0).item() == pytest.approx(0.375)  # a shift of the whole flow costs nothing


def test_strotss_style_loss_falls_as_samples_approach_the_style():
    gen = torch.Generator().manual_seed(0)
    style = torch.rand(64, 6, generator=gen, dtype=torch.float64)
    stats = StrotssStyleStats(style)
    far = torch.rand(64, 6, generator=gen, dtype=torch.float64) * 0.3 + 0.7
    losses = [strotss_style_loss(style + t * (far - style), stats, 2.0).item() for t in (1.0, 0.5, 0.1)]
    assert losses[0] > losses[1] > losses[2] > 0


def test_strotss_terms_gradcheck():
    gen = torch.Generator().manual_seed(1)
    x = torch.rand(12, 5, generator=gen, dtype=torch.float64, requires_grad=True)
    stats = StrotssStyleStats(torch.rand(16, 5, generator=gen, dtype=torch.float64))
    target = self_similarity(torch.rand(12, 5, generator=gen, dtype=torch.float64))
    assert torch.autograd.gradcheck(lambda a: strotss_style_loss(a, stats, 2.0), (x,))
    assert torch.autograd.gradcheck(lambda a: (self_similarity(a) - target).abs().sum(), (x,))
    flow = torch.rand(5, 6, 2, generator=gen, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(flow_tv, (flow,))
