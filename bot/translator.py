"""Command names and descriptions in other languages, read from locale files.

English is the source, written in the code: discord.py turns every command, group and option
name and description, and every choice name, into a `locale_str` (its `auto_locale_strings`),
and asks the tree's translator for each one in every Discord locale when it syncs. This
translator answers from one YAML file per locale, named after Discord's locale
(`bot/locales/fr.yaml`, `bot/locales/pt-BR.yaml`); what a file leaves out stays English.

    commands:               # slash commands and groups, by their English path
      snippet share:
        name: partager
        description: Partager du code
        options:
          title: {name: titre, description: un nom court}
    menus:                  # context menus: English name -> name
      Save as snippet: Enregistrer l'extrait
    choices:                # choices, wherever they appear: English name -> name
      month: mois

A file that would make Discord refuse the sync (a name with capitals or spaces, over 32
characters, two options of one command named alike) or that names an unknown locale is refused
when loaded, with the file and the entry in the message. See docs/translations.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import discord
from discord import app_commands
from discord.app_commands.commands import validate_context_menu_name, validate_name

LOCALES_DIR: Final = Path(__file__).resolve().parent / "locales"
SECTIONS: Final = frozenset({"commands", "menus", "choices"})
COMMAND_KEYS: Final = frozenset({"name", "description", "options"})
OPTION_KEYS: Final = frozenset({"name", "description"})
DESCRIPTION_MAX: Final = 100
CHOICE_NAME_MAX: Final = 100

Location = app_commands.TranslationContextLocation


class LocaleFileError(ValueError):
    """A locale file Discord would refuse, or that cannot be read as one."""


@dataclass
class Texts:
    """One locale's translations, by what they translate."""

    names: dict[str, str] = field(default_factory=dict)  # command path -> name
    descriptions: dict[str, str] = field(default_factory=dict)  # command path -> description
    option_names: dict[tuple[str, str], str] = field(default_factory=dict)
    option_descriptions: dict[tuple[str, str], str] = field(default_factory=dict)
    menus: dict[str, str] = field(default_factory=dict)
    choices: dict[str, str] = field(default_factory=dict)


class LocaleFiles(app_commands.Translator):
    """The tree's translator: the locale files of one directory, read when it is installed."""

    def __init__(self, directory: Path = LOCALES_DIR) -> None:
        self.directory = directory
        self.texts: dict[str, Texts] = {}

    async def load(self) -> None:
        self.texts = load_directory(self.directory)

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        texts = self.texts.get(locale.value)
        if texts is None:
            return None
        data: Any = context.data
        where = context.location
        if where in (Location.command_name, Location.group_name):
            if isinstance(data, app_commands.ContextMenu):
                return texts.menus.get(string.message)
            return texts.names.get(data.qualified_name)
        if where in (Location.command_description, Location.group_description):
            return texts.descriptions.get(data.qualified_name)
        if where is Location.parameter_name:
            return texts.option_names.get((data.command.qualified_name, data.display_name))
        if where is Location.parameter_description:
            return texts.option_descriptions.get((data.command.qualified_name, data.display_name))
        if where is Location.choice_name:
            return texts.choices.get(string.message)
        return None


def load_directory(directory: Path) -> dict[str, Texts]:
    """Every `<locale>.yaml` of `directory` (none when it does not exist), checked."""
    if not directory.is_dir():
        return {}
    return {path.stem: load_file(path) for path in sorted(directory.glob("*.yaml"))}


def load_file(path: Path) -> Texts:
    known = {locale.value for locale in discord.Locale}
    if path.stem not in known:
        raise LocaleFileError(
            f"{path}: {path.stem!r} is not a Discord locale; name the file after one of "
            f"{', '.join(sorted(known))}"
        )
    # Imported here: with no locale file (the default) the start never parses YAML.
    import yaml

    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise LocaleFileError(f"{path}: cannot be read as YAML: {error}") from None
    try:
        return parse(document)
    except LocaleFileError as error:
        raise LocaleFileError(f"{path}: {error}") from None


def parse(document: object) -> Texts:
    """A locale file's content, checked against Discord's rules for what it translates."""
    sections = _mapping(document, "the file")
    unknown = set(sections) - SECTIONS
    if unknown:
        raise LocaleFileError(f"unknown section(s) {sorted(unknown)}; use {sorted(SECTIONS)}")
    texts = Texts()
    for path, entry in _mapping(sections.get("commands"), "commands").items():
        _command(texts, str(path), _mapping(entry, f"commands.{path}"))
    for english, name in _mapping(sections.get("menus"), "menus").items():
        texts.menus[str(english)] = _checked(validate_context_menu_name, name, f"menus.{english}")
    for english, name in _mapping(sections.get("choices"), "choices").items():
        texts.choices[str(english)] = _text(name, f"choices.{english}", CHOICE_NAME_MAX)
    return texts


def _command(texts: Texts, path: str, entry: Mapping[str, Any]) -> None:
    where = f"commands.{path}"
    unknown = set(entry) - COMMAND_KEYS
    if unknown:
        raise LocaleFileError(f"{where}: unknown key(s) {sorted(unknown)}")
    if "name" in entry:
        texts.names[path] = _checked(validate_name, entry["name"], f"{where}.name")
    if "description" in entry:
        texts.descriptions[path] = _text(entry["description"], f"{where}.description")
    seen: dict[str, str] = {}
    for option, values in _mapping(entry.get("options"), f"{where}.options").items():
        at = f"{where}.options.{option}"
        given = _mapping(values, at)
        if set(given) - OPTION_KEYS:
            raise LocaleFileError(f"{at}: unknown key(s) {sorted(set(given) - OPTION_KEYS)}")
        if "name" in given:
            name = _checked(validate_name, given["name"], f"{at}.name")
            if name in seen:
                raise LocaleFileError(f"{at}.name: {name!r} is also {seen[name]}'s name")
            seen[name] = str(option)
            texts.option_names[path, str(option)] = name
        if "description" in given:
            texts.option_descriptions[path, str(option)] = _text(
                given["description"], f"{at}.description"
            )


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise LocaleFileError(f"{where}: expected a mapping, found {type(value).__name__}")
    return value


def _text(value: object, where: str, limit: int = DESCRIPTION_MAX) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= limit:
        raise LocaleFileError(f"{where}: needs text of 1 to {limit} characters")
    return value


def _checked(rule: Any, value: object, where: str) -> str:
    """A name that passes discord.py's own check of Discord's name rules."""
    if not isinstance(value, str):
        raise LocaleFileError(f"{where}: needs text, found {type(value).__name__}")
    try:
        return str(rule(value))
    except ValueError as error:
        raise LocaleFileError(f"{where}: {error}") from None
