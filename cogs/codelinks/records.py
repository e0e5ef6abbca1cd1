"""What a code link is and what was fetched for it: frozen values, no Discord."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CodeLink:
    """A permalink to lines of a file, and where its raw text is."""

    host: str  # the service, as people name it: "GitHub", "GitLab", "Bitbucket", "Gist"
    url: str  # the link as posted
    raw_url: str  # the file's raw text
    repository: str  # "owner/repo" (a gist: "user/gist id")
    path: str  # the file's path in the repository, decoded
    first: int  # the first line asked for (1-based)
    last: int  # the last line asked for (inclusive)


@dataclass(frozen=True)
class Excerpt:
    """The lines of a link's range that exist, and how many lines the file has."""

    link: CodeLink
    code: str  # the lines, joined by "\n"
    first: int
    last: int  # the last line that exists in the range (the file may be shorter)
    total_lines: int
