"""The run browser and its thumbnails: written from the store, read back at 128 px, pairs sorted worst first."""
import io

import pytest
from PIL import Image

from survey_lib.evaluation.evaluate import evaluate
from survey_lib.evaluation.thumbnails import load_thumbnail, thumbnail_path, write_thumbnails
from survey_lib.run_browser import PLANS, RunBrowser


def test_thumbnails_are_written_once_from_the_store_and_read_back_small(tmp_path):
    store = str(tmp_path / "s.sqlite")
    runs = evaluate(["ghiasi", "fastdst"], [("astronaut", "mona_lisa"), ("astronaut", "eileen_sprite")],
                    profile="smoke", store=store, show_progress=False)
    table = runs.table
    table.to_csv(tmp_path / "tiny.csv", index=False)
    produced = table[table["error"] == ""]
    assert len(produced) == 3  # fastdst finds no face on eileen_sprite: no output, no thumbnail
    assert write_thumbnails("tiny", store=store, folder=tmp_path) == (3, 0)
    assert write_thumbnails("tiny", store=store, folder=tmp_path) == (0, 0)  # kept, not written again
    picture = load_thumbnail("tiny", produced["key"].iloc[0], folder=tmp_path)
    assert picture.shape == (1, 3, 128, 128)
    assert load_thumbnail("tiny", table.loc[table["error"] != "", "key"].iloc[0], folder=tmp_path) is None
    thumbnail_path("tiny", produced["key"].iloc[1], tmp_path).unlink()
    assert write_thumbnails("tiny", store=str(tmp_path / "empty.sqlite"), folder=tmp_path) == (0, 1)


def test_the_browser_sorts_the_benchmark_s_pairs_worst_first_and_shows_every_run():
    view = RunBrowser()
    pairs = view.pairs("geometry", metric="shape_progress", method="dst")
    measured = pairs["metric"].dropna()
    assert len(measured) >= 2 and measured.is_monotonic_increasing and pairs["metric"].iloc[0] == measured.min()
    worst = pairs.iloc[0]
    rows = view.rows("geometry", worst["content"], worst["style"])
    panels = view.panels("geometry", worst["content"], worst["style"])
    assert [title for title, _ in panels[2:]] == list(rows["name"])  # content, style, then every run of the pair
    sizes = {Image.open(io.BytesIO(png)).size for _, png in panels if png is not None}
    # every run that produced an output has its committed thumbnail (a run that failed has none)
    assert sizes == {(128, 128)} and [png is not None for _, png in panels[2:]] == list(rows["error"] == "")


@pytest.mark.parametrize("plan", PLANS)
def test_every_committed_run_that_made_an_output_has_its_thumbnail_and_no_thumbnail_is_left_over(plan):
    table = RunBrowser().table(plan)
    made = table.loc[table["error"] == "", "key"]
    missing = [key for key in made if not thumbnail_path(plan, key).is_file()]
    assert not missing, f"{len(missing)} of {len(made)} runs of {plan} have no thumbnail (evaluate --thumbnails)"
    committed = {path.stem for path in thumbnail_path(plan, "x").parent.glob("*.webp")}
    assert committed == {key[:16] for key in made}  # none for a failed run or a run no longer in the table


def test_a_run_that_made_nothing_gives_its_reason_in_a_few_words_in_the_row():
    view = RunBrowser()
    table = view.table("geometry")
    failed = table[table["error"] != ""].iloc[0]
    rows = view.rows("geometry", failed["content"], failed["style"])
    reason = rows.loc[rows["name"] == failed["name"], "error"].iloc[0]
    # the committed error names the image and the method to use instead; the row keeps only what went wrong
    assert "found no face" in reason and failed["style"] in failed["error"] and failed["style"] not in reason
    assert ";" not in reason and len(reason) < len(failed["error"]) / 2
    assert (rows.loc[rows["name"] != failed["name"], "error"].isin(["", reason])).all()


def test_the_widgets_open_on_the_worst_pair_and_keep_the_method_across_plans():
    from survey_lib.run_browser import BrowserWidgets

    view = RunBrowser()
    box = BrowserWidgets(view, "geometry", "shape_progress", "dst")
    worst = view.pairs("geometry", metric="shape_progress", method="dst").iloc[0]
    assert box.pair.value == (worst["content"], worst["style"])
    assert len(box.images.children) == 2 + len(view.rows("geometry", *box.pair.value))
    box.plan.value = "finding1"
    assert box.method.value == "dst" and box.metric.value == "landmark_progress"  # finding1 has no shape column
    assert box.pair.value == tuple(view.pairs("finding1", metric="landmark_progress", method="dst").iloc[0][
        ["content", "style"]])


def test_the_benchmark_over_its_levels_shows_each_built_style_and_why_a_run_made_nothing():
    view = RunBrowser()
    table = view.table("geometry")
    runs = table[(table["content"] == "grace_hopper") & (table["name"] == "foa_fast")
                 & (table["base_style"] == "bronte_richmond")]
    rows, columns = view.level_rows("grace_hopper", "bronte_richmond", "foa_fast")
    assert columns == [f"gap {v:.2f}" for v in sorted(runs["level"].unique())]
    assert len(rows) == 2 * runs["family"].nunique()  # per family: the styles, then the outputs
    for styles, outputs, (family, runs_f) in zip(rows[::2], rows[1::2], runs.groupby("family")):
        assert family in styles["label"]
        failed = {f"gap {r.level:.2f}" for r in runs_f.itertuples() if r.error}
        assert set(outputs["notes"]) == failed and all("no face" in outputs["notes"][c] for c in failed)
        for column in styles["points"]:
            assert styles[column].shape == outputs[column].shape == (1, 3, 128, 128)
            for points, _ in styles["points"][column] + outputs["points"][column]:
                inside = points[points.isfinite().all(1)]  # a carried landmark the warp did not reach is NaN
                assert points.shape == (68, 2) and len(inside) >= 60
                assert 0 <= float(inside.min()) and float(inside.max()) <= 128


def test_the_levels_of_several_methods_share_one_row_of_styles_per_family():
    view = RunBrowser()
    rows, columns = view.level_rows("grace_hopper", "bronte_richmond", ["foa_fast", "ghiasi"])
    one, _ = view.level_rows("grace_hopper", "bronte_richmond", "foa_fast")
    families = len(one) // 2
    assert len(rows) == 3 * families  # per family: the styles, foa_fast's outputs, ghiasi's
    assert [r["label"].split("\n")[0] for r in rows[1:3]] == ["foa_fast", "ghiasi"]
    assert rows[1]["notes"] == one[1]["notes"]  # foa_fast's row as it is alone
    assert set(c for c in columns if c in rows[2]) <= set(columns) and any(c in rows[2] for c in columns)
