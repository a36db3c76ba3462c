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


def test_readme_defaults_match_the_code() -> None:
    rows = {
        line.split("|")[1].strip(): line.split("|")[2].strip() for line in README.splitlines() if line.startswith("| `")
    }
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        name = alias.choices[0] if isinstance(alias, AliasChoices) else alias
        default = field.default
        if isinstance(default, (bool, int, float, str)) and not isinstance(default, bool):
            key = next(k for k in rows if k.startswith(f"`{name}`"))
            assert rows[key] == f"`{default}`", f"README default of {name}: {rows[key]} != `{default}`"
