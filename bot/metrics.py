"""Prometheus metrics for one bot, on its own registry (several bots may share a test process).

The prometheus_client objects are made on first use (the first interaction, scheduled run or
scrape), not when the bot starts: the library and the HTTP server modules it imports are about
30 modules and 1.5 MB the start does not need.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True)
class Instruments:
    registry: CollectorRegistry
    interactions: Counter
    latency: Histogram
    gateway_latency: Gauge
    scheduled_runs: Counter


def _instruments() -> Instruments:
    from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

    registry = CollectorRegistry()
    return Instruments(
        registry=registry,
        interactions=Counter(
            "nexus_interactions",
            "Application command interactions, by command and outcome",
            ["command", "outcome"],
            registry=registry,
        ),
        latency=Histogram(
            "nexus_interaction_seconds",
            "Time from receiving an interaction to finishing its command",
            ["command"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        ),
        gateway_latency=Gauge(
            "nexus_gateway_latency_seconds",
            "Latest heartbeat round trip to the Discord gateway",
            registry=registry,
        ),
        scheduled_runs=Counter(
            "nexus_scheduled_runs",
            "Scheduled occurrences, by kind and outcome (posted, skipped, failed, taken)",
            ["kind", "outcome"],
            registry=registry,
        ),
    )


class Metrics:
    def __init__(self) -> None:
        self._made: Instruments | None = None
        self._read_gateway_latency: Callable[[], float] | None = None
        # Each label set's child, looked up once: labels() checks the names and takes a lock on
        # every call. As many entries as prometheus keeps itself (commands × outcomes).
        self._counted: dict[tuple[str, str], Counter] = {}
        self._timed: dict[str, Histogram] = {}

    @property
    def instruments(self) -> Instruments:
        if self._made is None:
            self._made = _instruments()
            if self._read_gateway_latency is not None:
                self._made.gateway_latency.set_function(self._read_gateway_latency)
        return self._made

    @property
    def scheduled_runs(self) -> Counter:
        return self.instruments.scheduled_runs

    @property
    def content_type(self) -> str:
        from prometheus_client.exposition import CONTENT_TYPE_LATEST

        return CONTENT_TYPE_LATEST

    def watch_gateway_latency(self, read: Callable[[], float]) -> None:
        self._read_gateway_latency = read
        if self._made is not None:
            self._made.gateway_latency.set_function(read)

    def observe(self, command: str, outcome: str, seconds: float | None) -> None:
        counted = self._counted.get((command, outcome))
        if counted is None:
            counted = self.instruments.interactions.labels(command=command, outcome=outcome)
            self._counted[(command, outcome)] = counted
        counted.inc()
        if seconds is not None:
            timed = self._timed.get(command)
            if timed is None:
                timed = self._timed[command] = self.instruments.latency.labels(command=command)
            timed.observe(seconds)

    def render(self) -> bytes:
        from prometheus_client import generate_latest

        return generate_latest(self.instruments.registry)
