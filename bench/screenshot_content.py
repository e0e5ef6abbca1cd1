"""What the README's screenshots show: the demo guild's snippets, feedback items and
announcements, and how the weeks spread them (bench.screenshot_data runs them as commands)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Snippet:
    title: str
    language: str
    tags: str
    description: str
    code: str


RETRY = '''import random
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def retry(call: Callable[[], T], *, attempts: int = 5, base: float = 0.2) -> T:
    """Call `call` until it succeeds, waiting longer after each failure."""
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except ConnectionError:
            if attempt == attempts:
                raise
            # Full jitter: spread the retries of many clients over the window.
            time.sleep(random.uniform(0, base * 2**attempt))
    raise AssertionError("unreachable")
'''

DEBOUNCE = """export function debounce(fn, wait = 250) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), wait);
  };
}
"""

TOP_POSTS = """SELECT author_id, title, score
FROM (
  SELECT p.*, ROW_NUMBER() OVER (
    PARTITION BY author_id ORDER BY score DESC
  ) AS rank
  FROM posts p
) ranked
WHERE rank <= 3
ORDER BY author_id, rank;
"""

CURSOR = """@app.get("/api/jobs")
async def jobs(after: int = 0, limit: int = 20):
    rows = await db.fetch(
        "SELECT * FROM jobs WHERE id > $1 ORDER BY id LIMIT $2", after, limit
    )
    return {"items": rows, "next": rows[-1]["id"] if rows else None}
"""

FETCH = """export async function fetchWithTimeout(url, ms = 5000) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  try {
    return await fetch(url, { signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}
"""

DUPLICATES = """SELECT lower(email) AS email, count(*) AS accounts
FROM users
GROUP BY lower(email)
HAVING count(*) > 1
ORDER BY accounts DESC;
"""

GROUP_BY = """from collections import defaultdict


def group_by(items, key):
    groups = defaultdict(list)
    for item in items:
        groups[key(item)].append(item)
    return dict(groups)
"""

COPY = """async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    return "Copied";
  } catch {
    return "Select the text and press Ctrl+C";
  }
}
"""

SNIPPETS = (
    Snippet("Retry with exponential backoff", "python", "python http resilience",
            "Retries a flaky call with full jitter, as the AWS architecture blog suggests.",
            RETRY),
    Snippet("Debounce an input handler", "javascript", "javascript frontend",
            "Waits until the user stops typing before searching.", DEBOUNCE),
    Snippet("Top three posts per author", "sql", "sql postgres window-functions",
            "ROW_NUMBER over a partition instead of a correlated subquery.", TOP_POSTS),
    Snippet("Paginate with a cursor in FastAPI", "python", "python fastapi api",
            "Keyset pagination: stable pages while rows are inserted.", CURSOR),
    Snippet("fetch with a timeout", "javascript", "javascript fetch frontend",
            "AbortController cancels the request when the server is slow.", FETCH),
    Snippet("Find duplicate emails", "sql", "sql data-quality",
            "Case-insensitive duplicates, with how many of each.", DUPLICATES),
    Snippet("Group a list by a key", "python", "python itertools",
            "A dict of lists without sorting first.", GROUP_BY),
    Snippet("Copy text to the clipboard", "javascript", "javascript frontend browser",
            "The async Clipboard API, with a message when it is refused.", COPY),
)  # fmt: skip

STARS = (5, 2, 4, 1, 3, 2, 3, 1)  # how many members star each snippet

# (endpoint, severity, title, details); the reporter rotates through the members.
FEEDBACK = (
    ("GET /api/jobs", "bug", "Page 2 of the jobs list returns 500", "?page=2 fails every time."),
    ("POST /api/applications", "blocker", "Applying fails with a 413 for a 2 MB CV",
     "The docs say 5 MB is allowed."),
    ("GET /api/companies/{id}", "question", "Is `founded` a year or a date?",
     "The example shows 2009, the schema says string."),
    ("PATCH /api/profile", "bug", "Updating the bio clears the avatar",
     "Sending only `bio` sets `avatar_url` to null."),
    ("GET /api/jobs/search", "suggestion", "Filter jobs by remote-friendly",
     "A `remote=true` filter would save a lot of client-side work."),
    ("DELETE /api/applications/{id}", "bug", "Withdrawing an application answers 200 but keeps it",
     "The application is still listed afterwards."),
    ("GET /api/jobs", "suggestion", "Return the total count with each page",
     "The UI needs it to show 'page 3 of 12'."),
    ("POST /api/auth/refresh", "blocker", "Refresh tokens expire after 5 minutes",
     "Users are signed out mid-form."),
    ("GET /api/companies", "question", "How is the list sorted?", "Neither by name nor by id."),
    ("GET /api/jobs/search", "bug", "Search ignores accents", "'café' finds nothing."),
    ("POST /api/applications", "suggestion", "Accept a cover letter as Markdown",
     "Plain text loses the paragraphs."),
    ("GET /api/notifications", "bug", "Notifications arrive twice", "Each appears two times."),
)  # fmt: skip

# How many items are logged each week (twelve in all, one for each of FEEDBACK).
LOGGED_PER_WEEK = (1, 2, 0, 1, 2, 1, 0, 2, 1, 1, 0, 1)
# What the triager does to item n (1-based) after it was logged: a list of statuses in order.
TRIAGE: dict[int, tuple[str, ...]] = {
    1: ("acknowledged", "in_progress", "resolved"),
    2: ("acknowledged", "in_progress"),
    3: ("resolved",),
    4: ("acknowledged", "resolved"),
    5: ("wont_fix",),
    6: ("in_progress",),
    7: ("acknowledged",),
    8: ("in_progress", "resolved"),
    9: ("acknowledged",),
}
ANNOUNCEMENTS = (
    "Pairing round tonight: check your thread for your partner.",
    "Office hours on Thursday 18:00 — bring your API questions.",
    "New snippets challenge: share your favourite SQL window function.",
    "Demo day next Friday: sign up in #general.",
)
