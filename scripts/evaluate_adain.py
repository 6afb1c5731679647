"""The AdaIN model card's held-out table: AdaIN's own objective for each decoder on ``HELD_OUT_PAIRS``.

For each pair, the paper's two losses (:func:`survey_lib.methods.adain.evaluate_pair`, 256 px) of the shipped decoder's
output, of AdaIN's objective decoded by optimisation (``decoder="optimised"``, the profile's NST budget) and of the
unchanged content image, and each output's loss as a share of the unchanged content's. Runs go through the results
store, so a second call reads them back.

    python scripts/evaluate_adain.py                      # default profile, the paper's style weight 10
    python scripts/evaluate_adain.py --style-weight 3     # the trade-off at another weight
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd  # noqa: E402

from survey_lib import viz  # noqa: E402
from survey_lib.methods.adain import HELD_OUT_PAIRS, evaluate_pair, load_project  # noqa: E402
from survey_lib.evaluation.evaluate import evaluate, results  # noqa: E402
from survey_lib.evaluation.pairs import resolve_image  # noqa: E402


def table(profile: str = "default", style_weight: float = 10.0) -> pd.DataFrame:
    """One row per pair and decoder: losses of the output and of the unchanged content, and their ratios."""
    decoders = [("adain", {"decoder": "project"}, "project decoder"),
                ("adain", {"decoder": "optimised", "style_weight": style_weight}, "optimised decoding")]
    runs = evaluate(decoders, list(HELD_OUT_PAIRS), profile=profile, metrics=())
    images = results(runs)
    model = load_project()
    rows = []
    for r in runs.itertuples():
        losses = evaluate_pair(model, resolve_image(r.content), resolve_image(r.style), output=images[r.key].image)
        rows.append({"pair": f"{r.content} / {r.style}", "decoder": r.label, **losses,
                     "content_ratio": losses["content_output"] / losses["content_identity"],
                     "style_ratio": losses["style_output"] / losses["style_identity"]})
    return pd.DataFrame(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-p", "--profile", default="default")
    ap.add_argument("--style-weight", type=float, default=10.0, help="optimised decoding's lambda (paper: 10)")
    args = ap.parse_args()
    t = table(args.profile, args.style_weight)
    print(viz.markdown_table(t.round(2).to_dict("records")))
    for decoder, g in t.groupby("decoder", sort=False):
        below = ((g["content_ratio"] < 1) & (g["style_ratio"] < 1)).sum()
        print(f"{decoder}: {below} of {len(g)} pairs below the unchanged content on both losses; mean ratio "
              f"content {g['content_ratio'].mean():.2f}, style {g['style_ratio'].mean():.2f}")


if __name__ == "__main__":
    main()
