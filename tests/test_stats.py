"""Means with seeded bootstrap intervals, paired differences and per-group summaries (survey_lib.evaluation.stats)."""
import math

import numpy as np
import pandas as pd
import pytest

from survey_lib.evaluation import stats


def test_bootstrap_ci_covers_the_mean_with_the_textbook_width():
    x = np.random.default_rng(1).normal(1.0, 1.0, size=400)
    mean, lo, hi = stats.bootstrap_ci(x)
    assert lo < 1.0 < hi and mean == pytest.approx(x.mean())
    assert hi - lo == pytest.approx(2 * 1.96 * x.std() / np.sqrt(len(x)), rel=0.15)
    assert stats.bootstrap_ci([2.0, 2.0, 2.0]) == (2.0, 2.0, 2.0)
    assert stats.bootstrap_ci(x) == stats.bootstrap_ci(x)  # seeded
    m, lo1, hi1 = stats.bootstrap_ci([3.0, float("nan")])
    assert m == 3.0 and math.isnan(lo1) and math.isnan(hi1)


def test_paired_difference_sees_a_shift_that_unpaired_spread_hides():
    rng = np.random.default_rng(2)
    base = rng.normal(0, 5, size=30)  # large spread between pairs
    a, b = base + 0.5 + rng.normal(0, 0.1, 30), base
    mean, lo, hi = stats.paired_difference_ci(a, b)
    assert 0.4 < lo < mean < hi < 0.6
    _, lo_a, hi_a = stats.bootstrap_ci(a)
    _, lo_b, hi_b = stats.bootstrap_ci(b)
    assert lo_a < hi_b and lo_b < hi_a  # the unpaired intervals overlap
    with pytest.raises(ValueError, match="same length"):
        stats.paired_difference_ci([1, 2], [1])


def test_summarise_groups_means_and_intervals():
    table = pd.DataFrame({"method": ["a"] * 3 + ["b"] * 3, "x": [1.0, 2.0, 3.0, 5.0, 5.0, float("nan")]})
    s = stats.summarise(table, ["x"])
    assert s.loc["a", "x"] == 2.0 and s.loc["a", "x_lo"] >= 1.0 and s.loc["a", "x_hi"] <= 3.0
    assert s.loc["b", "x"] == 5.0 and s.loc["b", "x_n"] == 2


def test_paired_differences_pair_items_and_skip_the_unmeasured():
    rows = []
    for i in range(12):
        base = 10.0 * (i % 4)  # a spread between pairs far larger than the shift
        rows += [{"method": "nst", "content": f"c{i}", "style": "s", "seed": 0, "m": base},
                 {"method": "fastdst", "content": f"c{i}", "style": "s", "seed": 0, "m": base + 0.5},
                 {"method": "dst", "content": f"c{i}", "style": "s", "seed": 0, "m": base - 1 if i < 6 else np.nan}]
    out = stats.paired_differences(pd.DataFrame(rows), "m", against="nst")
    assert list(out.index) == ["fastdst - nst", "dst - nst"]
    assert out.loc["fastdst - nst", "difference"] == pytest.approx(0.5) and out.loc["fastdst - nst", "lo"] > 0.49
    assert out.loc["dst - nst", "n"] == 6 and out.loc["dst - nst", "difference"] == pytest.approx(-1)

    # a method that measured nothing (e.g. it failed on every style of a level) compares over no items
    unmeasured = pd.DataFrame(rows).assign(m=lambda t: t["m"].where(t["method"] != "dst"))
    out = stats.paired_differences(unmeasured, "m", against="nst")
    assert out.loc["dst - nst", "n"] == 0 and np.isnan(out.loc["dst - nst", "difference"])
    assert out.loc["fastdst - nst", "n"] == 12


def _crossed(rng, *, contents=5, styles=7, sd_content=1.0, sd_style=1.0, sd_noise=0.5, mean=0.0):
    """A crossed design with random effects: ``mean + a_content + b_style + noise`` per pair."""
    a, b = rng.normal(0, sd_content, contents), rng.normal(0, sd_style, styles)
    return pd.DataFrame([{"content": f"c{i}", "style": f"s{j}", "seed": 0,
                          "x": mean + a[i] + b[j] + rng.normal(0, sd_noise)}
                         for i in range(contents) for j in range(styles)])


def test_crossed_bootstrap_covers_where_pairs_taken_as_independent_do_not():
    # 5 photographs x 7 portraits, as Finding 1: the mean's spread is mostly between photographs and between
    # portraits (sd 0.59 here), which a bootstrap over the 35 pairs does not see (it estimates about 0.25)
    rng = np.random.default_rng(3)
    crossed = pair = 0
    trials = 200
    for _ in range(trials):
        table = _crossed(rng)
        _, lo, hi = stats.crossed_bootstrap_ci(table, "x", n_boot=1000, seed=int(rng.integers(1 << 30)))
        crossed += lo <= 0 <= hi
        _, lo, hi = stats.bootstrap_ci(table["x"], n_boot=1000, seed=int(rng.integers(1 << 30)))
        pair += lo <= 0 <= hi
    # nominal 95 %; with 5 and 7 clusters the percentile interval is somewhat short, so allow down to 85 %, while
    # the independent-pairs interval (half as wide as it should be) covers about 60 %
    assert crossed / trials >= 0.85
    assert pair / trials <= 0.75


def test_crossed_bootstrap_with_a_style_effect_only_is_the_bootstrap_over_styles():
    styles = np.array([0.0, 1.0, 3.0, -2.0, 0.5, 2.0, -1.0])
    table = pd.DataFrame([{"content": f"c{i}", "style": f"s{j}", "x": v} for i in range(5)
                          for j, v in enumerate(styles)])
    mean, lo, hi = stats.crossed_bootstrap_ci(table, "x")
    _, lo_s, hi_s = stats.bootstrap_ci(styles)  # resampling photographs changes nothing here
    assert mean == pytest.approx(styles.mean())
    assert hi - lo == pytest.approx(hi_s - lo_s, rel=0.1)
    _, lo_p, hi_p = stats.bootstrap_ci(table["x"])
    assert hi_p - lo_p < 0.6 * (hi - lo)  # 35 pairs as if independent: about sqrt(5) too narrow


def test_crossed_bootstrap_averages_seeds_per_cell_and_leaves_out_unmeasured_cells():
    table = pd.DataFrame({"content": ["a", "a", "a", "b", "b"], "style": ["p", "p", "q", "p", "q"],
                          "x": [1.0, 3.0, 10.0, 4.0, float("nan")]})
    mean, lo, hi = stats.crossed_bootstrap_ci(table, "x")
    assert mean == pytest.approx((2.0 + 10.0 + 4.0) / 3)  # cells a/p (two seeds: 2), a/q, b/p; b/q not measured
    assert lo < mean < hi and stats.crossed_bootstrap_ci(table, "x") == (mean, lo, hi)  # seeded
    one = table[table["content"] == "a"]
    m1, lo1, hi1 = stats.crossed_bootstrap_ci(one, "x")  # one photograph: no spread between photographs to see
    assert m1 == pytest.approx(6.0) and math.isnan(lo1) and math.isnan(hi1)


def test_paired_differences_and_summarise_take_the_crossed_design():
    rng = np.random.default_rng(4)
    nst = _crossed(rng, sd_content=2.0, sd_style=2.0, sd_noise=0.1).assign(method="nst")
    dst = nst.assign(method="dst", x=nst["x"] + 0.5 + rng.normal(0, 0.2, len(nst)))
    table = pd.concat([nst, dst], ignore_index=True)
    crossed = stats.paired_differences(table, "x", against="nst", clusters=("content", "style"))
    pairs = stats.paired_differences(table, "x", against="nst")
    assert crossed.loc["dst - nst", "lo"] > 0 and crossed.loc["dst - nst", "n"] == 35
    assert crossed.loc["dst - nst", "difference"] == pytest.approx(pairs.loc["dst - nst", "difference"])
    s = stats.summarise(table, ["x"], clusters=("content", "style"))
    s_pairs = stats.summarise(table, ["x"])
    assert (s["x_hi"] - s["x_lo"] > 2 * (s_pairs["x_hi"] - s_pairs["x_lo"])).all()  # big photo/portrait effects
    with pytest.raises(ValueError, match="clusters must"):
        stats.summarise(table, ["x"], clusters=("content", "painter"))
    with pytest.raises(ValueError, match="clusters must"):
        stats.paired_differences(table, "x", against="nst", clusters=("content", "painter"))


def test_paired_difference_ci_of_two_series_takes_the_crossed_design():
    rng = np.random.default_rng(5)
    a = _crossed(rng, sd_content=0.5, sd_style=0.5, sd_noise=0.05).set_index(["content", "style"])["x"]
    shift = pd.Series(rng.normal(0.3, 0.4, len(a)), index=a.index)  # the difference varies from pair to pair...
    b = a - shift - np.repeat(rng.normal(0, 0.4, 5), 7)  # ...and with the photograph, shared by its 7 pairs
    mean, lo, hi = stats.paired_difference_ci(a, b, clusters=("content", "style"))
    _, lo_pairs, hi_pairs = stats.paired_difference_ci(a.to_numpy(), b.to_numpy())
    assert mean == pytest.approx(float((a - b).mean()))
    assert hi - lo > 1.5 * (hi_pairs - lo_pairs)  # a photograph's shared shift is one draw, not seven
    with pytest.raises(ValueError, match="same index"):
        stats.paired_difference_ci(a, b.iloc[::-1], clusters=("content", "style"))
