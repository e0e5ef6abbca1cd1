"""Validate application command syncs the way Discord does.

Errors use Discord's nested "Invalid Form Body" shape, so the bot sees the same
``discord.HTTPException`` text it would get from Discord:
``{"code": 50035, "message": "Invalid Form Body", "errors": {"0": {"name": {"_errors": [...]}}}}``.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from bot.sandbox.errors import FormErrors

JSON = dict[str, Any]

CHAT_INPUT, USER_COMMAND, MESSAGE_COMMAND = 1, 2, 3
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, NUMBER, CHANNEL = 3, 4, 10, 7
OPTION_TYPES = frozenset(range(1, 12))
MAX_CHAT_COMMANDS = 100
MAX_CONTEXT_COMMANDS = 15
MAX_COMMAND_SIZE = 8000
MAX_OPTIONS = 25
MAX_CHOICES = 25


def is_valid_chat_name(name: object) -> bool:
    """``^[-_\\p{L}\\p{N}]{1,32}$`` and lower case, as Discord requires for slash commands."""
    if not isinstance(name, str) or not 1 <= len(name) <= 32:
        return False
    for char in name:
        if char in "-_":
            continue
        if unicodedata.category(char)[0] not in "LN":
            return False
        if char.lower() != char:
            return False
    return True


# Discord's locales (the keys of name_localizations and description_localizations).
LOCALES = frozenset({
    "id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl",
    "no", "pl", "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi",
    "th", "zh-CN", "ja", "zh-TW", "ko",
})  # fmt: skip
CONTEXTS, INTEGRATION_TYPES = frozenset({0, 1, 2}), frozenset({0, 1})


def _validate_localizations(
    item: JSON, errors: FormErrors, path: tuple[str | int, ...], *, chat_name: bool | None
) -> None:
    """Localized names follow the name's rules (chat_name None: a choice, 1-100 characters),
    localized descriptions 1-100 characters, keyed by Discord's locales."""
    fields = (("name_localizations", True), ("description_localizations", False))
    for field, is_name in fields:
        for locale, text in (item.get(field) or {}).items():
            where = (*path, field, locale)
            if locale not in LOCALES:
                errors.add(where, "LOCALE_INVALID", f"Invalid locale: {locale}")
            elif is_name and chat_name:
                if not is_valid_chat_name(text):
                    errors.add(where, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
            elif is_name and chat_name is False:
                _check_length(errors, where, text, 1, 32)
            else:
                _check_length(errors, where, text, 1, 100)


def _validate_reach(command: JSON, errors: FormErrors, path: tuple[str | int, ...]) -> None:
    """``contexts`` and ``integration_types``: lists of Discord's numbers for them."""
    for field, allowed in (("contexts", CONTEXTS), ("integration_types", INTEGRATION_TYPES)):
        values = command.get(field)
        if values is None:
            continue
        if not isinstance(values, list) or any(v not in allowed for v in values):
            errors.add((*path, field), "BASE_TYPE_CHOICES", f"Values must be in {sorted(allowed)}")


def _check_length(
    errors: FormErrors, path: tuple[str | int, ...], value: object, low: int, high: int
) -> None:
    if not isinstance(value, str) or not low <= len(value) <= high:
        errors.add(
            path,
            "BASE_TYPE_BAD_LENGTH",
            f"Must be between {low} and {high} in length.",
        )


def _command_size(command: JSON) -> int:
    """Discord's size rule counts names, descriptions, option texts and choice values."""
    total = len(str(command.get("name", ""))) + len(str(command.get("description", "")))

    def walk(options: list[JSON]) -> int:
        size = 0
        for option in options:
            size += len(str(option.get("name", ""))) + len(str(option.get("description", "")))
            for choice in option.get("choices") or []:
                size += len(str(choice.get("name", ""))) + len(str(choice.get("value", "")))
            size += walk(option.get("options") or [])
        return size

    return total + walk(command.get("options") or [])


def validate_command(command: JSON, errors: FormErrors, path: tuple[str | int, ...]) -> None:
    kind = command.get("type", CHAT_INPUT)
    name = command.get("name")
    if kind == CHAT_INPUT:
        if not is_valid_chat_name(name):
            errors.add(
                (*path, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"
            )
        _check_length(errors, (*path, "description"), command.get("description"), 1, 100)
        _validate_options(command.get("options") or [], errors, (*path, "options"), depth=0)
    elif kind in (USER_COMMAND, MESSAGE_COMMAND):
        _check_length(errors, (*path, "name"), name, 1, 32)
        if command.get("description") not in (None, ""):
            errors.add(
                (*path, "description"),
                "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION",
                "Context menu commands cannot have description",
            )
        if command.get("options"):
            errors.add(
                (*path, "options"),
                "APPLICATION_COMMAND_CONTEXT_MENU_OPTIONS",
                "Context menu commands cannot have options",
            )
    else:
        errors.add(
            (*path, "type"), "BASE_TYPE_CHOICES", f"Value must be one of (1, 2, 3, 4), got {kind}"
        )
    _validate_localizations(command, errors, path, chat_name=kind == CHAT_INPUT)
    _validate_reach(command, errors, path)
    if _command_size(command) > MAX_COMMAND_SIZE:
        errors.add(path, "APPLICATION_COMMAND_TOO_LARGE", "Command exceeds maximum size (8000)")


def _validate_options(
    options: list[JSON], errors: FormErrors, path: tuple[str | int, ...], depth: int
) -> None:
    if len(options) > MAX_OPTIONS:
        errors.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_OPTIONS} or fewer in length.")
    kinds = [o.get("type") for o in options]
    nested = [k in (SUB_COMMAND, SUB_COMMAND_GROUP) for k in kinds]
    if any(nested) and not all(nested):
        errors.add(
            path,
            "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
            "Sub-command and sub-command group option types are mutually exclusive "
            "to all other types",
        )
    seen: set[str] = set()
    optional_seen = False
    for index, option in enumerate(options):
        opt_path = (*path, index)
        _validate_option(option, errors, opt_path, depth)
        name = str(option.get("name"))
        if name in seen:
            errors.add(
                (*opt_path, "name"),
                "APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS",
                "Option name already exists",
            )
        seen.add(name)
        if option.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP):
            continue
        if option.get("required"):
            if optional_seen:
                errors.add(
                    (*opt_path, "required"),
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            optional_seen = True


def _validate_option(
    option: JSON, errors: FormErrors, path: tuple[str | int, ...], depth: int
) -> None:
    kind = option.get("type")
    if kind not in OPTION_TYPES:
        errors.add(
            (*path, "type"), "BASE_TYPE_CHOICES", f"Value must be one of {sorted(OPTION_TYPES)}."
        )
        return
    if not is_valid_chat_name(option.get("name")):
        errors.add((*path, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    _check_length(errors, (*path, "description"), option.get("description"), 1, 100)
    _validate_localizations(option, errors, path, chat_name=True)
    children = option.get("options") or []
    if kind == SUB_COMMAND_GROUP:
        if depth > 0:
            errors.add(
                (*path, "type"),
                "APPLICATION_COMMAND_OPTION_TYPE_INVALID",
                "Sub-command groups can only be nested at the top level",
            )
        if not children or any(c.get("type") != SUB_COMMAND for c in children):
            errors.add(
                (*path, "options"),
                "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                "Sub-command groups must contain sub-commands only",
            )
        _validate_options(children, errors, (*path, "options"), depth + 1)
    elif kind == SUB_COMMAND:
        if depth > 1:
            errors.add(
                (*path, "type"),
                "APPLICATION_COMMAND_OPTION_TYPE_INVALID",
                "Sub-commands can be nested at most two levels deep",
            )
        if any(c.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP) for c in children):
            errors.add(
                (*path, "options"),
                "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                "Sub-commands cannot contain sub-commands",
            )
        _validate_options(children, errors, (*path, "options"), depth + 2)
    else:
        _validate_value_option(option, errors, path)


def _validate_value_option(option: JSON, errors: FormErrors, path: tuple[str | int, ...]) -> None:
    kind = option.get("type")
    if option.get("options"):
        errors.add(
            (*path, "options"),
            "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
            "Only sub-commands and groups can have options",
        )
    choices = option.get("choices") or []
    if choices and kind not in (STRING, INTEGER, NUMBER):
        errors.add(
            (*path, "choices"),
            "APPLICATION_COMMAND_OPTION_CHOICES_INVALID",
            "Choices are not allowed for this type",
        )
    if len(choices) > MAX_CHOICES:
        errors.add(
            (*path, "choices"), "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_CHOICES} or fewer in length."
        )
    if choices and option.get("autocomplete"):
        errors.add(
            (*path, "autocomplete"),
            "APPLICATION_COMMAND_AUTOCOMPLETE_CHOICES",
            "Autocomplete cannot be set with choices",
        )
    for index, choice in enumerate(choices):
        _check_length(errors, (*path, "choices", index, "name"), choice.get("name"), 1, 100)
        _validate_localizations(choice, errors, (*path, "choices", index), chat_name=None)
        value = choice.get("value")
        if kind == STRING:
            _check_length(errors, (*path, "choices", index, "value"), value, 1, 100)
        elif isinstance(value, bool) or not isinstance(value, int | float):
            errors.add(
                (*path, "choices", index, "value"), "NUMBER_TYPE_COERCE", "Value is not a number."
            )
    if ("min_value" in option or "max_value" in option) and kind not in (INTEGER, NUMBER):
        errors.add(
            (*path, "min_value"),
            "APPLICATION_COMMAND_OPTION_MIN_MAX_INVALID",
            "Only numbers have bounds",
        )
    if ("min_length" in option or "max_length" in option) and kind != STRING:
        errors.add(
            (*path, "min_length"),
            "APPLICATION_COMMAND_OPTION_MIN_MAX_INVALID",
            "Only strings have lengths",
        )
    if option.get("channel_types") and kind != CHANNEL:
        errors.add(
            (*path, "channel_types"),
            "APPLICATION_COMMAND_OPTION_CHANNEL_TYPES_INVALID",
            "Only channels have channel types",
        )


def validate_command_list(commands: object) -> FormErrors:
    """Validate a bulk overwrite (``PUT …/commands``): each command, duplicates, limits."""
    errors = FormErrors()
    if not isinstance(commands, list):
        errors.add((), "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
        return errors
    names: set[tuple[int, str]] = set()
    counts = {CHAT_INPUT: 0, USER_COMMAND: 0, MESSAGE_COMMAND: 0}
    for index, command in enumerate(commands):
        if not isinstance(command, dict):
            errors.add((index,), "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            continue
        validate_command(command, errors, (index,))
        kind = int(command.get("type", CHAT_INPUT))
        counts[kind] = counts.get(kind, 0) + 1
        key = (kind, str(command.get("name")))
        if key in names:
            errors.add(
                (index, "name"),
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                f"Application command names must be unique: {key[1]}",
            )
        names.add(key)
    if counts[CHAT_INPUT] > MAX_CHAT_COMMANDS:
        errors.add((), "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_CHAT_COMMANDS} or fewer in length.")
    if (
        counts[USER_COMMAND] > MAX_CONTEXT_COMMANDS
        or counts[MESSAGE_COMMAND] > MAX_CONTEXT_COMMANDS
    ):
        errors.add((), "APPLICATION_COMMAND_TOO_MANY", "Too many context menu commands")
    return errors
