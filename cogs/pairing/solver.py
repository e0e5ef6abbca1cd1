"""The maximum-weight matching: rustworkx's blossom over the candidate lists, then a complete
graph for the few those lists stranded.

A general matching: a bipartite assignment on one pool can pair a person with themselves or break
symmetry.
"""

from __future__ import annotations

import numpy as np
import rustworkx as rx

from cogs.pairing.candidates import candidate_edges, time_zone_regions
from cogs.pairing.round_model import pair_key
from cogs.pairing.weights import PENALTY_BY_AGE, IntArray, Pool

# Keeps every edge of the fallback graph positive (it is used with max_cardinality, so a
# constant shift does not change which matching wins).
FALLBACK_SHIFT = int(PENALTY_BY_AGE.max()) + 1


def blossom(a: IntArray, b: IntArray, weights: IntArray) -> list[tuple[int, int]]:
    """Maximum-cardinality, maximum-weight matching of the graph given as edges (global ids)."""
    if a.size == 0:
        return []
    nodes, inverse = np.unique(np.concatenate([a, b]), return_inverse=True)
    local_a, local_b = inverse[: a.size], inverse[a.size :]
    graph: rx.PyGraph[None, int] = rx.PyGraph(multigraph=False)
    graph.add_nodes_from([None] * nodes.size)
    graph.add_edges_from(zip(local_a.tolist(), local_b.tolist(), weights.tolist(), strict=True))
    matched = rx.max_weight_matching(graph, max_cardinality=True, weight_fn=int)
    pairs = [pair_key(int(nodes[u]), int(nodes[v])) for u, v in matched]
    return sorted(pairs)


def pair_up(pool: Pool, members: IntArray) -> tuple[list[tuple[int, int]], list[int]]:
    """Pair `members` (global indices); returns pairs and who is left (one at most)."""
    pairs: list[tuple[int, int]] = []
    for region in time_zone_regions(pool, members):
        a, b = candidate_edges(pool, region)
        pairs += blossom(a, b, pool.weights(a, b))
    matched = {i for pair in pairs for i in pair}
    leftovers = np.array([i for i in members.tolist() if i not in matched], dtype=np.int64)
    if leftovers.size >= 2:
        # Sparsity or recent partners stranded these few: pair them on a complete graph,
        # where meeting again costs its graded penalty.
        low, high = np.triu_indices(leftovers.size, k=1)
        a, b = leftovers[low], leftovers[high]
        pairs += blossom(a, b, pool.weights(a, b) + FALLBACK_SHIFT)
        matched = {i for pair in pairs for i in pair}
        leftovers = np.array([i for i in leftovers.tolist() if i not in matched], dtype=np.int64)
    return sorted(pairs), leftovers.tolist()
