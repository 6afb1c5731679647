"""The geometry of each run as tables, committed beside a plan's table so that a geometry metric added later is
computed from the repository, without the store: where each run's warp carries the content's 68 landmarks
(:func:`carried_points`), its keypoints and where it moved them (:func:`keypoint_table`), and its losses and
keypoint progress over its steps (:func:`trajectories`).

Every table is one row per run and point (or step), keyed by the run's ``method``, ``content``, ``style``, ``seed``,
``settings`` (JSON, as in the committed table), ``key`` and, for labelled pairs, ``pair``; coordinates are pixels at
the working size, ``(x, y)`` with the origin at the top-left pixel's centre.
"""
from __future__ import annotations

import pandas as pd
import torch

from .runs import Runs

__all__ = ["carried_points", "keypoint_table", "trajectory", "trajectories"]


def _runs_with_results(runs: Runs):
    """``(row, result, pair)`` of each run of ``runs`` that has a result: ``row`` the identifying columns."""
    committed = runs.committed()
    keep = [c for c in ("pair", "method", "content", "style", "seed", "settings", "key") if c in committed]
    for row in committed[keep].to_dict("records"):
        res = runs.result(row["key"])
        if res is not None:
            yield row, res, runs.pair(row["key"])


def carried_points(runs: Runs) -> pd.DataFrame:
    """Where the applied warp of each run carries its content's 68 landmarks
    (:func:`survey_lib.evaluation.metrics.points_through_warp`): one row per run and landmark with ``landmark``
    (dlib's index), ``x``, ``y`` (NaN where the warp does not reach the point). Runs without a warp are left out."""
    from .metrics import points_through_warp

    rows = []
    for run, res, pair in _runs_with_results(runs):
        if res.warp is None:
            continue
        q = points_through_warp(res.warp, pair.landmarks("content"))
        rows += [{**run, "landmark": i, "x": float(x), "y": float(y)} for i, (x, y) in enumerate(q.tolist())]
    return pd.DataFrame(rows)


def keypoint_table(runs: Runs) -> pd.DataFrame:
    """The keypoints of each run that moved keypoints toward targets (the DST family; foa_tps, whose moved points are
    where its spline carries them): one row per run and keypoint with ``index`` (the keypoint's position in the
    run's correspondences), the content point ``src_x``/``src_y``, its aligned target ``target_x``/``target_y`` and
    where the run put it, ``moved_x``/``moved_y``. Runs without targets are left out."""
    rows = []
    for run, res, _ in _runs_with_results(runs):
        if res.targets is None or res.moved is None or res.correspondences is None:
            continue
        for i, (s, t, m) in enumerate(zip(res.correspondences.src.tolist(), res.targets.tolist(), res.moved.tolist())):
            rows.append({**run, "index": i, "src_x": s[0], "src_y": s[1], "target_x": t[0], "target_y": t[1],
                         "moved_x": m[0], "moved_y": m[1]})
    return pd.DataFrame(rows)


def trajectory(pair, result) -> list[dict[str, float]]:
    """The warp of a DST-family run traced over its steps, from the keypoint snapshots it recorded
    (``record_every`` > 0): per recorded step, ``own_target_progress`` (its keypoints toward its own targets),
    ``warp_progress`` (the 68 landmarks carried by the warp of that step, toward the aligned style landmarks),
    ``shape_progress`` (the same carried landmarks scored on shape against the style's own,
    :func:`~survey_lib.evaluation.shape_metrics.shape_progress`; NaN without 68 landmarks on both faces) and
    ``folded_%``. Empty for a run that recorded nothing."""
    from ..geometry.warp import folded_fraction
    from ..methods.dst import warp_map
    from .metrics import keypoint_progress, points_through_warp, reached_progress
    from .shape_metrics import shape_progress

    steps, flat = result.history.get("theta_steps", []), result.history.get("theta", [])
    if not steps or result.correspondences is None:
        return []
    src = result.correspondences.src
    thetas = torch.tensor(flat, dtype=torch.float32).view(len(steps), *src.shape)
    size, anchors = result.image.shape[-1], result.config.get("anchors_per_side", 5)
    p, targets = (pair.landmarks("content"), pair.targets) if pair.targets is not None else (None, None)
    q = pair.landmarks("style")
    truth = q if p is not None and q is not None and p.shape == q.shape == (68, 2) else None
    every = torch.ones(68, dtype=torch.bool)
    rows = []
    for step, theta in zip(steps, thetas):
        pos = warp_map(src, theta, size, anchors)
        carried = points_through_warp(pos, p) if p is not None else None
        rows.append({"step": step, "own_target_progress": keypoint_progress(src, src + theta, result.targets),
                     "warp_progress": reached_progress(p, carried, targets) if p is not None else float("nan"),
                     "shape_progress": shape_progress(p, carried, truth, every) if truth is not None else float("nan"),
                     "folded_%": 100 * folded_fraction(pos)})
    return rows


def trajectories(runs: Runs) -> pd.DataFrame:
    """Every optimisation run traced over its steps, one row per run and step (empty when no run has a history), with
    its total ``loss`` at that step: where a DST-family run recorded its keypoints (``record_every``),
    :func:`trajectory` at each recorded step (keypoint progress, landmarks carried by
    the warp, folded %); otherwise the losses it logged before each update (step 0 = the start), with a DST-family
    run's keypoint progress ``1 - L_warp(t) / L_warp(0)`` (the other columns NaN)."""
    rows = []
    for run, res, pair in _runs_with_results(runs):
        loss = res.history.get("total", [])
        if res.history.get("theta_steps"):
            rows += [{**run, **row, "loss": loss[row["step"] - 1] if len(loss) >= row["step"] else float("nan")}
                     for row in trajectory(pair, res)]
        elif loss:
            lw = res.history.get("warp") or [float("nan")] * len(loss)
            rows += [{**run, "step": t, "own_target_progress": 1 - w / lw[0] if lw[0] > 0 else float("nan"),
                      "loss": v} for t, (w, v) in enumerate(zip(lw, loss))]
    return pd.DataFrame(rows)
