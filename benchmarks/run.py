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
from survey_lib.nst import NSTConfig, STYLE_LAYERS, stylize  # noqa: E402
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
