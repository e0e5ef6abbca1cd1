"""The snippet search page, `/s/{guild}`, over real HTTP against the running bot: the same
results and order as the API's search (one service), its filters, pages by cursor, an empty
search, bad filters refused in words, who may search, and hostile titles and tags shown as
text. tests/browser drives the same page in Chromium."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from markupsafe import escape

from bot.sandbox import SandboxServer
from tests.e2e.conftest import StartBot, World
from tests.e2e.page_visits import base, browser, share, sign_in_link, start_web, visit

RESULT = re.compile(r'<h3><a href="/s/(\d+)/(\d+)">')
NEXT = re.compile(r'<a class="button secondary" rel="next" href="([^"]+)">Next page</a>')
NO_MATCH = "No snippets match that search."


def result_ids(page: str) -> list[int]:
    return [int(snippet) for _, snippet in RESULT.findall(page)]


def next_page(page: str) -> str | None:
    found = NEXT.search(page)
    return None if found is None else html.unescape(found.group(1))


async def api_ids(http: Any, url: str) -> tuple[list[int], str | None]:
    async with http.get(url) as response:
        assert response.status == 200, await response.text()
        body = await response.json()
    return [int(item["id"]) for item in body["items"]], body["next"]


async def test_a_member_searches_filters_and_pages_through_what_the_api_finds(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start_web(start_nexus)
    guild = world.guild.id
    loops = [
        await share(
            sandbox,
            world,
            f"Loop {n}",
            f"for i in range({n}):\n    print(i)",
            language="python",
            tags="loops",
        )
        for n in range(12)
    ]
    fetch = await share(
        sandbox,
        world,
        "Fetch helper",
        "const get = (u) => fetch(u);",
        language="javascript",
        tags="web, loops",
        user=world.bob,
    )
    search = f"{base(bot)}/s/{guild}"
    api = f"{base(bot)}/api/v1/guilds/{guild}/snippets"
    async with browser() as http:
        await visit(
            http, "GET", await sign_in_link(sandbox, world.carol, world.guild, world.general)
        )

        status, _, page = await visit(http, "GET", search, params={"q": "loop"})
        assert status == 200, page
        first, api_next = await api_ids(http, f"{api}?q=loop")
        assert result_ids(page) == first and len(first) == 10
        assert "Best matches first." in page
        later = next_page(page)
        assert later is not None and api_next is not None
        assert parse_qs(urlsplit(later).query) == parse_qs(urlsplit(api_next).query)
        status, _, page_two = await visit(http, "GET", base(bot) + later)
        assert status == 200
        second, _ = await api_ids(http, base(bot) + api_next)
        assert result_ids(page_two) == second
        assert set(first + second) == set(loops)
        assert next_page(page_two) is None
        assert f'<a href="/s/{guild}?q=loop">First page</a>' in page_two
        # What a result shows: title, language, author, tags, stars, the start of its code.
        _, _, shown = await visit(http, "GET", search, params={"q": "fetch"})
        assert f'<h3><a href="/s/{guild}/{fetch}">Fetch helper</a></h3>' in shown
        assert 'JavaScript · by <span class="author">bob</span>' in shown
        assert "<li>#web</li>" in shown and "<li>#loops</li>" in shown
        assert "const get = (u) =&gt; fetch(u);" in shown
        assert "★ 0 stars" in shown

        filters: list[tuple[dict[str, str], list[int]]] = [
            ({"language": "javascript"}, [fetch]),
            ({"language": "JS"}, [fetch]),
            ({"tag": "#web"}, [fetch]),
            ({"author": "bob"}, [fetch]),
            ({"author": str(world.bob.id)}, [fetch]),
            ({"q": "loop", "language": "python", "tag": "loops", "author": "alice"}, first),
        ]
        for asked, expected in filters:
            status, _, found = await visit(http, "GET", search, params=asked)
            assert (asked, status, result_ids(found)[: len(expected)]) == (asked, 200, expected)
            # The form shows the search as asked.
            for name, value in asked.items():
                if name == "language":
                    assert '<option value="javascript" selected>' in found or (
                        '<option value="python" selected>' in found
                    )
                else:
                    assert f'value="{html.escape(value)}"' in found

        status, _, empty = await visit(http, "GET", search, params={"q": "kubernetes"})
        assert (status, NO_MATCH in empty, result_ids(empty)) == (200, True, [])

        refused = [
            ({"language": "klingon"}, "I don't know the language `klingon`"),
            ({"q": "ab*"}, "prefix"),
            ({"cursor": "not-a-cursor"}, "That cursor is not one Nexus gave out"),
            ({"cursor": "WzEsMiwzXQ"}, "That cursor is not one Nexus gave out"),
            ({"author": "nobody-here"}, "No member of this server is called nobody-here."),
            ({"q": "x" * 201}, "Search for at most 200 characters."),
            ({"tag": "t" * 65}, "A tag is at most 64 characters."),
        ]
        for asked, reason in refused:
            status, _, page = await visit(http, "GET", search, params=asked)
            assert (status, reason in html.unescape(page)) == (400, True), (asked, page)
            assert result_ids(page) == [] and NO_MATCH not in page
            assert 'role="alert"' in page


async def test_searching_is_for_members_unless_public_and_never_for_another_server(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start_web(start_nexus)
    snippet = await share(sandbox, world, "Members only", "x = 1")
    search = f"{base(bot)}/s/{world.guild.id}"
    async with browser() as http:
        status, headers, _ = await visit(http, "GET", search, params={"q": "members"})
        assert status == 303
        target = urlsplit(headers["Location"])
        assert target.path == "/signin"
        assert parse_qs(target.query) == {
            "next": [f"/s/{world.guild.id}?q=members"],
            "guild": [str(world.guild.id)],
        }

        other = sandbox.create_guild("Elsewhere")
        lobby = other.create_channel("lobby")
        stranger = sandbox.create_user("stranger")
        other.add_member(stranger)
        await visit(http, "GET", await sign_in_link(sandbox, stranger, other, lobby))
        status, _, refused = await visit(http, "GET", search)
        assert status == 403 and "You are signed in to another server." in refused
        assert "Members only" not in refused

    await bot.guild_settings.set_many(
        world.guild.id, {"snippets.page_visibility": "public"}, actor_id=None
    )
    async with browser() as http:
        status, _, shown = await visit(http, "GET", search, params={"q": "members"})
        assert (status, result_ids(shown), "Signed in as" in shown) == (200, [snippet], False)
        status, _, missing = await visit(http, "GET", f"{base(bot)}/s/1234567890")
        assert status == 404 and "Nexus is not in that server" in missing

    await bot.guild_settings.set_many(
        world.guild.id, {"snippets.page_visibility": "members"}, actor_id=None
    )
    await bot.blocks.block(world.guild.id, world.carol.id, "snippets", world.mod.id)
    async with browser() as http:
        await visit(
            http, "GET", await sign_in_link(sandbox, world.carol, world.guild, world.general)
        )
        status, _, blocked = await visit(http, "GET", search)
    assert status == 403
    assert "blocked you from using snippets" in html.unescape(blocked)


HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7*7 }} {% raw %}",
    "javascript:alert(1)",
    "</h3></a><iframe src=//evil.example>",
]


async def test_hostile_titles_tags_and_code_are_shown_as_text_in_the_results(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start_web(start_nexus)
    for title in HOSTILE:
        await share(
            sandbox,
            world,
            title,
            "</code></pre><script>alert(2)</script>",
            tags='<b>bold</b>, x"onmouseover=alert(3)',
        )
    async with browser() as http:
        await visit(http, "GET", await sign_in_link(sandbox, world.bob, world.guild, world.general))
        status, _, page = await visit(http, "GET", f"{base(bot)}/s/{world.guild.id}")
        q_status, _, echoed = await visit(
            http,
            "GET",
            f"{base(bot)}/s/{world.guild.id}",
            params={"q": HOSTILE[1], "tag": HOSTILE[0]},
        )
    assert (status, len(result_ids(page))) == (200, len(HOSTILE))
    for title in HOSTILE:
        assert f">{escape(title)}</a></h3>" in page
    assert "<script>alert" not in page and "<img" not in page and "<iframe" not in page
    assert "onerror=alert(1)>" not in page and '"onmouseover' not in page
    assert "{{ 7*7 }} {% raw %}" in page
    assert "&lt;/code&gt;&lt;/pre&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert "#&lt;b&gt;bold&lt;/b&gt;" in page
    assert q_status == 200
    assert "<script>alert" not in echoed and "<img" not in echoed
