"""Performance table: python benchmarks/run.py [--size 256] [--repeats 3] [--only nst vgg].

Prints one Markdown row per benchmark with the median over repeats. Targets (from the survey and the
measured speed of the original code on a 2-core CPU) are listed beside the measurement.
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from survey_lib import data  # noqa: E402
from survey_lib.methods.nst import NSTConfig, STYLE_LAYERS, stylize  # noqa: E402
from survey_lib.utils import Timer, environment_summary  # noqa: E402
from survey_lib.vgg import VGG19Features  # noqa: E402

BENCHES = {}


def bench(name, target=""):
    def deco(fn):
        BENCHES[name] = (fn, target)
        return fn
    return deco


@bench("vgg_forward", "-")
def vgg_forward(size: int) -> tuple[float, str]:
    vgg = VGG19Features([*STYLE_LAYERS, "conv4_2"], device="cpu")
    x = data.get("astronaut", size)
    vgg(x)  # warm-up
    with torch.no_grad(), Timer() as t:
        vgg(x)
    return t.seconds, "s per forward to relu5_1"


def _nst(size: int, optimizer: str) -> tuple[float, str]:
    steps = 20
    res = stylize(data.path("astronaut"), data.path("starry_night"), NSTConfig(size=size, steps=steps,
                  optimizer=optimizer), device="cpu", show_progress=False)
    return res.seconds_per_step, f"s/step ({steps} steps); x450 = {450 * res.seconds_per_step:.0f} s"


@bench("nst_lbfgs", "survey: 24 s / 450 steps on a K80")
def nst_lbfgs(size: int):
    return _nst(size, "lbfgs")


@bench("nst_adam", "-")
def nst_adam(size: int):
    return _nst(size, "adam")


def _nbb(size: int, final_layer: str):
    from survey_lib.geometry.nbb import NBBConfig, neural_best_buddies
    from survey_lib.geometry.warp import random_warp

    img = data.get("astronaut", size)
    warped, back = random_warp(img)
    with Timer() as t:
        res = neural_best_buddies(img, warped, NBBConfig(size=size, final_layer=final_layer), device="cpu")
    err = (back(res.dst) - res.src).norm(dim=1).median()
    return t.seconds, f"s incl. VGG; {len(res.src)} pairs, median error {err:.2f} px on a known warp"


@bench("nbb_relu2_1", "original NBB --fast: 72 s (inversion capped) to 10-15 min here; target < 10 s")
def nbb_fast(size: int):
    return _nbb(size, "relu2_1")


@bench("nbb_relu1_1", "original NBB (224 px, capped): 124 s here")
def nbb_full(size: int):
    return _nbb(size, "relu1_1")


@bench("dlib_landmarks", "FastDST's dlib step: 2.0 s for 2 images incl. model loading")
def dlib_landmarks(size: int):
    from survey_lib.geometry.landmarks import dlib_models, detect

    dlib_models.cache_clear()
    with Timer() as t:
        detect(data.get("astronaut", size))
        detect(data.get("grace_hopper", size))
    return t.seconds, "s for 2 images incl. model loading"


@bench("animeface_detect", "-")
def animeface_detect(size: int):
    from survey_lib.geometry import animeface

    imgs = [data.get(e.name, size) for e in data.list_images(category="anime")]
    animeface.detect(imgs[0])  # loads the library and runs its one-off self-check
    times, found = [], 0
    for img in imgs:
        with Timer() as t:
            found += bool(animeface.detect(img))
        times.append(t.seconds)
    return statistics.median(times), f"s per {size} px image (median of {len(imgs)} anime faces, {found} found)"


@bench("tps_warp", "original DST TPS: 0.73 s/iter at 256 (348 centres)")
def tps_warp(size: int):
    from survey_lib.geometry.warp import warp_image

    g = torch.Generator().manual_seed(0)
    src = 20 + (size - 40) * torch.rand(68, 2, generator=g)
    dst = src + 5 * torch.randn(68, 2, generator=g)
    img = torch.rand(1, 3, size, size)
    warp_image(img, src, dst)
    with Timer() as t:
        warp_image(img, src, dst)
    return t.seconds, "s per dense warp, 68 points + 16 anchors"


def _dst(size: int, **cfg):
    from survey_lib.methods.dst import DSTConfig, deformable_style_transfer

    src = data.landmarks("astronaut", size)
    dst = data.landmarks("mona_lisa", size)
    steps = 4
    res = deformable_style_transfer(data.path("astronaut"), data.path("mona_lisa"), src, dst,
                                    DSTConfig(size=size, scales=1, steps_per_scale=steps, **cfg), device="cpu",
                                    show_progress=False)
    return res.seconds / steps, f"s/step at full size ({steps} steps); x450 = {450 * res.seconds / steps / 60:.0f} min"


@bench("dst_strotss", "original DST here: 6.5-9.8 s/step at 256 (2048 x 5000 samples)")
def dst_strotss(size: int):
    return _dst(size)


@bench("dst_strotss_default_profile", "default profile: 1024 x 2048 samples (changes the estimator)")
def dst_strotss_small(size: int):
    return _dst(size, n_samples=1024, n_style_samples=2048)


@bench("dst_gram", "target: < 2x NST per step")
def dst_gram(size: int):
    return _dst(size, loss="gram")


@bench("adain_forward", "survey: 0.01 s on a K80; target well under 0.5 s here")
def adain_forward(size: int):
    from survey_lib.methods.adain import load_project

    model = load_project(device="cpu")
    c, s = data.get("astronaut", size), data.get("mona_lisa", size)
    model.stylize(c, s, size=size)
    with Timer() as t:
        model.stylize(c, s, size=size)
    return t.seconds, "s per stylisation (encode content + style, decode)"


@bench("ghiasi_forward", "AdaIN's trained peer (Ghiasi et al. 2017), onnxruntime; needs the ghiasi extra")
def ghiasi_forward(size: int):
    from survey_lib.methods.ghiasi import load

    model = load()
    c, s = data.get("astronaut", size), data.get("mona_lisa", size)
    model.stylize(c, s, size=size)
    with Timer() as t:
        model.stylize(c, s, size=size)
    return t.seconds, "s per stylisation (style vector + transformer at 384 px, resized)"


_FASTDST_SECONDS: dict[int, float] = {}  # one FastDST run per size, shared by the repeats of foa_fast


@bench("fastdst_end_to_end", "survey: 2 + 342 s on a K80 (FastDST, 256 px)")
def fastdst_end_to_end(size: int):
    from survey_lib import methods

    with Timer() as t:
        methods.run("fastdst", "astronaut", "mona_lisa", size=size, show_progress=False)
    _FASTDST_SECONDS[size] = t.seconds
    return t.seconds, "s per image, default profile (detection + 3 x 15 DST steps)"


@bench("foa_fast_end_to_end", "target: <= 1 s at 256 px on 2 cores and >= 50x faster than FastDST")
def foa_fast_end_to_end(size: int):
    from survey_lib import methods

    methods.run("foa_fast", "astronaut", "mona_lisa", size=size)  # models loaded, as in an interactive session
    with Timer() as t:
        res = methods.run("foa_fast", "astronaut", "mona_lisa", size=size)
    detect = res.correspondences.seconds
    warp = res.timing.matching_s - detect
    if size not in _FASTDST_SECONDS:
        fastdst_end_to_end(size)
    ratio = _FASTDST_SECONDS[size] / t.seconds
    return t.seconds, (f"s per image (image loading {t.seconds - res.timing.total_s:.2f}, landmarks on both faces "
                       f"{detect:.2f}, spline + warp {warp:.2f}, network {res.timing.optimisation_s:.2f}); "
                       f"{ratio:.0f}x faster than FastDST measured in this run")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--only", nargs="*", choices=sorted(BENCHES))
    args = p.parse_args(argv)
    env = environment_summary("cpu")
    print(f"# benchmarks at {args.size} px | torch {env['torch']} | {env['device']}\n")
    print("| benchmark | median seconds | unit | target / reference |")
    print("|---|---|---|---|")
    for name, (fn, target) in BENCHES.items():
        if args.only and name not in args.only:
            continue
        runs = [fn(args.size) for _ in range(args.repeats)]
        secs = statistics.median(r[0] for r in runs)
        print(f"| {name} | {secs:.3f} | {runs[0][1]} | {target} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
