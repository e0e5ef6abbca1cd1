"""The duplicate check's character-count bound: it never leaves out a title rapidfuzz would have
kept, so the pruned pass finds exactly what the pass over every title found."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

from cogs.feedback.duplicates import TITLE_ONLY_CUTOFF, GuildOpenIndex, OpenItem
from cogs.feedback.title_bounds import TitleBounds

# Words that share letters (so bounds are close calls), with accents, digits and other scripts.
WORDS = st.sampled_from(
    ["jobs", "job", "list", "lists", "returns", "500", "50", "page", "salary", "sorted",
     "résumé", "resume", "ñandú", "данные", "ok", "a", "e", "€", "🙂", "id", "ids", "{id}"]
)  # fmt: skip
TITLES = st.lists(WORDS, min_size=1, max_size=8).map(" ".join)


def sorted_words(title: str) -> str:
    return " ".join(sorted(default_process(title).split()))


@settings(max_examples=300, deadline=None)
@given(titles=st.lists(TITLES, min_size=1, max_size=40), query=TITLES)
def test_no_title_that_reaches_the_bar_is_left_out(titles: list[str], query: str) -> None:
    choices = [sorted_words(title) for title in titles]
    wanted = sorted_words(query)
    assume(wanted)  # a title with nothing left to compare is never matched (GuildOpenIndex.find)
    reaching = set(TitleBounds(choices).reaching(wanted, TITLE_ONLY_CUTOFF))
    kept = process.extract(
        wanted, choices, scorer=fuzz.ratio, processor=None,
        score_cutoff=TITLE_ONLY_CUTOFF, limit=None,
    )  # fmt: skip
    exact = {position for _, _, position in kept}
    assert exact <= reaching


def test_titles_added_past_the_first_room_and_removed_ones_are_bounded_too() -> None:
    bounds = TitleBounds([])
    for number in range(200):  # the first room is 64 columns: it grows twice
        bounds.append(sorted_words(f"jobs list returns {number}"))
    assert bounds.reaching(sorted_words("jobs list returns 150"), TITLE_ONLY_CUTOFF)[-1] == 199
    bounds.clear(150)
    assert 150 not in bounds.reaching(sorted_words("jobs list returns 150"), TITLE_ONLY_CUTOFF)
    assert bounds.reaching("", TITLE_ONLY_CUTOFF) == []


def test_the_index_finds_a_near_copy_added_after_it_was_built_and_not_a_closed_one() -> None:
    index = GuildOpenIndex([OpenItem(1, 1, "GET", "/a", "Search times out after 30 s")])
    index.add(OpenItem(2, 2, "POST", "/b", "Jobs list returns 500 on page 2"))
    found = index.find("DELETE", "/c", "jobs list returns 500 on page 3")
    assert [candidate.number for candidate in found] == [2]
    assert [c.number for c in index.find("POST", "/b", "jobs list returns 500")] == [2]
    index.remove(2)
    assert index.find("DELETE", "/c", "jobs list returns 500 on page 3") == []
    assert index.find("POST", "/b", "jobs list returns 500") == []  # nor on its endpoint
