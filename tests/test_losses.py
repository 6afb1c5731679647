import pytest
import torch

from survey_lib.losses import (content_loss, gram_matrix, gram_style_loss, mean_std, mean_std_loss,
                               total_variation)


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
