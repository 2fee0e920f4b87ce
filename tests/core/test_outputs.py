"""New output folders: refused when taken, renamed into place only when complete."""

from __future__ import annotations

import pytest

from planning_lib.core.outputs import OutputExistsError, check_new_folder, new_folder


def test_success_renames_the_temporary_folder_into_place(tmp_path):
    out = tmp_path / "run" / "out"
    with new_folder(out) as tmp:
        assert tmp.parent == out.parent and tmp != out
        (tmp / "a.csv").write_text("x\n", encoding="utf-8")
        assert not out.exists()  # nothing visible until the block ends
    assert (out / "a.csv").read_text(encoding="utf-8") == "x\n"
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"]


def test_an_empty_existing_folder_is_used(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with new_folder(out) as tmp:
        (tmp / "b.json").write_text("{}", encoding="utf-8")
    assert [p.name for p in out.iterdir()] == ["b.json"]


def test_failure_leaves_nothing_behind(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="boom"), new_folder(out) as tmp:
        (tmp / "half.csv").write_text("1\n", encoding="utf-8")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_a_non_empty_folder_is_refused_and_kept(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "earlier.csv").write_text("keep\n", encoding="utf-8")
    with pytest.raises(OutputExistsError, match="exists and is not empty"):
        check_new_folder(out)
    with pytest.raises(OutputExistsError), new_folder(out):
        pass
    assert (out / "earlier.csv").read_text(encoding="utf-8") == "keep\n"


def test_a_folder_filled_meanwhile_is_not_overwritten(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(OutputExistsError), new_folder(out) as tmp:
        (tmp / "mine.csv").write_text("new\n", encoding="utf-8")
        out.mkdir()
        (out / "theirs.csv").write_text("other run\n", encoding="utf-8")
    assert [p.name for p in out.iterdir()] == ["theirs.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
