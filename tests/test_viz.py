"""Figure helpers draw what their data say."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from survey_lib import viz  # noqa: E402


def test_pair_lines_draws_each_pair_and_their_mean():
    table = pd.DataFrame({"method": ["dst"] * 4 + ["fastdst"] * 4, "pair": ["a", "a", "b", "b"] * 2,
                          "beta": [0.5, 2.0] * 4, "progress": [0.1, 0.3, 0.3, 0.5, 0.6, 0.8, 0.4, 0.6]})
    fig, ax = plt.subplots()
    viz.pair_lines(ax, table, x="beta", y="progress", colors={"dst": "tab:green"}, label="{} mean")
    assert len(ax.lines) == 6  # two pairs + one mean per method
    means = {line.get_label(): line.get_ydata().tolist() for line in ax.lines if line.get_label().endswith("mean")}
    assert np.allclose(means["dst mean"], [0.2, 0.4]) and np.allclose(means["fastdst mean"], [0.5, 0.7])
    assert all(line.get_color() == "tab:green" for line in ax.lines[:3])
    plt.close(fig)


def test_ci_cells_writes_mean_and_interval_and_dashes_what_was_not_measured():
    summary = pd.DataFrame({"m": [0.5, float("nan")], "m_lo": [0.4, float("nan")], "m_hi": [0.6, float("nan")],
                            "m_n": [10, 0]}, index=["fastdst", "nst"])
    cells = viz.ci_cells(summary, ["m"], digits=2)
    assert cells.loc["fastdst", "m"] == "0.50 [0.40, 0.60]" and cells.loc["nst", "m"] == "-"
    assert cells["n"].tolist() == [10, 0]


def test_ci_cells_names_the_sample_of_a_metric_measured_on_fewer_items_than_its_row():
    # re-detection measured on 4 of 6 pairs (dlib lost 2 faces): the row's n is 6, the cell must not claim it
    summary = pd.DataFrame({"warp": [0.6], "warp_lo": [0.5], "warp_hi": [0.7], "warp_n": [6],
                            "redetected": [0.2], "redetected_lo": [0.0], "redetected_hi": [0.4], "redetected_n": [4]},
                           index=["oneshot_foa"])
    cells = viz.ci_cells(summary, ["warp", "redetected"], digits=1)
    assert cells.loc["oneshot_foa", "n"] == 6 and cells.loc["oneshot_foa", "warp"] == "0.6 [0.5, 0.7]"
    assert cells.loc["oneshot_foa", "redetected"] == "0.2 [0.0, 0.4] (n=4)"


def test_ci_cells_write_a_single_item_as_its_value_without_an_interval():
    summary = pd.DataFrame({"m": [0.42, 0.5], "m_lo": [float("nan"), 0.4], "m_hi": [float("nan"), 0.6],
                            "m_n": [1, 1]}, index=["one run", "other"])
    cells = viz.ci_cells(summary, ["m"], digits=2)
    assert cells.loc["one run", "m"] == "0.42" and "nan" not in cells.to_string()


def test_ci_bars_label_the_range_of_runs_where_metrics_were_measured_on_different_numbers():
    summary = pd.DataFrame({"warp": [0.6, 0.1], "warp_lo": [0.5, 0.0], "warp_hi": [0.7, 0.2], "warp_n": [6, 6],
                            "redetected": [0.2, float("nan")], "redetected_lo": [0.0, float("nan")],
                            "redetected_hi": [0.4, float("nan")], "redetected_n": [3, 0]}, index=["spline", "nst"])
    fig = viz.ci_bars(summary, {"warp": "warp", "re-detection": "redetected"})
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels == ["spline\n(n=3-6)", "nst\n(n=6)"]
    plt.close(fig)


def test_difference_cells_sign_each_difference_and_say_how_many_pairs():
    d = pd.DataFrame({"difference": [0.12, -0.3, float("nan"), 0.4], "lo": [0.044, -0.5, float("nan"), float("nan")],
                      "hi": [0.199, -0.1, float("nan"), float("nan")], "n": [7, 9, 0, 1]}, index=list("abcd"))
    cells = viz.difference_cells(d)
    assert cells.to_dict() == {"a": "+0.120 [+0.044, +0.199] (n=7)", "b": "-0.300 [-0.500, -0.100] (n=9)",
                               "c": "-", "d": "+0.400 (n=1)"}


def test_budget_panels_draw_three_trajectories_with_the_short_budgets_end_and_nsts_loss_share():
    steps = pd.DataFrame([{"method": m, "pair": p, "step": s, "own_target_progress": s / 450,
                           "warp_progress": (1 if m == "fastdst" else -1) * s / 450, "folded_%": 0.0}
                          for m in ("dst", "fastdst") for p in ("a", "b") for s in range(0, 460, 10)])
    nst = pd.DataFrame([{"method": "nst", "pair": p, "step": s, "loss_share": min(1.0, s / 80)}
                        for p in ("a", "b") for s in range(450)])  # logged before each of 450 updates
    ends = pd.DataFrame({"own_target_progress": [0.3, 0.6], "warp_progress": [-0.2, 0.5], "folded_%": [0.0, 0.0]},
                        index=["dst", "fastdst"])
    fig = viz.budget_panels(steps, nst, ends, colors={"dst": "tab:green", "fastdst": "tab:red"}, title="t")
    assert len(fig.axes) == 4
    dashed = [line for line in fig.axes[1].lines if line.get_linestyle() == "--"]
    assert sorted(line.get_ydata()[0] for line in dashed) == [-0.2, 0.5]  # where the default budget ended
    assert fig.axes[0].get_xlabel() == "step (3 scales x 150)" and "450 steps" in fig.axes[3].get_ylabel()


def test_budget_level_curves_give_each_gap_a_panel_with_its_own_default_ends():
    steps = pd.DataFrame([{"method": m, "content": c, "level": g, "step": s,
                           "shape_progress": (1 if m == "fastdst" else -1) * g * s / 450}
                          for m in ("dst", "fastdst") for c in ("a", "b") for g in (0.11, 0.17)
                          for s in range(10, 460, 10)])
    ends = pd.DataFrame({"shape_progress": [0.01, 0.02, 0.3, 0.4]},
                        index=pd.MultiIndex.from_product([["dst", "fastdst"], [0.11, 0.17]], names=["name", "level"]))
    fig = viz.budget_level_curves(steps, ends, "shape_progress", colors={"dst": "tab:green", "fastdst": "tab:red"})
    assert [ax.get_title() for ax in fig.axes] == ["shape gap 0.11", "shape gap 0.17"]
    for ax, expected in zip(fig.axes, ([0.01, 0.3], [0.02, 0.4])):
        dashed = [line.get_ydata()[0] for line in ax.lines if line.get_linestyle() == "--"]
        assert sorted(dashed) == expected  # each panel: the default profile's ends at its own gap
    means = [line for line in fig.axes[1].lines if line.get_linewidth() == 2]
    assert sorted(line.get_ydata()[-1] for line in means) == pytest.approx([-0.17, 0.17])


def test_beta_panels_put_beta_on_a_log_axis_with_the_published_value_and_trace_the_chosen_betas():
    rows, steps = [], []
    for m in ("dst", "fastdst"):
        for p in ("a", "b"):
            for b in (0.5, 2.0, 8.0):
                rows.append({"method": m, "pair": p, "beta": b, "own_target_progress": b / 10, "warp_progress": 0.1,
                             "folded_%": 0.0})
                steps += [{"method": m, "pair": p, "beta": b, "step": s, "own_target_progress": s / 45 * b / 10}
                          for s in range(1, 46)]
    fig = viz.beta_panels(pd.DataFrame(rows), pd.DataFrame(steps), colors={"dst": "tab:green", "fastdst": "tab:red"})
    assert fig.axes[0].get_xscale() == "log" and list(fig.axes[0].get_xticks()) == [0.5, 2.0, 8.0]
    assert "published: 0.5" in fig.axes[0].get_xlabel()
    labels = fig.axes[3].get_legend_handles_labels()[1]
    assert labels == ["dst, β = 0.5", "fastdst, β = 0.5", "dst, β = 8", "fastdst, β = 8"]


def test_save_table_takes_a_dataframe_as_it_takes_rows(tmp_path):
    table = pd.DataFrame({"method": ["nst", "dst"], "progress": [0.1, -0.25]})
    viz.save_table(table, "frame", tmp_path, caption="c")
    viz.save_table(table.to_dict("records"), "rows", tmp_path, caption="c")
    assert (tmp_path / "frame.csv").read_text() == (tmp_path / "rows.csv").read_text()
    assert (tmp_path / "frame.md").read_text() == (tmp_path / "rows.md").read_text()
    assert pd.read_csv(tmp_path / "frame.csv").equals(table)


def test_exemplar_spread_figure_draws_each_drawing_and_each_end_around_the_average():
    import matplotlib.pyplot as plt

    from survey_lib.viz import exemplar_spread_figure

    face = torch.stack([torch.linspace(40, 80, 68), torch.linspace(40, 90, 68)], 1)
    image = torch.rand(1, 3, 128, 128)
    ends = {"a": face + 1, "b": face - 1, "common": face}
    fig = exemplar_spread_figure({"a": (image, face), "b": (image, face)}, ends, face, image, common="common",
                                 face_name="obama", zoom=4)
    moved, spread = fig.axes[2], fig.axes[3]
    assert [ax.get_title() for ax in fig.axes[:2]] == ["a", "b"]
    assert "obama" in moved.get_title() and "x4" in spread.get_title()
    # the two drawings' ends sit 4 x 1 px either side of the average; the common end on it
    offsets = sorted(float(c.get_offsets()[0][0] - face[0, 0]) for c in spread.collections)
    assert offsets == pytest.approx([-4.0, 0.0, 4.0])
    plt.close(fig)


def test_targets_figure_aligns_each_exemplar_to_the_common_shape_and_resizes_from_the_file_frame():
    import matplotlib.pyplot as plt

    from survey_lib.viz import targets_figure

    common = 100 + 200 * torch.rand(68, 2, generator=torch.Generator().manual_seed(0))
    shifted = common * 0.5 + 30  # a similarity away from the common shape
    image = torch.rand(1, 3, 64, 64)
    fig = targets_figure(image, image, [shifted], common, {"out": (image, common / 8)}, frame=(512, 512))
    style_ax = fig.axes[1]
    white, red = (np.asarray(c.get_offsets()) for c in style_ax.collections)
    assert white == pytest.approx(red, abs=1e-3)  # aligned, it lies on the common shape
    assert float(red[:, 0].max()) < 64  # drawn in the 64-px image, not the 512-px file frame
    assert [ax.get_title() for ax in fig.axes] == ["content", "style", "out"]
    plt.close(fig)
