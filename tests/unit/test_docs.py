"""The README documents every setting the code reads."""

from pathlib import Path

from pydantic import AliasChoices

from app.config import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_every_setting_is_in_the_readme_configuration_table() -> None:
    missing = []
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        names = alias.choices if isinstance(alias, AliasChoices) else [alias]
        missing += [name for name in names if f"`{name}`" not in README]
    assert missing == []
