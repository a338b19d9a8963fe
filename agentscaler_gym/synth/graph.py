"""Stage 2: the tool graph, and its communities as domains.

Two tools are joined when their parameter lists are similar: each tool is a TF-IDF vector over
features of its parameters (the whole name, its words, and the words of its description) and the
edge weight is the cosine similarity, kept above a threshold. Louvain community detection
(``networkx``, seeded) then cuts the graph into domains; oversized communities are split again and
tiny ones dropped.

The similarity is sparse by construction: only features shared by at most ``max_df`` tools are
used to generate candidate pairs (blocking on an inverted index), so the cost follows the number
of tools sharing a specific parameter, not the square of the corpus. Features more common than
that (``limit``, ``id``, ``format``) carry little IDF weight and only enter the vector norms.
Each tool then keeps its ``top_k`` strongest edges, so the graph stays sparse where a large API
makes near-cliques.
"""

from __future__ import annotations

import collections
from collections.abc import Sequence
from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from .words import STOPWORDS, singular, words

PAIR_CHUNK = 4_000_000  # candidate pairs generated per numpy batch
REDUCE_AT = 24_000_000  # pending pairs before they are summed into the running total


@dataclass
class GraphSettings:
    """How the tool graph is built and cut.

    Attributes:
        threshold: Minimum cosine similarity of two tools' parameter vectors for an edge.
        max_df: A feature shared by more tools than this generates no candidate pairs.
        min_tools: Communities smaller than this are dropped.
        max_tools: Communities larger than this are split again.
        resolution: Louvain resolution (higher gives smaller communities).
        top_k: Each tool keeps its ``top_k`` strongest edges (an edge stays if either end keeps it).
    """

    threshold: float = 0.3
    top_k: int = 16
    max_df: int = 300
    min_tools: int = 3
    max_tools: int = 24
    resolution: float = 1.0


@dataclass
class ToolGraph:
    """Tools ``0..n-1`` joined by similarity edges ``(sources[k], targets[k], weights[k])``, sources < targets."""

    n: int
    sources: np.ndarray
    targets: np.ndarray
    weights: np.ndarray
    candidate_pairs: int = 0

    def to_networkx(self) -> nx.Graph:
        graph = nx.Graph()
        graph.add_nodes_from(range(self.n))
        graph.add_weighted_edges_from(zip(self.sources.tolist(), self.targets.tolist(), self.weights.tolist()))
        return graph


@dataclass
class Partition:
    """Domains as sorted lists of tool indices, in order of their smallest index, plus what was dropped."""

    domains: list[list[int]]
    dropped: collections.Counter = field(default_factory=collections.Counter)


def parameter_features(parameters: dict) -> dict[str, float]:
    """TF weights of a tool's parameter features: ``p:<name>`` 1.0, ``w:<word>`` 0.5, ``d:<word>`` 0.2."""
    features: dict[str, float] = {}
    properties = parameters.get("properties") if isinstance(parameters, dict) else None
    for name, prop in (properties or {}).items():
        parts = [singular(w) for w in words(str(name))]
        if not parts:
            continue
        features["p:" + "_".join(parts)] = 1.0
        for w in parts:
            if w not in STOPWORDS:
                features["w:" + w] = max(features.get("w:" + w, 0.0), 0.5)
        description = prop.get("description", "") if isinstance(prop, dict) else ""
        for w in words(str(description))[:40]:
            if len(w) > 2 and w not in STOPWORDS and not w.isdigit():
                features.setdefault("d:" + singular(w), 0.2)
    return features


def build_graph(features: Sequence[dict[str, float]], settings: GraphSettings = GraphSettings()) -> ToolGraph:
    """Similarity edges between tools, from their feature weights (see :func:`parameter_features`)."""
    n = len(features)
    vocab: dict[str, int] = {}
    docs, feats, tfs = [], [], []
    for i, f in enumerate(features):
        for name in sorted(f):
            docs.append(i)
            feats.append(vocab.setdefault(name, len(vocab)))
            tfs.append(f[name])
    doc = np.asarray(docs, dtype=np.int64)
    feat = np.asarray(feats, dtype=np.int64)
    empty = np.zeros(0, dtype=np.int64)
    if not len(doc):
        return ToolGraph(n, empty, empty, np.zeros(0))
    df = np.bincount(feat, minlength=len(vocab))
    weight = np.asarray(tfs) * (np.log((1 + n) / (1 + df)) + 1.0)[feat]
    norm = np.sqrt(np.bincount(doc, weights=weight * weight, minlength=n))
    weight = weight / norm[doc]

    block = (df[feat] >= 2) & (df[feat] <= settings.max_df)
    order = np.lexsort((doc[block], feat[block]))
    f_sorted, d_sorted, w_sorted = feat[block][order], doc[block][order], weight[block][order]
    starts = np.flatnonzero(np.r_[True, f_sorted[1:] != f_sorted[:-1]]) if len(f_sorted) else empty
    sizes = np.diff(np.r_[starts, len(f_sorted)])
    total = _PairSum(n)
    for k in np.unique(sizes).tolist():
        if k < 2:
            continue
        group_starts = starts[sizes == k]
        iu, ju = np.triu_indices(k, 1)
        per_group = len(iu)
        step = max(1, PAIR_CHUNK // per_group)
        for lo in range(0, len(group_starts), step):
            index = group_starts[lo : lo + step, None] + np.arange(k)
            members, member_weights = d_sorted[index], w_sorted[index]
            total.add(
                members[:, iu].ravel(), members[:, ju].ravel(), (member_weights[:, iu] * member_weights[:, ju]).ravel()
            )
    keys, sims = total.result()
    keep = sims >= settings.threshold
    keys, sims = keys[keep], sims[keep]
    sources, targets = keys // n, keys % n
    strongest = _strongest(sources, targets, sims, settings.top_k)
    return ToolGraph(n, sources[strongest], targets[strongest], sims[strongest], candidate_pairs=total.pairs)


def _strongest(sources: np.ndarray, targets: np.ndarray, weights: np.ndarray, k: int) -> np.ndarray:
    """Indices of the edges among the ``k`` strongest of either endpoint (ties: lower neighbour first).

    Tools of one large API often all share a few parameters; without this cap they form near-cliques
    of thousands of edges per tool, which Louvain handles slowly and cuts poorly.
    """
    ends = np.concatenate([sources, targets])
    others = np.concatenate([targets, sources])
    edge = np.concatenate([np.arange(len(weights))] * 2)
    order = np.lexsort((others, -np.concatenate([weights, weights]), ends))
    ends = ends[order]
    starts = np.flatnonzero(np.r_[True, ends[1:] != ends[:-1]]) if len(ends) else ends
    rank = np.arange(len(ends)) - np.repeat(starts, np.diff(np.r_[starts, len(ends)]))
    return np.unique(edge[order][rank < k])


class _PairSum:
    """Sums contributions per unordered pair ``i < j``, keyed ``i * n + j``, in bounded memory."""

    def __init__(self, n: int):
        self.n, self.pairs = n, 0
        self.keys: list[np.ndarray] = []
        self.values: list[np.ndarray] = []
        self.pending = 0

    def add(self, i: np.ndarray, j: np.ndarray, v: np.ndarray) -> None:
        self.keys.append(i * self.n + j)
        self.values.append(v)
        self.pending += len(v)
        self.pairs += len(v)
        if self.pending > REDUCE_AT:
            self._reduce()

    def _reduce(self) -> None:
        keys = np.concatenate(self.keys) if self.keys else np.zeros(0, dtype=np.int64)
        values = np.concatenate(self.values) if self.values else np.zeros(0)
        unique, inverse = np.unique(keys, return_inverse=True)
        self.keys, self.values = [unique], [np.bincount(inverse, weights=values, minlength=len(unique))]
        self.pending = len(unique)

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        self._reduce()
        return self.keys[0], self.values[0]


# ---------------------------------------------------------------------------------------------
# Communities


def detect_domains(
    graph: ToolGraph, seed: int = 0, settings: GraphSettings = GraphSettings(), groups: Sequence[str] | None = None
) -> Partition:
    """Seeded Louvain inside each source group; split oversized communities, keep the group's leftovers.

    ``groups`` labels each tool's source pool (see :func:`~agentscaler_gym.synth.groups.cluster_labels`;
    None: one pool of unknown sources). Tools of two pools are never joined, so a domain holds one
    source. Inside a pool, Louvain cuts the similarity graph. In a named pool, the tools Louvain leaves
    out (no similar tool, or a community under ``min_tools``) still belong to the source, so they join
    the pool's community they share most edge weight with (else its smallest) while it has room, or
    form a domain of their own; elsewhere they are dropped ("no similar tool", "community too small").
    A named pool too small for any domain is dropped ("source group too small")."""
    g = graph.to_networkx()
    labels = list(groups) if groups is not None else [""] * graph.n
    pools: dict[str, list[int]] = {}
    for v, label in enumerate(labels):
        pools.setdefault(label, []).append(v)
    if groups is not None:
        g.remove_edges_from([(u, v) for u, v in g.edges if labels[u] != labels[v]])
    dropped: collections.Counter = collections.Counter()
    domains: list[list[int]] = []
    for members in pools.values():
        named = groups is not None and bool(labels[members[0]])
        if named and len(members) < settings.min_tools:
            dropped["source group too small"] += len(members)
            continue
        if named and len(members) <= settings.max_tools:
            domains.append(members)  # a source that fits in one domain is one domain
            continue
        domains.extend(_pool_domains(g, members, seed, settings, dropped, keep_leftovers=named))
    domains.sort(key=lambda c: c[0])
    return Partition(domains, dropped)


def _pool_domains(
    g: nx.Graph,
    members: list[int],
    seed: int,
    settings: GraphSettings,
    dropped: collections.Counter,
    keep_leftovers: bool,
) -> list[list[int]]:
    """The domains of one source pool: Louvain communities, with the pool's leftovers placed."""
    sub = nx.Graph(g.subgraph(members)) if len(members) < len(g) else g
    linked = [v for v in members if sub.degree(v) > 0]
    found = (
        nx.community.louvain_communities(
            nx.Graph(sub.subgraph(linked)), weight="weight", resolution=settings.resolution, seed=seed
        )
        if linked
        else []
    )
    parts: list[list[int]] = []
    leftovers = [v for v in members if sub.degree(v) == 0]
    for community in sorted((sorted(c) for c in found), key=lambda c: c[0]):
        for part in _split(sub, community, seed, settings, settings.resolution):
            if len(part) >= settings.min_tools:
                parts.append(part)
            else:
                leftovers.extend(part)
    if not keep_leftovers:
        isolated = sum(sub.degree(v) == 0 for v in leftovers)
        if isolated:
            dropped["no similar tool"] += isolated
        if len(leftovers) > isolated:
            dropped["community too small"] += len(leftovers) - isolated
        leftovers = []
    part_of = {u: k for k, part in enumerate(parts) for u in part}
    for v in sorted(leftovers):
        room = [k for k, part in enumerate(parts) if len(part) < settings.max_tools]
        if not room:
            room = [len(parts)]
            parts.append([])
        weight: collections.Counter = collections.Counter()
        for u, edge in sub[v].items():
            if u in part_of:
                weight[part_of[u]] += edge["weight"]
        k = max(room, key=lambda k: (weight[k], -len(parts[k]), -k))
        parts[k].append(v)
        part_of[v] = k
    out = []
    for part in parts:
        if len(part) >= settings.min_tools:
            out.append(sorted(part))
        else:
            dropped["community too small"] += len(part)
    return out


def _split(
    g: nx.Graph, nodes: list[int], seed: int, settings: GraphSettings, resolution: float, depth: int = 0
) -> list[list[int]]:
    if len(nodes) <= settings.max_tools:
        return [nodes]
    sub = nx.Graph(g.subgraph(nodes))  # a copy: Louvain on a subgraph view is several times slower
    parts = (
        []
        if depth >= 4
        else sorted(
            (
                sorted(c)
                for c in nx.community.louvain_communities(sub, weight="weight", resolution=resolution * 2, seed=seed)
            ),
            key=lambda c: c[0],
        )
    )
    if len(parts) <= 1:
        return _chunks(sub, nodes, settings.max_tools)
    out = []
    for part in parts:
        out.extend(_split(sub, part, seed, settings, resolution * 2, depth + 1))
    return out


def _chunks(g: nx.Graph, nodes: list[int], size: int) -> list[list[int]]:
    """Cut a community Louvain will not split into pieces of ``size`` in breadth-first order (neighbours stay together)."""
    sub = g.subgraph(nodes)
    order: list[int] = []
    seen: set[int] = set()
    for start in nodes:
        if start in seen:
            continue
        seen.add(start)
        queue = collections.deque([start])
        while queue:
            v = queue.popleft()
            order.append(v)
            for u in sorted(sub.neighbors(v)):
                if u not in seen:
                    seen.add(u)
                    queue.append(u)
    return [sorted(order[i : i + size]) for i in range(0, len(order), size)]
