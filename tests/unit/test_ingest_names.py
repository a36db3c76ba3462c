"""Which documents `python -m app ingest PATHS...` makes of its arguments, and what it names them."""

from pathlib import Path

from app.cli.workspace_commands import _expand


def _names(*paths: Path) -> list[str]:
    return [name for _, name in _expand([str(path) for path in paths])]


def _tree(root: Path) -> Path:
    for relative, text in {
        "docs/a/policy.txt": "holiday",
        "docs/b/policy.txt": "vacation",
        "docs/a/deep/copy.txt": "vacation",
        "docs/a/.hidden/secret.txt": "x",
    }.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    return root / "docs"


def test_one_folder_names_its_files_by_their_path_inside_it(tmp_path: Path) -> None:
    docs = _tree(tmp_path)
    assert _names(docs / "a") == ["deep/copy.txt", "policy.txt"]


def test_two_folders_holding_one_file_name_give_two_documents_named_apart(tmp_path: Path) -> None:
    docs = _tree(tmp_path)
    assert _names(docs / "b", docs / "a") == ["b/policy.txt", "a/deep/copy.txt", "a/policy.txt"]


def test_two_files_of_one_name_in_two_folders_are_named_by_their_folders(tmp_path: Path) -> None:
    docs = _tree(tmp_path)
    assert _names(docs / "a" / "policy.txt", docs / "b" / "policy.txt") == ["a/policy.txt", "b/policy.txt"]


def test_a_file_given_alone_is_named_by_its_name(tmp_path: Path) -> None:
    docs = _tree(tmp_path)
    assert _names(docs / "a" / "deep" / "copy.txt") == ["copy.txt"]


def test_a_file_given_twice_or_inside_a_given_folder_is_one_document(tmp_path: Path) -> None:
    docs = _tree(tmp_path)
    assert _names(docs / "a", docs / "a" / "policy.txt", docs / "a") == ["deep/copy.txt", "policy.txt"]


def test_a_broken_link_in_a_folder_is_listed_so_that_reading_it_reports_it(tmp_path: Path) -> None:
    docs = _tree(tmp_path)
    (docs / "a" / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    assert _names(docs / "a") == ["deep/copy.txt", "gone.txt", "policy.txt"]
