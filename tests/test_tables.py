"""Reading tables of runs: settings as typed columns and the names figures give runs (survey_lib.evaluation.tables)."""
import pandas as pd
import pytest

from survey_lib.evaluation.tables import run_names, settings, tidy, with_settings


@pytest.fixture
def table():
    return pd.DataFrame({
        "method": ["adain", "adain", "dst", "oneshot_foa", "oneshot_foa"],
        "label": ["adain (project decoder)", "adain (optimised decoding)", "dst", "oneshot_foa", "oneshot_foa"],
        "settings": ["{}", '{"decoder": "optimised"}', '{"warp_weight": 2}', '{"keypoints": "even"}', "{}"]})


def test_settings_are_typed_columns_with_none_where_a_run_kept_the_default(table):
    s = settings(table)
    assert list(s.columns) == ["decoder", "warp_weight", "keypoints"]
    assert s["warp_weight"].tolist() == [None, None, 2, None, None] and isinstance(s["warp_weight"][2], int)
    assert s["decoder"][1] == "optimised" and s["keypoints"][3] == "even"


def test_run_names_use_the_label_where_a_setting_changed_and_name_the_landmark_half(table):
    assert run_names(table).tolist() == ["adain", "adain (optimised decoding)", "dst", "oneshot_foa", "oneshot_foa"]
    assert run_names(table, halves=True).tolist()[3:] == ["oneshot_foa (even half)", "oneshot_foa"]


def test_a_setting_named_like_a_column_is_refused(table):
    assert with_settings(table)["warp_weight"][2] == 2
    clashing = table.assign(settings=['{"method": "x"}'] * len(table))
    with pytest.raises(ValueError, match="method"):
        with_settings(clashing)


def test_tidy_puts_the_settings_where_their_json_was(table):
    tidy_ = tidy(table.assign(seed=0)[["method", "label", "settings", "seed"]])
    assert list(tidy_.columns) == ["method", "label", "decoder", "warp_weight", "keypoints", "seed"]
    assert tidy_["keypoints"].tolist() == [None, None, None, "even", None]


def test_run_names_when_no_run_changed_a_setting(table):
    plain = table.assign(settings="{}")
    assert run_names(plain).tolist() == plain["method"].tolist()
    assert tidy(plain).columns.tolist() == ["method", "label"]


def test_change_at_end_reads_each_runs_last_recorded_steps_whatever_the_row_order():
    from survey_lib.evaluation.tables import change_at_end

    steps = pd.DataFrame({"method": "dst", "pair": ["a"] * 8 + ["b"] * 8, "step": list(range(0, 80, 10)) * 2,
                          "warp_progress": [0, 1, 2, 3, 4, 5, 6, 7] + [0, -1, -2, -3, -3, -3, -3, -3]})
    change = change_at_end(steps.sample(frac=1, random_state=0), "warp_progress", last=5)
    assert change.to_dict() == {("dst", "a"): 5, ("dst", "b"): -1}  # b settled two steps before its end


def test_loss_share_counts_the_best_loss_so_far_from_start_to_lowest():
    from survey_lib.evaluation.tables import loss_share

    steps = pd.DataFrame({"pair": ["a"] * 5, "loss": [10.0, 6.0, 8.0, 2.0, 3.0]})  # not monotone, as L-BFGS's
    assert loss_share(steps).tolist() == [0.0, 0.5, 0.5, 1.0, 1.0]


def test_timing_cells_write_median_and_quartiles_and_the_survey_beside_them():
    from survey_lib.evaluation.tables import timing_cells, timing_summary

    runs = pd.DataFrame({"name": ["nst"] * 3 + ["ghiasi"] * 3, "error": "", "steps": [80] * 3 + [0] * 3,
                         "matching_s": 0.0, "optimisation_s": [28.0, 30.1, 28.2, 0.1, 0.12, 0.11],
                         "total_s": [28.0, 30.1, 28.2, 0.1, 0.12, 0.11]})
    cells = timing_cells(timing_summary(runs), {"nst": (450, 0, 24)}).set_index("method")
    assert cells.loc["nst", "total_s"] == "28.2 [28.1, 29.1]" and cells.loc["nst", "repeats"] == 3
    assert cells.loc["ghiasi", "s_per_step"] == "-"  # a forward pass has no steps
    assert cells.loc["nst", ["survey_K80_steps", "survey_K80_s"]].tolist() == [450, "24"]
    assert cells.loc["ghiasi", "survey_K80_s"] == "-"


def test_with_pair_name_names_each_row_by_its_content_and_style_and_leaves_the_table_alone():
    import pandas as pd

    from survey_lib.evaluation.tables import with_pair_name

    table = pd.DataFrame({"content": ["obama", "mlk"], "style": ["mona_lisa", "sylvie_blue"]})
    named = with_pair_name(table)
    assert named["pair"].tolist() == ["obama / mona_lisa", "mlk / sylvie_blue"] and "pair" not in table


def test_seed_spread_is_the_median_gap_between_two_seeds_of_the_same_pair_per_method():
    from survey_lib.evaluation.tables import seed_spread

    rows = []
    for i, gap in enumerate([0.01, 0.02, 0.30]):  # three pairs; the third seed-1 run of "b" did not finish
        for seed in (0, 1):
            rows.append({"method": "a", "content": f"c{i}", "style": "s", "seed": seed, "x": i + seed * gap})
            if not (i == 2 and seed == 1):
                rows.append({"method": "b", "content": f"c{i}", "style": "s", "seed": seed, "x": -seed * 2 * gap})
    spread = seed_spread(pd.DataFrame(rows), ["x"])
    assert spread.loc["a", "|seed 0 - seed 1| x"] == pytest.approx(0.02)  # the median, not the mean (0.11)
    assert spread.loc["b", "|seed 0 - seed 1| x"] == pytest.approx(0.03)  # over its two pairs with both seeds
    assert spread["pairs"].to_dict() == {"a": 3, "b": 2}


def test_beside_budget_puts_each_long_run_beside_the_same_pair_at_the_short_budget():
    from survey_lib.evaluation.tables import beside_budget

    short = pd.DataFrame({"method": ["dst", "dst", "fastdst"], "content": ["a", "b", "a"], "style": "s",
                          "shape_progress": [0.3, 0.1, 0.5], "identity_distance": [0.5, 0.4, 0.55]})
    long = pd.DataFrame({"method": ["fastdst", "dst"], "content": "a", "style": "s",  # another order, a subset
                         "shape_progress": [0.7, 0.2], "identity_distance": [0.6, 0.7]})
    side = beside_budget(long, short, ["shape_progress", "identity_distance"], names=("default", "450"))
    assert side.loc[("dst", "a", "s"), "shape_progress"].tolist() == pytest.approx([0.3, 0.2, -0.1])
    assert side.loc[("fastdst", "a", "s"), ("identity_distance", "change")] == pytest.approx(0.05)
    assert len(side) == 2  # pair b ran only at the short budget: nothing to compare it with
    with pytest.raises(ValueError, match="'content': 'c'"):
        beside_budget(long.assign(content="c"), short, ["shape_progress"])
    with pytest.raises(ValueError, match="shorter budget holds .*'method': 'dst'.* more than once"):
        beside_budget(long, pd.concat([short, short.iloc[:1]]), ["shape_progress"])
