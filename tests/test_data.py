import pytest

from survey_lib import data


def test_catalogue_files_exist_with_licence():
    entries = data.list_images()
    assert entries, "empty catalogue"
    for e in entries:
        assert data.path(e.name).is_file(), e.name
        assert e.licence and e.source.get("package"), e.name
        assert e.role in ("content", "style")


def test_filters_and_unknown_name():
    assert {e.role for e in data.list_images(role="content")} == {"content"}
    with pytest.raises(KeyError, match="known names"):
        data.get("nobody")
