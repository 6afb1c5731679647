"""Plan ``deformation_sweep`` read: per exaggeration k of the content's own landmarks (:data:`SWEEP_K`), whether the
targets are still a face, how much of the gap one-shot FoA closed at the published 450 steps and how fast it was
still closing there, and how its warp folds against the exact thin-plate spline's, to the targets and at the
displacement one-shot FoA reached.

Tables are the plan's committed ones (:func:`survey_lib.evaluation.plans.read_plan`): the per-run table (one row per
k, ``pair`` named ``"k=<k>"``) and its trajectory (one row per recorded step); distances in pixels at the working
size.
"""
from __future__ import annotations

import pandas as pd

from .plan_specs import SWEEP_K, sweep_pairs

__all__ = ["sweep_table", "with_final_rates", "reached_points"]


def _pair_name(k: float) -> str:
    return f"k={k:g}"


def sweep_table(runs: pd.DataFrame, *, size: int) -> pd.DataFrame:
    """One row per k of the sweep's runs: ``k``, ``gap_px`` (the distance to travel), ``steps``,
    ``targets_a_face`` and ``why_not`` (:func:`survey_lib.geometry.deform.face_problems` on the targets),
    ``keypoint_progress`` (the share of the gap one-shot FoA's keypoints closed) and ``closed_px``, and the folded
    pixels (%) of its warp (``warp_folded_%``), of the exact spline to the targets (``exact_tps_folded_%``) and of
    the exact spline to where the keypoints got (``tps_at_equal_displacement_folded_%``). ``size``: the working
    size the plan ran at."""
    from ..geometry.deform import face_problems

    problems = {_pair_name(k): "; ".join(face_problems(p.targets)) for k, p in zip(SWEEP_K, sweep_pairs(size))}
    k_of = {_pair_name(k): k for k in SWEEP_K}
    return pd.DataFrame({
        "k": runs["pair"].map(k_of), "gap_px": runs["gap_px"], "steps": runs["steps"],
        "targets_a_face": runs["pair"].map(problems) == "", "why_not": runs["pair"].map(problems),
        "keypoint_progress": runs["own_target_progress"], "closed_px": runs["gap_px"] * runs["own_target_progress"],
        "warp_folded_%": runs["folded_%"], "exact_tps_folded_%": runs["exact_tps_folded_%"],
        "tps_at_equal_displacement_folded_%": runs["moved_tps_folded_%"]}).sort_values("k", ignore_index=True)


def with_final_rates(sweep: pd.DataFrame, curves: pd.DataFrame) -> pd.DataFrame:
    """``sweep`` (:func:`sweep_table`) with the rate each run still gained at its last recorded step,
    ``rate_per_10_steps_at_450`` (progress per 10 steps), and ``at_most_after_900``: the most it could reach if it
    kept that rate for as many steps again (an upper bound while the curves only slow down). ``curves``: the
    plan's trajectory (``pair``, ``step``, ``own_target_progress``)."""
    from .tables import change_at_end

    last_rate = (change_at_end(curves, "own_target_progress", last=1, by=("pair",))
                 / change_at_end(curves, "step", last=1, by=("pair",)))
    rate = sweep["k"].map(_pair_name).map(last_rate)
    return sweep.assign(rate_per_10_steps_at_450=10 * rate,
                        at_most_after_900=sweep["keypoint_progress"] + sweep["steps"] * rate)


def reached_points(points: pd.DataFrame) -> list:
    """Where one-shot FoA's warp carried the content's 68 landmarks, per k of :data:`SWEEP_K` in that order:
    ``(68, 2)`` x/y px tensors (NaN where the warp did not reach one), from the plan's committed
    ``deformation_sweep_points.csv.gz``."""
    from .shape_metrics import carried_landmarks

    return [carried_landmarks(points[points["pair"] == _pair_name(k)]) for k in SWEEP_K]
