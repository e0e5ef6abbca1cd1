"""What the start leaves for later: libraries only some interactions, the web server or another
database need are imported where first used, not while the bot starts (docs/architecture.md,
"Starting fast"). A top-level import of one of them would slip back into every start unseen;
`bench.startup` shows what it costs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.after_ready import LEFT_FOR_LATER

REPO = Path(__file__).resolve().parents[2]

# What a start does before ready, short of the network: the configuration, the app, every
# feature, the bot itself.
START = """
import sys
from bot.config import load_settings
from bot.logs import configure_logging
from bot.app import create_bot
from bot.extensions import discover_extensions
for name in discover_extensions():
    __import__(name)
settings = load_settings(None)
configure_logging(settings.log.level, settings.log.format)
create_bot(settings)
print(" ".join(sorted(sys.modules)))
"""


def test_the_start_leaves_heavy_libraries_for_first_use(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", START],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # no data/config.yaml here: the start reads no YAML
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        timeout=120,
        check=True,
    )
    loaded = set(done.stdout.split())
    assert "cogs.feedback.commands" in loaded  # the features were imported
    assert sorted(LEFT_FOR_LATER & loaded) == []
