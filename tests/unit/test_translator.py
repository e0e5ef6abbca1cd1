"""Locale files (bot/translator.py): what a file translates, and the files Discord would refuse,
refused when they are loaded, naming the file and the entry."""

from __future__ import annotations

from pathlib import Path

import discord
import pytest
from discord import app_commands

from bot.translator import LocaleFileError, LocaleFiles, load_directory

GOOD = """
commands:
  greet:
    name: saluer
    description: Saluer quelqu'un
  greet person:
    name: personne
    description: Saluer une personne
    options:
      who: {name: qui, description: la personne}
menus:
  Save as snippet: Enregistrer l'extrait
choices:
  month: ce mois-ci
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


class Greet(app_commands.Group):
    """Greet people"""

    @app_commands.command(name="person", description="Greet one person")
    @app_commands.describe(who="the person")
    @app_commands.choices(when=[app_commands.Choice(name="month", value="month")])
    async def person(self, interaction: discord.Interaction, who: str, when: str) -> None:
        """Unused: only its payload is read."""


async def test_a_locale_file_translates_names_descriptions_options_menus_and_choices(
    tmp_path: Path,
) -> None:
    write(tmp_path, "fr.yaml", GOOD)
    translator = LocaleFiles(tmp_path)
    tree = app_commands.CommandTree(discord.Client(intents=discord.Intents.none()))
    tree.add_command(Greet(name="greet"))
    tree.add_command(
        app_commands.ContextMenu(name="Save as snippet", callback=_menu_callback),
    )
    await tree.set_translator(translator)
    group, menu = [await c.get_translated_payload(tree, translator) for c in tree.get_commands()]
    assert group["name_localizations"] == {"fr": "saluer"}
    assert group["description_localizations"] == {"fr": "Saluer quelqu'un"}
    [person] = group["options"]
    assert person["name_localizations"] == {"fr": "personne"}
    who, when = person["options"]
    assert (who["name_localizations"], who["description_localizations"]) == (
        {"fr": "qui"},
        {"fr": "la personne"},
    )
    assert "name_localizations" not in when  # not in the file: Discord shows the English
    assert when["choices"][0]["name_localizations"] == {"fr": "ce mois-ci"}
    assert menu["name_localizations"] == {"fr": "Enregistrer l'extrait"}


async def _menu_callback(interaction: discord.Interaction, message: discord.Message) -> None:
    """Unused: only the menu's payload is read."""


@pytest.mark.parametrize(
    ("name", "text", "complaint"),
    [
        ("fr.yaml", "commands:\n  greet:\n    name: Saluer\n", "commands.greet.name"),
        ("fr.yaml", "commands:\n  greet:\n    name: dire bonjour\n", "commands.greet.name"),
        ("fr.yaml", f"commands:\n  greet:\n    name: {'a' * 33}\n", "commands.greet.name"),
        ("fr.yaml", "commands:\n  greet:\n    description: ''\n", "commands.greet.description"),
        (
            "fr.yaml",
            "commands:\n  g:\n    options:\n      a: {name: x}\n      b: {name: x}\n",
            "commands.g.options.b.name",
        ),
        ("fr.yaml", f"menus:\n  Save as snippet: {'m' * 33}\n", "menus.Save as snippet"),
        ("fr.yaml", "commands:\n  greet:\n    nom: saluer\n", "unknown key"),
        ("fr.yaml", "commandes: {}\n", "unknown section"),
        ("fr.yaml", "commands: [greet]\n", "expected a mapping"),
        ("fr.yaml", "commands: {greet: {name: [", "cannot be read as YAML"),
        ("fr-FR.yaml", "choices: {month: mois}\n", "not a Discord locale"),
    ],
)
def test_a_locale_file_discord_would_refuse_is_refused_at_load(
    tmp_path: Path, name: str, text: str, complaint: str
) -> None:
    path = write(tmp_path, name, text)
    with pytest.raises(LocaleFileError) as raised:
        load_directory(tmp_path)
    assert str(path) in str(raised.value)
    assert complaint in str(raised.value)


def test_no_directory_means_english_only(tmp_path: Path) -> None:
    assert load_directory(tmp_path / "missing") == {}
