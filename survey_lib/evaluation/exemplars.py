"""The survey's exemplar conclusion, measured: do common landmarks of several exemplars predict an unseen one better
than a single exemplar (leave one character out over the catalogue's drawings), and how far does the geometry a
face ends with depend on which exemplar it was sent toward (plan ``exemplars``, read from its committed tables).

Landmarks are ``(68, 2)`` pixel ``(x, y)`` tensors in the frame of a square image of the working size; distances
are NME (divided by the inter-ocular distance of the face they are measured on)."""
from __future__ import annotations

import pandas as pd
import torch

__all__ = ["LEAVE_ONE_OUT", "catalogue_leave_one_out", "leave_one_out_summary", "beats_best", "run_ends",
           "exemplar_spread"]

#: the columns of :func:`survey_lib.geometry.shapes.leave_one_out` that :func:`leave_one_out_summary` summarises
LEAVE_ONE_OUT = ("common", "single_mean", "single_best", "common_minus_single", "common_minus_best")


def catalogue_leave_one_out(categories=("anime", "cartoon"), *, size: int = 256) -> pd.DataFrame:
    """:func:`survey_lib.geometry.shapes.leave_one_out` over the catalogue's drawings with landmarks, each category
    on its own, a character's drawings left out together: one row per held-out drawing, with ``category``."""
    from .. import data
    from ..data import character
    from ..geometry.shapes import leave_one_out

    tables = []
    for category in categories:
        names = [e.name for e in data.list_images(category=category) if e.landmarks]
        shapes = {n: data.landmarks(n, size) for n in names}
        tables.append(leave_one_out(shapes, group_of={n: character(n) for n in names}).assign(category=category))
    return pd.concat(tables, ignore_index=True)


def leave_one_out_summary(loo: pd.DataFrame, **kwargs) -> pd.DataFrame:
    """Per category, the mean and 95 % bootstrap interval over characters (a character's held-out drawings averaged
    first: they are not independent) of each of :data:`LEAVE_ONE_OUT`, as
    :func:`survey_lib.evaluation.stats.summarise` returns them; ``kwargs`` go to it."""
    from .stats import summarise

    per_character = loo.groupby(["category", "group"], as_index=False)[list(LEAVE_ONE_OUT)].mean()
    return summarise(per_character, list(LEAVE_ONE_OUT), by="category", **kwargs)


def beats_best(loo: pd.DataFrame) -> pd.DataFrame:
    """Per category, on how many held-out drawings (``sum`` of ``count``) the common shape is nearer than the best
    single exemplar."""
    return (loo["common"] < loo["single_best"]).groupby(loo["category"]).agg(["sum", "count"])


def run_ends(points: pd.DataFrame, *, by=("pair", "seed")) -> dict:
    """Where each run's applied warp carried the content's 68 landmarks, from a committed points table
    (``NAME_points.csv.gz``: one row per run and landmark, ``x``, ``y``): ``{(pair, seed): (68, 2) tensor}`` in
    landmark order (NaN where the warp does not reach)."""
    return {key: torch.tensor(g.sort_values("landmark")[["x", "y"]].to_numpy())
            for key, g in points.groupby(list(by), sort=False)}


def exemplar_spread(table: pd.DataFrame, ends: dict, start: torch.Tensor, *, common_prefix: str = "common",
                    seeds=(0, 1)) -> pd.DataFrame:
    """How far the end geometry depends on the exemplar (:func:`survey_lib.geometry.shapes.spread`).

    Args:
        table: the plan's runs (``pair``, ``seed``, ``gap_nme``, ``own_target_progress``, ``landmark_progress``).
        ends: :func:`run_ends` of its points table.
        start: ``(68, 2)`` the content's landmarks before any run, in the frame of ``ends``.
        common_prefix: targets whose label starts so are common shapes, scored against the single exemplars'
            average end without being part of it.
        seeds: the seed scored, and the second seed whose end measures the run-to-run noise.

    Returns:
        one row per target (index ``target``, the plan's order): ``single`` (a single exemplar), ``to_centre``,
        ``moved``, ``seed_noise`` (NME between the two seeds' ends) and the table's three columns for ``seeds[0]``.
    """
    from ..geometry.landmarks import inter_ocular
    from ..geometry.shapes import nme, spread

    first, second = seeds
    targets = list(dict.fromkeys(label for label, _ in ends))
    singles = [t for t in targets if not t.startswith(common_prefix)]
    out = pd.DataFrame(spread({t: ends[t, first] for t in targets}, start, centre_of=singles)).T
    out["seed_noise"] = [nme(ends[t, second], ends[t, first], normaliser=inter_ocular(start)) for t in targets]
    out.insert(0, "single", [t in singles for t in targets])
    scores = table[table["seed"] == first].set_index("pair")[["gap_nme", "own_target_progress", "landmark_progress"]]
    return out.join(scores).rename_axis("target")
