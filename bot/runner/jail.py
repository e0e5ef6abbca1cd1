"""The jail's command line, built in one place: bubblewrap with every namespace new, the
system read-only, a size-capped /tmp, a fixed environment, the seccomp filter, and util-linux's
prlimit setting the resource limits right before the member's program starts.

Pure: it opens nothing and starts nothing; `bot/runner/local.py` runs what it builds.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.runner.languages import MemoryLimit
from bot.runner.records import RunLimits

PRLIMIT = "/usr/bin/prlimit"
NICE = "/usr/bin/nice"

SETPRIV = "/usr/bin/setpriv"
# The user and group a program sees inside; bwrap maps them onto the unprivileged host user.
INSIDE_ID = 65534
HOME = "/tmp"
ENVIRONMENT = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": HOME,
    "LANG": "C.UTF-8",
}
# Top-level system paths that merged-/usr Debian makes symlinks into /usr; on a system where
# one is a real directory it is bound read-only instead.
SYSTEM_LINKS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
MEGABYTE = 1024 * 1024
# Enough for a friendly `whoami` and `~`, and nothing of the host's accounts.
PASSWD = f"nobody:x:{INSIDE_ID}:{INSIDE_ID}:nobody:{HOME}:/bin/bash\n".encode()
GROUP = f"nogroup:x:{INSIDE_ID}:\n".encode()


@dataclass(frozen=True)
class JailFiles:
    """Open file descriptors the jail reads at start: the compiled filter and each file (by
    its path inside) the run needs. The caller opens them and closes them after the start."""

    seccomp: int
    files: Mapping[str, int]


def resource_limits(limits: RunLimits, memory: MemoryLimit) -> list[str]:
    """prlimit's options for one run. CPU gets a soft limit (SIGXCPU, which a program may
    notice) and a hard one a second later (SIGKILL)."""
    cpu = max(1, math.ceil(limits.cpu_seconds))
    memory_bytes = limits.memory_mb * MEGABYTE
    return [
        f"--cpu={cpu}:{cpu + 1}",
        f"--{memory.value}={memory_bytes}",
        f"--nproc={limits.processes}",
        f"--fsize={limits.file_size_mb * MEGABYTE}",
        "--core=0",
        "--nofile=256",
    ]


def _system_binds() -> list[str]:
    binds = ["--ro-bind", "/usr", "/usr"]
    for name in SYSTEM_LINKS:
        path = f"/{name}"
        if os.path.islink(path):
            binds += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            binds += ["--ro-bind", path, path]
    return binds


def bwrap_argv(
    bwrap: str,
    command: Sequence[str],
    limits: RunLimits,
    memory: MemoryLimit,
    fds: JailFiles,
) -> list[str]:
    """The whole argv: bwrap's options, then prlimit, then the program."""
    argv = [
        bwrap,
        # User, PID, network, mount, IPC, UTS and cgroup namespaces; the network one has only
        # a loopback interface no other namespace shares.
        "--unshare-all",
        "--die-with-parent",
        # No --new-session: a session of its own would put the run in a scheduling autogroup
        # of its own, and the kernel shares the CPU fairly between autogroups whatever the
        # nice value, so a saturated pool would take half the machine from the bot. What
        # --new-session guards against, a program typing into the bot's terminal with
        # TIOCSTI, the seccomp filter refuses instead; and the bot starts each jail in a
        # process group of its own.
        "--uid",
        str(INSIDE_ID),
        "--gid",
        str(INSIDE_ID),
        "--hostname",
        "jail",
        "--cap-drop",
        "ALL",
        "--clearenv",
    ]
    for key, value in ENVIRONMENT.items():
        argv += ["--setenv", key, value]
    argv += _system_binds()
    argv += ["--proc", "/proc", "--dev", "/dev"]
    argv += ["--size", str(limits.tmp_size_mb * MEGABYTE), "--tmpfs", HOME]
    for path, fd in fds.files.items():
        argv += ["--perms", "0444", "--ro-bind-data", str(fd), path]
    # The root bwrap builds is a tmpfs of its own, writable and uncapped until made read-only;
    # /tmp below it stays writable (the remount is not recursive).
    argv += ["--remount-ro", "/", "--chdir", HOME, "--seccomp", str(fds.seccomp), "--", PRLIMIT]
    argv += resource_limits(limits, memory)
    argv += ["--", *command]
    return argv


def account_files() -> dict[str, bytes]:
    """/etc/passwd and /etc/group as the jail sees them."""
    return {"/etc/passwd": PASSWD, "/etc/group": GROUP}
