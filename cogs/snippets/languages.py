"""The curated languages a snippet can be in: names, aliases, fences, file extensions, detection.

Discord highlights a fenced block by the fence's language name, so every language here maps to a
fence name Discord understands and to a file extension for `snippet-<id>.<ext>` attachments.

Detection: Pygments' own `guess_lexer` is unreliable on short snippets (it calls a four-line
Python function "Tera Term macro"), so a small table of telling signatures is tried first;
Pygments then gets its say (through filenames, shebangs and its guesser) only where it names a
language on the curated list. Anything else is plain text, which is always a safe answer.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import Final

from bot.errors import UserFacingError


@dataclass(frozen=True)
class Language:
    key: str  # stored in the database; letters and digits only (it becomes a search token)
    name: str  # shown to people
    fence: str  # the name Discord's highlighter knows
    extension: str  # for attachments
    aliases: tuple[str, ...] = ()
    pygments: tuple[str, ...] = ()  # Pygments lexer aliases that mean this language


TEXT: Final = Language("text", "Plain text", "", "txt", ("txt", "plain", "plaintext", "none"))

LANGUAGES: Final[tuple[Language, ...]] = (
    Language("python", "Python", "py", "py", ("py", "python3", "py3"), ("python", "python3")),
    Language("javascript", "JavaScript", "js", "js", ("js", "node", "nodejs", "jsx", "mjs")),
    Language("typescript", "TypeScript", "ts", "ts", ("ts", "tsx")),
    Language("java", "Java", "java", "java"),
    Language("kotlin", "Kotlin", "kotlin", "kt", ("kt", "kts")),
    Language("c", "C", "c", "c", ("h",)),
    Language("cpp", "C++", "cpp", "cpp", ("c++", "cc", "cxx", "hpp"), ("cpp", "c++")),
    Language("csharp", "C#", "cs", "cs", ("c#", "cs", "dotnet"), ("csharp", "c#")),
    Language("go", "Go", "go", "go", ("golang",)),
    Language("rust", "Rust", "rust", "rs", ("rs",)),
    Language("ruby", "Ruby", "ruby", "rb", ("rb",)),
    Language("php", "PHP", "php", "php"),
    Language("swift", "Swift", "swift", "swift"),
    Language("scala", "Scala", "scala", "scala"),
    Language("dart", "Dart", "dart", "dart"),
    Language("lua", "Lua", "lua", "lua"),
    Language("r", "R", "r", "r", ("rlang",), ("splus", "r", "s")),
    Language("haskell", "Haskell", "hs", "hs", ("hs",)),
    Language("elixir", "Elixir", "elixir", "ex", ("ex", "exs")),
    Language("sql", "SQL", "sql", "sql", ("postgres", "postgresql", "mysql", "sqlite", "psql")),
    Language("bash", "Shell", "bash", "sh", ("sh", "shell", "zsh", "console"), ("bash", "sh")),
    Language("powershell", "PowerShell", "powershell", "ps1", ("ps1", "pwsh", "ps")),
    Language("html", "HTML", "html", "html", ("htm", "xhtml")),
    Language("css", "CSS", "css", "css"),
    Language("scss", "SCSS", "scss", "scss", ("sass",)),
    Language("json", "JSON", "json", "json", ("jsonc",)),
    Language("yaml", "YAML", "yaml", "yaml", ("yml",)),
    Language("toml", "TOML", "toml", "toml"),
    Language("xml", "XML", "xml", "xml", ("svg",)),
    Language("markdown", "Markdown", "md", "md", ("md",)),
    Language("dockerfile", "Dockerfile", "dockerfile", "dockerfile", ("docker",), ("docker",)),
    Language("graphql", "GraphQL", "graphql", "graphql", ("gql",)),
    Language("http", "HTTP", "http", "http", ("rest",)),
    TEXT,
)

BY_KEY: Final[dict[str, Language]] = {language.key: language for language in LANGUAGES}
_BY_NAME: Final[dict[str, Language]] = {}
for _language in LANGUAGES:
    for _name in (_language.key, _language.name.lower(), _language.fence, *_language.aliases):
        _BY_NAME.setdefault(_name.lower(), _language)
_BY_PYGMENTS: Final[dict[str, Language]] = {}
for _language in LANGUAGES:
    for _name in (*_language.pygments, _language.key):
        _BY_PYGMENTS.setdefault(_name, _language)
_BY_EXTENSION: Final[dict[str, Language]] = {}
for _language in LANGUAGES:
    for _name in (_language.extension, *_language.aliases):
        _BY_EXTENSION.setdefault(_name.lower(), _language)


def resolve(name: str) -> Language | None:
    """The language a user means by ``name`` (a key, a display name or an alias), if any."""
    return _BY_NAME.get(name.strip().lower().lstrip("."))


def filter_key(name: str | None) -> str | None:
    """The language key a search filter names (None: no filter); refuses an unknown one."""
    if name is None or not name.strip():
        return None
    found = resolve(name)
    if found is None:
        raise UserFacingError(
            f"I don't know the language `{name.strip()[:32]}`; pick one from the list."
        )
    return found.key


def get(key: str) -> Language:
    """The language stored under ``key`` (plain text for keys this version no longer knows)."""
    return BY_KEY.get(key, TEXT)


def lexer_names(language: Language) -> tuple[str, ...]:
    """The Pygments lexer names for a language's web page, best first: its own Pygments aliases,
    then its key and the fence Discord highlights it by, so the page colours the code as the
    language Discord shows."""
    return (*language.pygments, language.key, language.fence)


def autocomplete(current: str, limit: int = 25) -> list[Language]:
    """Languages whose key, name or an alias starts with (then contains) what was typed."""
    typed = current.strip().lower()
    if not typed:
        return list(LANGUAGES[:limit])
    exact = resolve(typed)
    starts: list[Language] = [exact] if exact is not None else []
    contains: list[Language] = []
    for language in LANGUAGES:
        names = (language.key, language.name.lower(), *language.aliases)
        if language in starts:
            continue
        if any(name.startswith(typed) for name in names):
            starts.append(language)
        elif any(typed in name for name in names):
            contains.append(language)
    return (starts + contains)[:limit]


# --- detection --------------------------------------------------------------------------------
# Signatures that are nearly unique to one language; each match adds its weight. Only the first
# few kilobytes are examined: enough to decide, and cheap on a 100 KB file.
_SIGNATURES: Final[tuple[tuple[str, str, float], ...]] = (
    ("python", r"^\s*def \w+\(.*\)( -> .+)?:\s*$", 3),
    ("python", r"^\s*(from [\w.]+ )?import [\w., ]+$", 1),
    ("python", r"^\s*class \w+(\(.*\))?:\s*$", 3),
    ("python", r"\bprint\(|\bself\.|\belif\b|__name__|\bNone\b|\bTrue\b|\bFalse\b", 1),
    ("python", r"^\s*async def |^\s*@\w+(\.\w+)*(\(.*\))?\s*$", 1),
    ("javascript", r"\bconsole\.log\(|\brequire\(|module\.exports|=>\s*\{|\bdocument\.", 2),
    ("javascript", r"^\s*(const|let|var) \w+ = |\bfunction\s*\w*\s*\(", 1),
    ("typescript", r":\s*(string|number|boolean|void|any|unknown)\b|^\s*interface \w+", 3),
    ("typescript", r"^\s*(export )?type \w+ = |\bas const\b|<\w+>\(", 2),
    ("java", r"\bpublic (static )?(class|void|final)\b|System\.out\.print|@Override", 3),
    ("java", r"^\s*import java\.|\bString\[\]", 3),
    ("kotlin", r"^\s*fun \w+\(|\bval \w+\s*[:=]|\bprintln\(", 2),
    ("c", r"^#include\s*<\w+\.h>|\bprintf\(|\bmalloc\(|int main\(", 2),
    ("cpp", r"\bstd::|#include\s*<(iostream|vector|string|map|memory)>|\bcout\s*<<", 4),
    ("csharp", r"\busing System|\bnamespace \w+|Console\.Write|\bpublic async Task", 3),
    ("go", r"^package \w+|\bfunc (\(\w+ \*?\w+\) )?\w+\(|\bfmt\.|:= ", 3),
    ("rust", r"\bfn \w+\(|\blet mut\b|println!\(|\bimpl\b|->\s*Result<|::new\(|&str\b", 3),
    ("ruby", r"^\s*def \w+[?!]?(\(.*\))?\s*$|^\s*end\s*$|\bputs\b|\.each do\b|\battr_\w+", 2),
    ("php", r"<\?php|\$\w+\s*=|\becho\b|->\w+\(", 2),
    ("swift", r"\bfunc \w+\(.*\)\s*(->|\{)|\bguard let\b|\bvar \w+: \w+", 2),
    ("sql", r"(?i)\bselect\b.+\bfrom\b|\binsert into\b|\bcreate table\b|\bupdate \w+ set\b", 4),
    ("sql", r"(?i)\b(where|join|group by|order by)\b", 1),
    ("bash", r"^#!.*\b(ba|z)?sh\b|^\s*(echo|export|sudo|cd|apt|pip|npm) |\$\{?\w+\}?|\bfi$", 2),
    ("powershell", r"\$\w+\s*=.*|\bWrite-Host\b|\bGet-\w+|\bSet-\w+", 2),
    ("html", r"(?i)<!doctype html|<(html|head|body|div|span|p|a|script)\b[^>]*>", 4),
    ("css", r"^\s*[.#]?[\w-]+(\s*[.#:][\w-]+)*\s*\{\s*$|^\s*[\w-]+:\s*[^;]+;\s*$", 2),
    ("json", r"^\s*[\[{]\s*$|^\s*\"[\w-]+\"\s*:", 2),
    ("yaml", r"^[\w-]+:\s*$|^\s*- \w+|^---\s*$", 2),
    ("toml", r"^\[[\w.]+\]\s*$|^\w+\s*=\s*[\"\d\[]", 2),
    ("xml", r"^<\?xml ", 6),
    ("dockerfile", r"^(FROM|RUN|COPY|CMD|ENTRYPOINT|WORKDIR|EXPOSE) ", 4),
    ("graphql", r"^\s*(query|mutation|subscription|fragment) \w*.*\{", 4),
    ("http", r"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) /\S* HTTP/\d", 6),
    ("markdown", r"^#{1,6} \w|^\s*[-*] \[[ x]\] |\]\(https?://", 2),
)


# Compiled on the first detection, not at import: the bot's start never detects a language.
@functools.cache
def _compiled() -> tuple[tuple[str, re.Pattern[str], float], ...]:
    return tuple(
        (key, re.compile(pattern, re.MULTILINE), weight) for key, pattern, weight in _SIGNATURES
    )


_DETECTION_SAMPLE: Final = 4000
_MINIMUM_SCORE: Final = 3.0


def detect(code: str, filename: str | None = None) -> Language:
    """The most likely language of ``code`` (plain text when nothing is telling)."""
    if filename:
        by_name = _from_filename(filename, code)
        if by_name is not None:
            return by_name
    if _is_json(code):
        return BY_KEY["json"]
    sample = code[:_DETECTION_SAMPLE]
    scores: dict[str, float] = {}
    for key, pattern, weight in _compiled():
        hits = len(pattern.findall(sample))
        if hits:
            # A few hits decide; many more of the same kind add little.
            scores[key] = scores.get(key, 0.0) + weight * min(hits, 3)
    if scores:
        best_key, best = max(scores.items(), key=lambda item: item[1])
        if best >= _MINIMUM_SCORE:
            return BY_KEY[best_key]
    return _from_pygments(sample) or TEXT


def _is_json(code: str) -> bool:
    stripped = code.strip()
    if not stripped or stripped[0] not in "[{" or len(stripped) > 200_000:
        return False
    try:
        json.loads(stripped)
    except ValueError:
        return False
    return True


def _from_filename(filename: str, code: str) -> Language | None:
    stem, dot, extension = filename.rpartition(".")
    if dot and stem:
        by_extension = _BY_EXTENSION.get(extension.lower())
        if by_extension is not None:
            return by_extension
    if filename.lower() == "dockerfile":
        return BY_KEY["dockerfile"]
    # Pygments is imported where it guesses (here and below), not when the bot starts.
    from pygments.lexers import guess_lexer_for_filename
    from pygments.util import ClassNotFound

    try:
        lexer = guess_lexer_for_filename(filename, code[:_DETECTION_SAMPLE])
    except ClassNotFound:
        return None
    return _curated(lexer.aliases)


def _from_pygments(sample: str) -> Language | None:
    from pygments.lexers import guess_lexer
    from pygments.util import ClassNotFound

    try:
        lexer = guess_lexer(sample)
    except ClassNotFound:
        return None
    return _curated(lexer.aliases)


def _curated(aliases: list[str]) -> Language | None:
    for alias in aliases:
        language = _BY_PYGMENTS.get(alias)
        if language is not None and language is not TEXT:
            return language
    return None
