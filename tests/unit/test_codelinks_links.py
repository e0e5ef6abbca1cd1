"""Code links: which permalinks are found in a message, and the raw URL each maps to."""

from __future__ import annotations

import pytest

from cogs.codelinks.links import LinkHosts, find_links, gist_file_name, parse_link
from cogs.codelinks.records import CodeLink

HOSTS = LinkHosts(gitlab=frozenset({"gitlab.com", "git.example.org", "127.0.0.1:8929"}))


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://github.com/python/cpython/blob/3.12/Lib/json/__init__.py#L10-L25",
            CodeLink(
                "GitHub",
                "https://github.com/python/cpython/blob/3.12/Lib/json/__init__.py#L10-L25",
                "https://raw.githubusercontent.com/python/cpython/3.12/Lib/json/__init__.py",
                "python/cpython",
                "Lib/json/__init__.py",
                10,
                25,
            ),
        ),
        (
            "https://gitlab.com/group/sub/project/-/blob/main/src/app.rb#L3-7",
            CodeLink(
                "GitLab",
                "https://gitlab.com/group/sub/project/-/blob/main/src/app.rb#L3-7",
                "https://gitlab.com/group/sub/project/-/raw/main/src/app.rb",
                "group/sub/project",
                "src/app.rb",
                3,
                7,
            ),
        ),
        (
            "https://bitbucket.org/team/repo/src/a1b2c3/lib/x.go#lines-4:9",
            CodeLink(
                "Bitbucket",
                "https://bitbucket.org/team/repo/src/a1b2c3/lib/x.go#lines-4:9",
                "https://bitbucket.org/team/repo/raw/a1b2c3/lib/x.go",
                "team/repo",
                "lib/x.go",
                4,
                9,
            ),
        ),
        (
            "https://gist.github.com/octo/0123abcd#file-hello_world-py-L2-L3",
            CodeLink(
                "Gist",
                "https://gist.github.com/octo/0123abcd#file-hello_world-py-L2-L3",
                "https://gist.githubusercontent.com/octo/0123abcd/raw/hello_world.py",
                "octo/0123abcd",
                "hello_world.py",
                2,
                3,
            ),
        ),
    ],
)
def test_each_service_maps_to_its_raw_file(url: str, expected: CodeLink) -> None:
    assert parse_link(url, HOSTS) == expected


@pytest.mark.parametrize(
    ("url", "lines"),
    [
        ("https://github.com/o/r/blob/main/a.py#L7", (7, 7)),
        ("https://github.com/o/r/blob/main/a.py#L9-L4", (4, 9)),
        ("https://gitlab.com/o/r/-/blob/main/a.py#L5-L6", (5, 6)),
        ("https://bitbucket.org/o/r/src/main/a.py#lines-12", (12, 12)),
        ("https://bitbucket.org/o/r/src/main/a.py#lines-1:2,8:9", (1, 2)),
        ("https://gist.github.com/u/1#file-notes-L4", (4, 4)),
    ],
)
def test_every_spelling_of_a_line_range_is_read(url: str, lines: tuple[int, int]) -> None:
    link = parse_link(url, HOSTS)
    assert link is not None and (link.first, link.last) == lines


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/o/r/blob/main/a.py",  # no lines
        "https://github.com/o/r/tree/main/src#L1",  # a folder
        "https://github.com/o/r#L1",
        "https://github.com/o/r/blob/main/a.py#L0",
        "https://github.com/o/r/blob/main/a.py#readme",
        "https://gitlab.example.com/o/r/-/blob/main/a.py#L1",  # not a configured GitLab
        "https://gitlab.com/o/-/blob/main/a.py#L1",
        "https://bitbucket.org/o/r/src/main/a.py#L1",
        "https://gist.github.com/0123abcd#file-a-py-L1",  # no user: no raw URL
        "ftp://github.com/o/r/blob/main/a.py#L1",
        "https://evil.example/github.com/o/r/blob/main/a.py#L1",
        "https://github.com/o/r/blob/main/" + "a" * 400 + ".py#L1",
    ],
)
def test_other_urls_are_not_code_links(url: str) -> None:
    assert parse_link(url, HOSTS) is None


def test_a_self_hosted_gitlab_keeps_its_origin_and_port() -> None:
    link = parse_link("http://127.0.0.1:8929/g/p/-/blob/v1/x.py#L1-2", HOSTS)
    assert link is not None
    assert link.raw_url == "http://127.0.0.1:8929/g/p/-/raw/v1/x.py"


def test_configured_raw_hosts_are_used_and_encoding_is_kept() -> None:
    hosts = LinkHosts(github_raw="http://127.0.0.1:9/github/")
    link = parse_link("https://github.com/o/r/blob/main/my%20dir/a%23b.py#L1", hosts)
    assert link is not None
    assert link.raw_url == "http://127.0.0.1:9/github/o/r/main/my%20dir/a%23b.py"
    assert link.path == "my dir/a#b.py"


def test_links_are_found_in_prose_markdown_and_angle_brackets() -> None:
    content = (
        "see <https://github.com/o/r/blob/main/a.py#L1-L2>, and "
        "[this](https://gitlab.com/o/r/-/blob/main/b.py#L3). Also https://github.com/o/r/blob/"
        "main/c.py#L4. and ||https://bitbucket.org/o/r/src/main/d.py#lines-5|| and "
        "https://example.com/x#L1"
    )
    assert [link.path for link in find_links(content, HOSTS)] == ["a.py", "b.py", "c.py", "d.py"]


@pytest.mark.parametrize(
    ("slug", "name"),
    [("hello_world-py", "hello_world.py"), ("my-tool-sh", "my-tool.sh"), ("notes", "notes")],
)
def test_a_gists_anchor_gives_back_its_file_name(slug: str, name: str) -> None:
    assert gist_file_name(slug) == name
