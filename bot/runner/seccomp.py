"""The system-call filter every jailed program runs under, compiled once to the BPF program
bubblewrap loads (`bwrap --seccomp FD`) right before it executes the member's code.

Namespaces already take most of these calls' power away; the filter is the second wall, and
it shrinks the kernel surface a program can reach. Denied calls fail with EPERM, so programs
see an ordinary error instead of dying.
"""

from __future__ import annotations

import errno
import os
import socket

# Calls no member's program needs, each an old road out of a container: tracing, mounting,
# namespaces, kernel keys, BPF, perf, modules, kexec, reboot, swap, userfaultfd, io_uring
# (whose operations bypass this filter), and the kernel's clock and accounting knobs.
DENIED = (
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "mount",
    "umount2",
    "fsopen",
    "fsmount",
    "fsconfig",
    "fspick",
    "move_mount",
    "open_tree",
    "mount_setattr",
    "pivot_root",
    "chroot",
    "unshare",
    "setns",
    "keyctl",
    "add_key",
    "request_key",
    "bpf",
    "perf_event_open",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "reboot",
    "swapon",
    "swapoff",
    "userfaultfd",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "acct",
    "quotactl",
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    "syslog",
    "vhangup",
    "lookup_dcookie",
    "open_by_handle_at",
    "name_to_handle_at",
    "nfsservctl",
    "iopl",
    "ioperm",
)

# clone's flags that make a new namespace (linux/sched.h; the os module names them only from
# Python 3.12); a plain fork or a thread passes none of them.
NAMESPACE_FLAGS = (
    0x00000080,  # CLONE_NEWTIME
    0x00020000,  # CLONE_NEWNS
    0x02000000,  # CLONE_NEWCGROUP
    0x04000000,  # CLONE_NEWUTS
    0x08000000,  # CLONE_NEWIPC
    0x10000000,  # CLONE_NEWUSER
    0x20000000,  # CLONE_NEWPID
    0x40000000,  # CLONE_NEWNET
)

# ioctl requests that push input into a terminal (the jail shares the bot's session, so it
# could otherwise type commands into the terminal the bot was started from).
TIOCSTI = 0x5412
TIOCLINUX = 0x541C

# personality() may only read the current persona: setting one can turn off address
# randomisation or change what the kernel reports.
PERSONALITY_QUERY = 0xFFFFFFFF


def compile_filter() -> bytes:
    """The filter as BPF bytes; raises OSError/RuntimeError when libseccomp cannot build it
    (ImportError when the package is missing)."""
    # libseccomp through ctypes: the library is the kernel ABI's well-kept compiler, and the
    # package adds no C extension of its own. Imported here, in the runner's start thread:
    # finding the library runs `ldconfig -p`, ~40 ms the bot's start need not wait for.
    import pyseccomp  # type: ignore[import-untyped]

    deny = pyseccomp.ERRNO(errno.EPERM)
    rules = pyseccomp.SyscallFilter(defaction=pyseccomp.ALLOW)
    for name in DENIED:
        rules.add_rule(deny, name)
    for flag in NAMESPACE_FLAGS:
        rules.add_rule(deny, "clone", pyseccomp.Arg(0, pyseccomp.MASKED_EQ, flag, flag))
    # clone3 passes its flags in memory the filter cannot read. ENOSYS (not EPERM) makes the C
    # library fall back to clone, where the flags above are checked, so threads still work.
    rules.add_rule(pyseccomp.ERRNO(errno.ENOSYS), "clone3")
    # Every socket family but AF_UNIX: no inet, raw, packet or netlink sockets even where a
    # network namespace would let them exist.
    rules.add_rule(deny, "socket", pyseccomp.Arg(0, pyseccomp.NE, socket.AF_UNIX))
    rules.add_rule(deny, "personality", pyseccomp.Arg(0, pyseccomp.NE, PERSONALITY_QUERY))
    for request in (TIOCSTI, TIOCLINUX):
        rules.add_rule(deny, "ioctl", pyseccomp.Arg(1, pyseccomp.MASKED_EQ, 0xFFFFFFFF, request))
    # A memory file, not a pipe: export writes everything before anything reads it.
    with os.fdopen(os.memfd_create("nexus-seccomp"), "w+b") as compiled:
        rules.export_bpf(compiled)
        compiled.seek(0)
        return compiled.read()
