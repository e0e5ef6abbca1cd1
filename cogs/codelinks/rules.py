"""The code links feature's constants: its name and the bounds every expansion keeps."""

from __future__ import annotations

from typing import Final

FEATURE: Final = "codelinks"

# Longer links are not expanded: a permalink is rarely a tenth of this, and the reply repeats
# the link, which must leave room for the code in a 2,000-character message.
MAX_LINK_CHARS: Final = 400
# Snippet titles are short; the path and the lines are cut to fit.
TITLE_MAX_CHARS: Final = 100
