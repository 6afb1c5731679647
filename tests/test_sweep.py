"""The deformation sweep read from its committed tables (survey_lib.evaluation.sweep)."""
import pandas as pd
import pytest

from survey_lib.evaluation.plan_specs import SWEEP_K
from survey_lib.evaluation.sweep import reached_points, sweep_table, with_final_rates


def _runs():
    ks = list(SWEEP_K)[::-1]  # out of order: the table sorts by k
    return pd.DataFrame({"pair": [f"k={k:g}" for k in ks], "gap_px": [2.0 * k for k in ks], "steps": 450,
                         "own_target_progress": [1 - k / 4 for k in ks], "folded_%": 0.0,
                         "exact_tps_folded_%": [0.0 if k < 1.5 else 0.2 for k in ks], "moved_tps_folded_%": 0.0})


def test_sweep_table_orders_by_k_says_which_targets_are_faces_and_the_pixels_closed():
    sweep = sweep_table(_runs(), size=128)
    assert sweep["k"].tolist() == sorted(SWEEP_K)
    assert sweep.loc[sweep["k"] == 1.0, "closed_px"].item() == pytest.approx(2.0 * 0.75)
    # the largest exaggeration is no longer a face (the lower lip lands below the chin), the smallest still is
    assert sweep["targets_a_face"].iloc[0] and not sweep["targets_a_face"].iloc[-1]
    assert sweep["why_not"].iloc[-1] != "" and sweep["why_not"].iloc[0] == ""


def test_final_rates_read_the_last_recorded_interval_whatever_the_row_order():
    sweep = sweep_table(_runs(), size=128)
    rows = []
    for k in SWEEP_K:  # progress rising by k / 100 per 10 steps, with a last jump of a further k / 100
        rows += [{"pair": f"k={k:g}", "step": s, "own_target_progress": k * (s / 1000 + (0.01 if s == 450 else 0))}
                 for s in range(10, 460, 10)]
    out = with_final_rates(sweep, pd.DataFrame(rows).sample(frac=1, random_state=1))
    assert out["rate_per_10_steps_at_450"].tolist() == pytest.approx([0.02 * k for k in sorted(SWEEP_K)])
    # k = 0.5: 0.875 of the way at step 450, gaining 0.001 a step, could reach at most 0.875 + 450 x 0.001
    assert out["at_most_after_900"].iloc[0] == pytest.approx(1.325)


def test_reached_points_come_per_k_in_the_sweeps_order_with_nan_where_unreached():
    points = pd.DataFrame([{"pair": f"k={k:g}", "landmark": i, "x": float(i), "y": k}
                           for k in SWEEP_K for i in range(68) if not (k == 2.0 and i == 5)])
    reached = reached_points(points)
    assert len(reached) == len(SWEEP_K) and reached[0].shape == (68, 2)
    assert reached[-1][0, 1].item() == SWEEP_K[-1] and reached[3][5].isnan().all()
