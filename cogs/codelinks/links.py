"""Permalinks to lines of a file, found in a message and mapped to the file's raw text.

Pure: text in, `CodeLink`s out. Each service writes its line anchor its own way:

- GitHub  `github.com/<owner>/<repo>/blob/<ref>/<path>#L10-L25`
  → `raw.githubusercontent.com/<owner>/<repo>/<ref>/<path>`
- GitLab  `<host>/<group>/…/<repo>/-/blob/<ref>/<path>#L10-25` (gitlab.com or a server of its own)
  → `<host>/<group>/…/<repo>/-/raw/<ref>/<path>`
- Bitbucket `bitbucket.org/<workspace>/<repo>/src/<ref>/<path>#lines-10:25`
  → `bitbucket.org/<workspace>/<repo>/raw/<ref>/<path>`
- Gist    `gist.github.com/<user>/<id>#file-<name>-L10-L20`
  → `gist.githubusercontent.com/<user>/<id>/raw/<file>`

A branch name with a slash (`feature/x`) cannot be told from a folder in these URLs; the first
segment is taken as the ref, which a permalink's commit id always is. The raw hosts are settings
(a GitHub Enterprise or a mirror; tests point them at a local server).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

import yarl

from cogs.codelinks.records import CodeLink
from cogs.codelinks.rules import MAX_LINK_CHARS

# Where a URL ends in a message: whitespace, Discord's <…> and markdown's […](…) and ||…||.
_URL: Final = re.compile(r"https?://[^\s<>()\[\]\"'`|]+", re.IGNORECASE)
_GITHUB_LINES: Final = re.compile(r"L(\d+)(?:-L(\d+))?")
_GITLAB_LINES: Final = re.compile(r"L(\d+)(?:-L?(\d+))?")
_BITBUCKET_LINES: Final = re.compile(r"lines-(\d+)(?::(\d+))?(?:,.*)?")
_GIST_FILE: Final = re.compile(r"file-([a-z0-9_.-]+?)-L(\d+)(?:-L(\d+))?")
GITHUB_HOSTS: Final = frozenset({"github.com", "www.github.com"})
GIST_HOSTS: Final = frozenset({"gist.github.com"})
BITBUCKET_HOSTS: Final = frozenset({"bitbucket.org", "www.bitbucket.org"})
# Line numbers past this are not a file anyone links to; it keeps the numbers small.
MAX_LINE: Final = 10_000_000


@dataclass(frozen=True)
class LinkHosts:
    """Where each service's raw files are, and which hosts are GitLab servers."""

    github_raw: str = "https://raw.githubusercontent.com"
    gist_raw: str = "https://gist.githubusercontent.com"
    bitbucket_raw: str = "https://bitbucket.org"
    gitlab: frozenset[str] = field(default_factory=lambda: frozenset({"gitlab.com"}))


def find_links(content: str, hosts: LinkHosts) -> list[CodeLink]:
    """Every permalink with a line range in `content`, in order."""
    found = []
    for match in _URL.finditer(content):
        link = parse_link(match.group(0).rstrip(".,;:!?*_~"), hosts)
        if link is not None:
            found.append(link)
    return found


def parse_link(text: str, hosts: LinkHosts) -> CodeLink | None:
    """The `CodeLink` that `text` is, or None when it is no permalink to lines of a file."""
    if len(text) > MAX_LINK_CHARS:
        return None
    try:
        url = yarl.URL(text)
    except ValueError:
        return None
    host = (url.raw_host or "").lower()
    if url.scheme not in ("http", "https") or not host or not url.raw_fragment:
        return None
    parts = [part for part in url.raw_path.split("/") if part]
    origin = host if url.explicit_port is None else f"{host}:{url.port}"
    if host in GITHUB_HOSTS:
        return _github(text, parts, url.fragment, hosts)
    if host in GIST_HOSTS:
        return _gist(text, parts, url.fragment, hosts)
    if host in BITBUCKET_HOSTS:
        return _bitbucket(text, parts, url.fragment, hosts)
    if origin in hosts.gitlab or host in hosts.gitlab:
        return _gitlab(text, url, parts, hosts)
    return None


def _lines(match: re.Match[str] | None, first_group: int = 1) -> tuple[int, int] | None:
    if match is None:
        return None
    first = int(match.group(first_group))
    last_text = match.group(first_group + 1)
    last = int(last_text) if last_text else first
    first, last = min(first, last), max(first, last)
    if first < 1 or last > MAX_LINE:
        return None
    return first, last


def _decoded(parts: list[str]) -> str:
    return yarl.URL.build(path="/" + "/".join(parts), encoded=True).path.lstrip("/")


def _github(text: str, parts: list[str], fragment: str, hosts: LinkHosts) -> CodeLink | None:
    lines = _lines(_GITHUB_LINES.fullmatch(fragment))
    if len(parts) < 5 or parts[2] != "blob" or lines is None:
        return None
    owner, repo, _, ref, *path = parts
    raw = "/".join((hosts.github_raw.rstrip("/"), owner, repo, ref, *path))
    return CodeLink("GitHub", text, raw, _decoded([owner, repo]), _decoded(path), *lines)


def _gitlab(text: str, url: yarl.URL, parts: list[str], hosts: LinkHosts) -> CodeLink | None:
    lines = _lines(_GITLAB_LINES.fullmatch(url.fragment))
    if "-" not in parts or lines is None:
        return None
    dash = parts.index("-")
    project, rest = parts[:dash], parts[dash + 1 :]
    if len(project) < 2 or len(rest) < 3 or rest[0] != "blob":
        return None
    _, ref, *path = rest
    origin = str(url.origin())
    raw = "/".join((origin, *project, "-", "raw", ref, *path))
    return CodeLink("GitLab", text, raw, _decoded(project), _decoded(path), *lines)


def _bitbucket(text: str, parts: list[str], fragment: str, hosts: LinkHosts) -> CodeLink | None:
    lines = _lines(_BITBUCKET_LINES.fullmatch(fragment))
    if len(parts) < 5 or parts[2] != "src" or lines is None:
        return None
    workspace, repo, _, ref, *path = parts
    raw = "/".join((hosts.bitbucket_raw.rstrip("/"), workspace, repo, "raw", ref, *path))
    return CodeLink("Bitbucket", text, raw, _decoded([workspace, repo]), _decoded(path), *lines)


def _gist(text: str, parts: list[str], fragment: str, hosts: LinkHosts) -> CodeLink | None:
    match = _GIST_FILE.fullmatch(fragment)
    lines = _lines(match, first_group=2)
    if len(parts) != 2 or match is None or lines is None:
        return None
    user, gist_id = parts
    name = gist_file_name(match.group(1))
    raw = "/".join((hosts.gist_raw.rstrip("/"), user, gist_id, "raw", name))
    return CodeLink("Gist", text, raw, _decoded([user, gist_id]), name, *lines)


def gist_file_name(slug: str) -> str:
    """A gist's anchor spells its file's name in lower case with the dot as a dash
    (`hello_world.py` → `hello_world-py`); the last dash is taken back to a dot. A name with a
    dash before its extension keeps its dashes (`my-tool-sh` → `my-tool.sh`)."""
    stem, dash, extension = slug.rpartition("-")
    return f"{stem}.{extension}" if dash and stem else slug
