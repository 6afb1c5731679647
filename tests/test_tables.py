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
