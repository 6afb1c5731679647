import math

import pytest
import torch

from survey_lib import data, methods
from survey_lib.methods.dst import DSTConfig, deformable_style_transfer, laplacian_pyramid, synthesize, warp_targets
from survey_lib.geometry.landmarks import NoFaceFound
from survey_lib.evaluation.metrics import geometry_scores, nme


@pytest.fixture(scope="module")
def exaggerated():
    """Astronaut landmarks at 64 px and a copy with wider-set eyes and a lower mouth (a non-similar change)."""
    src = data.landmarks("astronaut", 64)
    dst = src.clone()
    dst[36:48, 0] += torch.where(dst[36:48, 0] < dst[36:48, 0].mean(), -4.0, 4.0)
    dst[48:68, 1] += 4
    return src, dst


def test_pyramid_roundtrip():
    img = torch.rand(1, 3, 64, 48)
    pyr = laplacian_pyramid(img, 5)
    assert len(pyr) == 6 and pyr[-1].shape[-2:] == (2, 1)
    assert torch.allclose(synthesize(pyr), img, atol=1e-6)
    assert synthesize(pyr, 2).shape[-2:] == (16, 12)


def test_targets_remove_the_similarity(exaggerated):
    src, _ = exaggerated
    moved = src * 1.5 + torch.tensor([7.0, -3.0])
    assert torch.allclose(warp_targets(src, moved, 1000, margin=0), src, atol=1e-3)


@pytest.mark.parametrize("loss, factor", [("strotss", 0.8), ("gram", 0.25)])
def test_dst_moves_keypoints_toward_targets_and_lowers_style(exaggerated, loss, factor):
    src, dst = exaggerated
    cfg = DSTConfig(size=64, scales=2, steps_per_scale=20, n_samples=256, n_style_samples=512, loss=loss,
                    theta_lr=1.0 if loss == "strotss" else 0.2)  # 3.0 overshoots at the second scale
    res = deformable_style_transfer(data.path("astronaut"), data.path("mona_lisa"), src, dst, cfg, device="cpu",
                                    show_progress=False)
    warp = res.history["warp"]
    assert warp[-1] < factor * warp[0], f"L_warp {warp[0]:.2f} -> {warp[-1]:.2f}"
    # most keypoints end closer to their target than where they started (NST would leave all of them in place)
    closer = (res.targets - res.moved).norm(dim=1) < (res.targets - res.src).norm(dim=1)
    assert closer.float().mean() > 0.7
    # the output really is warped: the final map carries content at src to src + theta
    assert (res.sampling_map[res.moved[:, 1].round().long().clamp(0, 63), res.moved[:, 0].round().long().clamp(0, 63)]
            - res.src).norm(dim=1).median() < 1.0
    for key in ("style", "style_warped"):
        assert res.history[key][-1] < 0.7 * res.history[key][0], key
    assert res.image.shape == (1, 3, 64, 64) and torch.isfinite(res.image).all()


def test_dst_is_seeded(exaggerated):
    src, dst = exaggerated
    cfg = DSTConfig(size=64, scales=1, steps_per_scale=3, n_samples=64, n_style_samples=128)
    a = deformable_style_transfer(data.path("astronaut"), data.path("mona_lisa"), src, dst, cfg, device="cpu",
                                  show_progress=False)
    b = deformable_style_transfer(data.path("astronaut"), data.path("mona_lisa"), src, dst, cfg, device="cpu",
                                  show_progress=False)
    assert torch.equal(a.image, b.image) and a.history == b.history


def test_dst_rejects_bad_points_and_sizes():
    p = torch.rand(5, 2) * 60
    with pytest.raises(ValueError, match="same K"):
        deformable_style_transfer(data.path("astronaut"), data.path("mona_lisa"), p, p[:4], device="cpu")
    with pytest.raises(ValueError, match="too small for 3 scales"):
        DSTConfig(size=64, scales=3)


def test_fastdst_runs_end_to_end_on_two_real_faces():
    res = methods.run("fastdst", "astronaut", "grace_hopper", profile="smoke", show_progress=False)
    assert res.method == "fastdst" and res.image.shape == (1, 3, 64, 64)
    assert len(res.points[0]) >= 60 and res.timing["matching_s"] > 0 and res.steps == 16
    assert res.extras["match"]["content_source"] == "dlib"


def test_fastdst_on_anime_reports_no_face():
    """eileen_sprite: neither dlib nor AnimeFace finds its face."""
    with pytest.raises(NoFaceFound, match="style_landmarks"):
        methods.run("fastdst", "astronaut", "eileen_sprite", profile="smoke", show_progress=False)


def test_oneshot_foa_uses_hand_landmarks_where_dlib_fails():
    res = methods.run("oneshot_foa", "astronaut", "sylvie_ios", profile="smoke", show_progress=False)
    assert res.extras["match"]["style_source"].startswith("style: hand")


def test_foa_tps_map_is_the_thin_plate_spline_through_landmarks_and_anchors():
    """Between the control points too: foa_tps samples the content where an independent TPS (scipy) through
    (aligned style landmarks -> content landmarks) plus the fixed border anchors says. A swapped direction, lost
    anchors or a wrong frame moves the map by pixels, not hundredths."""
    from scipy.interpolate import RBFInterpolator

    from survey_lib.geometry.warp import border_anchors

    res = methods.run("foa_tps", "astronaut", "mona_lisa", profile="smoke", steps=1, show_progress=False)
    pos, src, targets = res.extras["sampling_map"], res.points[0], res.extras["targets"]
    n = pos.shape[0]
    anchors = border_anchors(n, n, 5)
    ref = RBFInterpolator(torch.cat([targets, anchors]).double().numpy(), torch.cat([src, anchors]).double().numpy(),
                          kernel="thin_plate_spline")
    probe = torch.randint(0, n, (300, 2), generator=torch.Generator().manual_seed(0))
    expected = torch.from_numpy(ref(probe.double().numpy())).float()
    got = pos[probe[:, 1], probe[:, 0]]
    assert (got - expected).norm(dim=1).max() < 0.05
    assert (expected - probe.float()).norm(dim=1).max() > 1.0  # the probes do move: the check is not vacuous


def test_geometry_scores_on_a_real_warp():
    """Warping the astronaut onto exaggerated landmarks moves re-detected landmarks toward them."""
    from survey_lib.methods.dst import warp_targets
    from survey_lib.geometry.warp import warp_image

    src = data.landmarks("astronaut", 256)
    dst = src.clone()
    dst[36:48, 0] += torch.where(dst[36:48, 0] < dst[36:48, 0].mean(), -8.0, 8.0)
    dst[48:68, 1] += 10
    targets = warp_targets(src, dst, 256)
    warped = warp_image(data.get("astronaut", 256), src, targets)
    moved = geometry_scores(warped, src, targets)
    still = geometry_scores(data.get("astronaut", 256), src, targets)
    assert moved["detected"] and still["detected"]
    # dlib re-detects only part of the move (0.36 with landmarks detected at the native 250 px); unwarped: ~0
    assert moved["nme_to_style"] < still["nme_to_style"] and moved["progress"] > 0.3 > still["progress"]
    assert math.isclose(nme(src, src), 0.0)


def test_warp_map_leaves_out_keypoints_stacked_on_each_other_or_on_a_border_anchor():
    from survey_lib.methods.dst import warp_map
    from survey_lib.geometry.warp import border_anchors

    size = 32
    src = torch.tensor([[10.0, 12.0], [20.0, 18.0], [15.0, 8.0], [6.0, 25.0]])
    corner = border_anchors(size, size, 5)[0]
    # the clamp pushed two keypoints into the corner: one onto the other and both onto the corner's anchor
    theta = torch.stack([torch.zeros(2), torch.zeros(2), corner - src[2], corner - src[3]])
    pos = warp_map(src, theta, size)  # a spline through coincident centres cannot be fitted; here they are left out
    assert torch.isfinite(pos).all()
    for p in src[:2]:  # the kept keypoints still map onto themselves
        assert torch.allclose(pos[int(p[1]), int(p[0])], p, atol=1e-3)


@pytest.mark.parametrize("method, steps", [("foa_tps", {"steps": 1}), ("fastdst", {"steps_per_scale": 1})])
def test_a_size_override_moves_the_points_with_the_image(method, steps):
    """``size=128`` under a 64-px profile is one working size for the image, the points and the warp: the
    content's landmarks lie where dlib finds them at 128 px, about twice their 64-px place (they stayed in the
    64-px frame while the image grew, and every metric was computed on them)."""
    small = methods.run(method, "astronaut", "mona_lisa", profile="smoke", show_progress=False, **steps)
    big = methods.run(method, "astronaut", "mona_lisa", profile="smoke", size=128, show_progress=False, **steps)
    assert big.image.shape[-2:] == big.warp.shape[:2] == (128, 128)
    for a, b in ((big.points[0], small.points[0]), (big.targets, small.targets)):  # K differs: pairs that coincide
        assert torch.cdist(a / 2, b).min(1).values.median() < 0.75                # at 64 px are dropped there


def test_a_size_in_the_config_that_differs_from_the_profile_is_refused():
    with pytest.raises(ValueError, match=r"replace\(size=128\)"):
        methods.get("fastdst").config("smoke", size=128)
