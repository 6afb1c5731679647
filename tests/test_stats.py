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
