"""Curves over the geometric benchmark's levels: intervals drawn over photographs and base styles."""
import numpy as np
import pandas as pd
import pytest

from survey_lib import viz
from survey_lib.evaluation.levels import (crossed_levels, failure_rates, family_differences, growth, level_differences,
                                         level_summary, at_equal_displacement, verdicts)


def _table(rng, slope):
    """4 photographs x 6 bases x 2 families x 3 levels; method 'a' follows the style's shape less as the gap grows,
    'b' by ``slope`` more; each photograph and base shifts every run it takes part in."""
    photo, base = rng.normal(0, 0.1, 4), rng.normal(0, 0.1, 6)
    rows = []
    for family in ("long_face", "anime_eyes"):
        for level in (0.08, 0.11, 0.14):
            for i in range(4):
                for j in range(6):
                    for name, effect in (("a", 0.8 - 2 * level), ("b", 0.8 - 2 * level + slope * level)):
                        rows.append({"name": name, "content": f"p{i}", "base_style": f"b{j}",
                                     "style": f"b{j}~{family}~{round(level * 100)}", "seed": 0, "family": family,
                                     "level": level, "x": effect + photo[i] + base[j] + rng.normal(0, 0.01)})
    return pd.DataFrame(rows)


def test_level_summary_follows_the_curve_with_intervals_over_photographs_and_bases():
    table = _table(np.random.default_rng(0), slope=2.0)
    s = level_summary(table, ["x"])
    a = s.loc[("a", "long_face")]
    assert list(a.index) == [0.08, 0.11, 0.14] and a["x"].is_monotonic_decreasing
    assert (a["x_n"] == 24).all() and (a["x_lo"] < a["x"]).all() and (a["x"] < a["x_hi"]).all()
    # the photographs' and bases' shared shifts make the interval wide: a bootstrap over 24 runs would not see them
    assert (a["x_hi"] - a["x_lo"] > 0.1).all()


def test_level_differences_pair_runs_and_see_a_gap_the_shared_shifts_hide():
    table = _table(np.random.default_rng(1), slope=2.0)
    d = level_differences(table, "x", against="a")
    row = d.loc[("b - a", "anime_eyes", 0.14)]
    assert row["difference"] == pytest.approx(0.28, abs=0.01) and row["lo"] > 0.2 and row["n"] == 24
    assert (d["lo"] > 0).all()
    fig = viz.level_curves(level_summary(table, ["x"]), "x", reference=0)
    assert len(fig.axes) == 2 and len(fig.axes[0].lines) == 3  # two methods and the reference line


def test_family_differences_pool_the_levels_of_each_family_and_keep_them_apart():
    table = _table(np.random.default_rng(4), slope=2.0)
    # in one family 'b' is ahead of 'a' by 2 x level (0.16-0.28), in the other behind by 0.2 at every level
    behind = (table["family"] == "anime_eyes") & (table["name"] == "b")
    table.loc[behind, "x"] -= 2.0 * table.loc[behind, "level"] + 0.2
    d = family_differences(table, "x", against="a")
    assert list(d.index) == [("b - a", "anime_eyes"), ("b - a", "long_face")]
    assert d.loc[("b - a", "long_face"), "difference"] == pytest.approx(2.0 * (0.08 + 0.11 + 0.14) / 3, abs=0.01)
    assert d.loc[("b - a", "long_face"), "n"] == 72 and d.loc[("b - a", "long_face"), "lo"] > 0
    assert d.loc[("b - a", "anime_eyes"), "difference"] == pytest.approx(-0.2, abs=0.01)
    assert d.loc[("b - a", "anime_eyes"), "hi"] < 0
    # per level, the same pairs give the same differences: pooling changes the grouping, not the pairing
    per_level = level_differences(table, "x", against="a").loc["b - a"]
    assert per_level.xs("long_face", level="family")["difference"].mean() == pytest.approx(
        d.loc[("b - a", "long_face"), "difference"])


def test_failure_rates_count_the_runs_that_produced_nothing_per_level():
    table = _table(np.random.default_rng(2), slope=0.0).assign(error="")
    table.loc[(table["name"] == "b") & (table["level"] == 0.14) & (table["base_style"] == "b0"), "error"] = "no face"
    rates = failure_rates(table)
    assert rates.loc[("b", "long_face", 0.14), "failed"] == 4 and rates.loc[("b", "long_face", 0.14), "runs"] == 24
    assert rates.loc[("b", "long_face", 0.14), "failed_share"] == pytest.approx(4 / 24)
    assert rates.loc[("a", "long_face", 0.14), "failed"] == 0


def test_crossed_levels_count_only_the_pairs_every_method_measured():
    table = _table(np.random.default_rng(3), slope=0.0).assign(error="")
    # 'b' has not run at 0.14 beyond two photographs, and at 0.11 failed on every base but b0 and b1
    table = table[~((table["name"] == "b") & (table["level"] == 0.14) & ~table["content"].isin(["p0", "p1"]))].copy()
    table.loc[(table["name"] == "b") & (table["level"] == 0.11) & ~table["base_style"].isin(["b0", "b1"]),
              "error"] = "no face"
    c = crossed_levels(table, ["a", "b"]).loc["long_face"]
    assert c.loc[0.08].to_dict() == {"pairs": 24, "contents": 4, "bases": 6, "crossed": True}
    assert c.loc[0.11].to_dict() == {"pairs": 8, "contents": 4, "bases": 2, "crossed": False}
    assert c.loc[0.14].to_dict() == {"pairs": 12, "contents": 2, "bases": 6, "crossed": False}
    # 'a' alone is crossed everywhere; a method that never ran leaves every level empty
    assert crossed_levels(table, ["a"])["crossed"].all()
    assert (crossed_levels(table, ["a", "c"])["pairs"] == 0).all()


def test_level_curves_draw_one_level_as_a_bar_and_leave_out_a_mean_without_an_interval():
    table = _table(np.random.default_rng(4), slope=1.0)
    # 'b' measured at 0.08 only, plus one stray run at 0.14 (no interval can be drawn over one run)
    stray = table[(table["name"] == "b") & (table["level"] == 0.14)].iloc[:1]
    table = pd.concat([table[(table["name"] == "a") | (table["level"] == 0.08)], stray])
    fig = viz.level_curves(level_summary(table, ["x"]), "x")
    ax = fig.axes[0]
    bars = ax.containers  # 'b': its one level as a point with an error bar; the stray 0.14 run is not drawn
    assert len(bars) == 1 and bars[0].get_label() == "b"
    assert bars[0].lines[0].get_xdata()[0] == pytest.approx(0.08, abs=0.005)
    a = [line for line in ax.lines if line.get_label() == "a"]
    assert list(a[0].get_xdata()) == [0.08, 0.11, 0.14]
    # the x axis spans the benchmark's levels even where only one was measured so far
    fig = viz.level_curves(level_summary(table[table["name"] == "b"], ["x"]), "x", levels=[0.08, 0.11, 0.14, 0.17])
    assert list(fig.axes[0].get_xticks()) == [0.08, 0.11, 0.14, 0.17]


def test_verdicts_read_each_interval_in_the_metrics_direction_and_only_where_the_design_is_crossed():
    table = _table(np.random.default_rng(5), slope=2.0).assign(error="")
    # 'b' ahead of 'a' at 0.11 and 0.14 (the slope), level with it at 0.08 but for a shift of its own
    table.loc[(table["name"] == "b") & (table["level"] == 0.08), "x"] -= 0.16
    table = table[~((table["name"] == "b") & (table["level"] == 0.14) & (table["base_style"] > "b1"))]
    d = level_differences(table, "x", against="a")
    design = crossed_levels(table, ["a", "b"])
    higher = verdicts(d, design).loc["b - a", "long_face"]
    assert higher.to_dict() == {0.08: "tie", 0.11: "better", 0.14: "not crossed"}  # 0.14: two portraits only
    lower = verdicts(d, design, lower_is_better=True).loc["b - a", "long_face"]
    assert lower.to_dict() == {0.08: "tie", 0.11: "worse", 0.14: "not crossed"}


@pytest.mark.parametrize("slope, trend", [(2.0, "grows"), (-2.0, "shrinks"), (0.0, "overlaps")])
def test_growth_compares_the_smallest_and_largest_gap_of_each_family(slope, trend):
    table = _table(np.random.default_rng(7), slope=slope)
    table = table[(table["family"] == "long_face") | (table["level"] == 0.08)]  # anime proportions: one level only
    per_family = growth(level_differences(table, "x", against="a").loc["b - a"])
    assert list(per_family.index) == ["long_face"]
    ends = per_family.loc["long_face"]
    assert (ends["from_level"], ends["to_level"], ends["trend"]) == (0.08, 0.14, trend)
    assert ends["to"] - ends["from"] == pytest.approx(slope * 0.06, abs=0.01)
    # a method's own curve, read with its metric: 'a' falls by 0.12 over the gaps, but each photograph and base
    # shifts all its runs alike (sd 0.1), so the two intervals overlap where the paired difference would not
    own = growth(level_summary(table, ["x"]).loc["a"], "x").loc["long_face"]
    assert own["to"] < own["from"] and own["trend"] == "overlaps"


def test_at_equal_displacement_pairs_each_run_with_the_spline_at_its_own_reach():
    table = _table(np.random.default_rng(6), slope=0.0).assign(error="")
    table["key"] = [f"k{i}" for i in range(len(table))]
    table["face_area_spread"], table["face_folded_%"] = 0.3, 0.0
    a = table[table["name"] == "a"]
    # the spline at a's reach stretches by 0.05 more than a's warp, except on one run it has no row for
    spline = pd.DataFrame({"spline_face_area_spread": 0.35, "spline_face_folded_%": 0.1},
                          index=pd.Index(a["key"].iloc[1:], name="key"))
    both = at_equal_displacement(table, spline, method="a", name="spline at a's reach")
    assert len(both) == len(table) + len(a) - 1 and "spline_face_area_spread" not in both
    assert both.loc[both["name"] == "spline at a's reach", "x"].isna().all()  # no other metric of a's run copied
    d = level_differences(both[both["name"] != "b"], "face_area_spread", against="a")
    assert d.loc["spline at a's reach - a", "difference"].to_numpy() == pytest.approx(0.05)
    # the run without a spline row (the table's first: long_face at 0.08) is left out of that level's pairs
    assert d.loc[("spline at a's reach - a", "long_face", 0.08), "n"] == 23
    assert d.loc[("spline at a's reach - a", "long_face", 0.11), "n"] == 24
