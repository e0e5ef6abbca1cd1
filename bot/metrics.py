"""Prometheus metrics for one bot, on its own registry (several bots may share a test process)."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.interactions = Counter(
            "nexus_interactions",
            "Application command interactions, by command and outcome",
            ["command", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "nexus_interaction_seconds",
            "Time from receiving an interaction to finishing its command",
            ["command"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.gateway_latency = Gauge(
            "nexus_gateway_latency_seconds",
            "Latest heartbeat round trip to the Discord gateway",
            registry=self.registry,
        )
        self.scheduled_runs = Counter(
            "nexus_scheduled_runs",
            "Scheduled occurrences, by kind and outcome (posted, skipped, failed, taken)",
            ["kind", "outcome"],
            registry=self.registry,
        )

        # Each label set's child, looked up once: labels() checks the names and takes a lock on
        # every call. As many entries as prometheus keeps itself (commands × outcomes).
        self._counted: dict[tuple[str, str], Counter] = {}
        self._timed: dict[str, Histogram] = {}

    def watch_gateway_latency(self, read: Callable[[], float]) -> None:
        self.gateway_latency.set_function(read)

    def observe(self, command: str, outcome: str, seconds: float | None) -> None:
        counted = self._counted.get((command, outcome))
        if counted is None:
            counted = self.interactions.labels(command=command, outcome=outcome)
            self._counted[(command, outcome)] = counted
        counted.inc()
        if seconds is not None:
            timed = self._timed.get(command)
            if timed is None:
                timed = self._timed[command] = self.latency.labels(command=command)
            timed.observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
