"""Command line: python -m survey_lib {stylize,evaluate,notebooks,info}."""
from __future__ import annotations

import argparse

__all__ = ["build_parser", "positive_int", "seed"]


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def seed(text: str) -> int:
    """A seed: a whole number in [0, 2**32 - 1] (NumPy's range)."""
    from .settings import MAX_SEED

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"must be in [0, {MAX_SEED}], got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``python -m survey_lib``: one subcommand per job, each run by
    :data:`survey_lib.cli.COMMANDS`."""
    p = argparse.ArgumentParser(prog="python -m survey_lib", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    for add in (_add_stylize, _add_evaluate, _add_notebooks, _add_info):
        add(sub)
    return p


def _add_stylize(sub) -> None:
    from .geometry.matchers import STYLE_DETECTORS
    from .methods import available
    from .methods.adain import DECODERS
    from .profiles import PROFILES

    s = sub.add_parser("stylize", help="stylise one content image with one style image")
    s.add_argument("content", help="image path or catalogue name (e.g. astronaut)")
    s.add_argument("style", help="image path or catalogue name (e.g. starry_night)")
    s.add_argument("-o", "--output", default="stylized.png", help="output image (default: %(default)s)")
    s.add_argument("-m", "--method", default="nst", choices=available(), help="default: %(default)s")
    s.add_argument("-p", "--profile", default="default", choices=sorted(PROFILES), help="default: %(default)s")
    s.add_argument("--steps", type=positive_int, help="override the profile's optimisation steps (>= 1): NST/foa_tps "
                   "steps, or steps per scale for dst, fastdst and oneshot_foa")
    s.add_argument("--seed", type=seed, help="random seed (default 0); no effect on nst, whose L-BFGS starts from the "
                   "content image and is deterministic")
    s.add_argument("--content-landmarks", help="68-point landmark file (.pts/.ljson/.txt) for the content image "
                   "(oneshot_foa, foa_tps); dlib detects them when omitted")
    s.add_argument("--style-landmarks", help="the same for the style image, e.g. hand-placed points of an anime face")
    s.add_argument("--style-detector", choices=list(STYLE_DETECTORS),
                   help="fastdst: face detector for the style image; auto (default) uses dlib where it finds a face "
                        "and AnimeFace (anime faces) where it does not")
    s.add_argument("--decoder", choices=list(DECODERS),
                   help="AdaIN weights: the project's decoder, the authors' published files (downloaded only with "
                        "SURVEY_ALLOW_DOWNLOAD=1 or on Colab), auto (published when allowed or cached), or "
                        "optimised: AdaIN's objective decoded by L-BFGS (the profile's NST steps)")
    s.add_argument("--strength", type=float, help="foa_fast: how far the face takes the style's geometry (0 = the "
                   "photograph's, 1 = the style's, above 1 exaggerates; default 1)")
    s.add_argument("--max-identity", type=float, help="foa_fast: the largest identity distance (dlib's face "
                   "embedding; same person below 0.6) the warped photograph may keep: lowers the strength until it "
                   "holds")
    s.add_argument("--device", default="auto", help="auto, cpu, cuda, mps (default: %(default)s)")


def _add_evaluate(sub) -> None:
    from .evaluation.plans import AT_SCALE_DIR, PLANS
    from .methods import available
    from .profiles import PROFILES

    e = sub.add_parser("evaluate", help="run methods x pairs x seeds into the results store; print 95 %% CIs")
    e.add_argument("--plan", nargs="+", choices=list(PLANS), metavar="PLAN",
                   help=f"at-scale plans ({', '.join(PLANS)}): each plan's runs into the store, its per-run table and "
                        "provenance record into --out-dir")
    e.add_argument("--out-dir", default=AT_SCALE_DIR, help="with --plan (default: %(default)s)")
    e.add_argument("--rescore", action="store_true",
                   help="with --plan: score the committed tables again from the runs the store keeps under their "
                        "keys (metrics added or changed since), computing no run")
    e.add_argument("--thumbnails", action="store_true",
                   help="with --plan: computing nothing, write the 128-px thumbnails of the committed runs' outputs "
                        "that the store keeps into --out-dir/thumbnails/NAME/ (the notebooks' run browser shows them)")
    e.add_argument("--save-partial", action="store_true",
                   help="with --plan: computing nothing, write the rows the store holds as NAME_partial.csv (with "
                        "their geometry) into --out-dir, for a plan too long for one session; evaluate --plan resumes "
                        "from it on any machine")
    e.add_argument("--stale", action="store_true",
                   help="computing nothing, print per committed plan (or each --plan) how many rows today's code "
                        "would compute under another key; exit 1 when any is stale")
    e.add_argument("--methods", nargs="+", choices=available(), metavar="METHOD",
                   help=f"one or more of {', '.join(available())}; with --plan: compute only these methods of the plan "
                        "into the store, writing no table (then --save-partial)")
    e.add_argument("--contents", nargs="+",
                   help="content images: catalogue names, paths or a group (photos, portraits, anime); with --plan "
                        "and --methods: glob patterns, only the plan's pairs whose content matches one")
    e.add_argument("--styles", nargs="+",
                   help="style images, as --contents; with --plan and --methods: glob patterns, only the plan's pairs "
                        "whose style matches one (e.g. '*~17')")
    e.add_argument("-p", "--profile", default="default", choices=sorted(PROFILES), help="default: %(default)s")
    e.add_argument("--seeds", nargs="+", type=seed, default=[0], help="whole numbers in [0, 2**32 - 1] (default: 0)")
    e.add_argument("--store", help="results store (default: $SURVEY_STORE, else build/results.sqlite of the checkout "
                                   "the package runs from, else of the working folder)")
    e.add_argument("--fresh", action="store_true", help="compute every run again instead of reading the store")
    e.add_argument("--csv", help="write the per-run table here")
    e.add_argument("--workers", type=positive_int, help="run in this many local processes")
    e.add_argument("--dask", metavar="ADDRESS", help="run on a Dask scheduler, e.g. tcp://scheduler:8786")
    e.add_argument("--device", default="auto", help="auto, cpu, cuda, mps (default: %(default)s)")


def _add_notebooks(sub) -> None:
    from .profiles import PROFILES

    n = sub.add_parser("notebooks", help="execute the survey notebooks headlessly and regenerate figures/")
    n.add_argument("-p", "--profile", default="default", choices=sorted(PROFILES), help="default: %(default)s")
    n.add_argument("--fig-dir", default="figures",
                   help="where figures and tables go, relative to the working directory (default: %(default)s)")
    n.add_argument("--executed-dir", help="where the executed notebooks go (default: build/executed/PROFILE)")
    n.add_argument("--only", nargs="+", metavar="PREFIX", help="notebook name prefixes to run, e.g. 00 02")


def _add_info(sub) -> None:
    i = sub.add_parser("info", help="print the environment and check the model files (exit 1 on a problem)")
    i.add_argument("--device", default="auto")
