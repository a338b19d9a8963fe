"""The tool graph: sparse similarity equals the dense cosine it approximates; Louvain is seeded and bounded."""

import random

import numpy as np
import pytest

from agentscaler_gym.synth.graph import GraphSettings, ToolGraph, build_graph, detect_domains, parameter_features


def props(*names):
    return {"type": "object", "properties": {n: {"type": "string", "description": ""} for n in names}}


def dense_cosine(features):
    vocab = sorted({k for f in features for k in f})
    index = {k: i for i, k in enumerate(vocab)}
    matrix = np.zeros((len(features), len(vocab)))
    for i, f in enumerate(features):
        for k, w in f.items():
            matrix[i, index[k]] = w
    df = (matrix > 0).sum(axis=0)
    matrix *= np.log((1 + len(features)) / (1 + df)) + 1.0
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix @ matrix.T


def test_parameter_names_are_normalised_before_comparison():
    assert (
        parameter_features(props("petId")) == parameter_features(props("pet_id")) == parameter_features(props("PetIds"))
    )


def test_tools_with_similar_parameters_are_joined_and_unrelated_ones_are_not():
    features = [
        parameter_features(p)
        for p in (
            props("pet_id", "owner_id"),
            props("pet_id", "owner_id", "name"),
            props("flight_number", "departure_date"),
            props("city", "unit"),
        )
    ]
    graph = build_graph(features, GraphSettings(threshold=0.3))
    assert list(zip(graph.sources.tolist(), graph.targets.tolist())) == [(0, 1)]
    assert 0.3 <= graph.weights[0] <= 1.0


def test_blocked_similarity_equals_dense_cosine_when_every_feature_may_block():
    rng = random.Random(7)
    pool = [f"p{i}" for i in range(40)]
    features = [{f"p:{name}": 1.0 for name in rng.sample(pool, rng.randint(1, 5))} for _ in range(120)]
    graph = build_graph(features, GraphSettings(threshold=0.2, max_df=len(features), top_k=len(features)))
    dense = dense_cosine(features)
    expected = {(i, j) for i in range(120) for j in range(i + 1, 120) if dense[i, j] >= 0.2 + 1e-9}
    found = dict(zip(zip(graph.sources.tolist(), graph.targets.tolist()), graph.weights.tolist()))
    assert expected <= set(found) and all(dense[i, j] >= 0.2 - 1e-9 for i, j in found)
    assert all(abs(found[pair] - dense[pair]) < 1e-9 for pair in expected)


def test_each_tool_keeps_only_its_strongest_edges():
    hub = {"p:a": 1.0, "p:b": 1.0, "p:c": 1.0}
    spokes = [{"p:a": 1.0, "p:b": 1.0, "p:c": 1.0, f"p:x{i}": 0.1 * (i + 1)} for i in range(10)]
    full = build_graph([hub] + spokes, GraphSettings(threshold=0.1, top_k=100))
    capped = build_graph([hub] + spokes, GraphSettings(threshold=0.1, top_k=2))
    assert len(full.weights) == 11 * 10 // 2
    degree = np.bincount(np.concatenate([capped.sources, capped.targets]), minlength=11)
    kept = set(zip(capped.sources.tolist(), capped.targets.tolist()))
    for v in range(11):  # every kept edge is among the two strongest of one of its ends
        ranked = sorted(
            (
                (w, -u)
                for (a, b), w in zip(zip(full.sources, full.targets), full.weights)
                if v in (a, b)
                for u in [b if a == v else a]
            ),
            reverse=True,
        )[:2]
        assert {tuple(sorted((v, -u))) for _, u in ranked} <= kept
    assert len(kept) < len(full.weights) and degree.min() >= 2


def test_features_shared_by_too_many_tools_generate_no_pairs():
    features = [{"p:limit": 1.0, f"p:only_{i}": 1.0} for i in range(50)]
    assert build_graph(features, GraphSettings(threshold=0.01, max_df=10)).candidate_pairs == 0
    assert build_graph(features, GraphSettings(threshold=0.01, max_df=50)).candidate_pairs == 50 * 49 // 2


def cliques(*sizes, bridge=0.05):
    """Disjoint weighted cliques, consecutive ones joined by one weak edge."""
    sources, targets, weights, start = [], [], [], 0
    for k in sizes:
        for i in range(start, start + k):
            for j in range(i + 1, start + k):
                sources.append(i), targets.append(j), weights.append(0.9)
        if start:
            sources.append(start - 1), targets.append(start), weights.append(bridge)
        start += k
    return ToolGraph(start, np.array(sources), np.array(targets), np.array(weights))


def test_louvain_finds_the_cliques_and_is_the_same_for_the_same_seed():
    graph = cliques(5, 6, 7)
    a = detect_domains(graph, seed=3, settings=GraphSettings(min_tools=3, max_tools=24))
    b = detect_domains(graph, seed=3, settings=GraphSettings(min_tools=3, max_tools=24))
    assert a.domains == b.domains == [list(range(0, 5)), list(range(5, 11)), list(range(11, 18))]


def test_oversized_communities_are_split_and_tiny_ones_dropped_with_a_reason():
    graph = cliques(30, 2)
    partition = detect_domains(graph, seed=0, settings=GraphSettings(min_tools=3, max_tools=12))
    assert all(3 <= len(d) <= 12 for d in partition.domains)
    assert sum(len(d) for d in partition.domains) + sum(partition.dropped.values()) == 32
    assert partition.dropped["community too small"] >= 2


def test_isolated_tools_are_counted_as_having_no_similar_tool():
    graph = ToolGraph(4, np.array([0, 0, 1]), np.array([1, 2, 2]), np.array([0.9, 0.9, 0.9]))
    partition = detect_domains(graph, seed=0, settings=GraphSettings(min_tools=3))
    assert partition.domains == [[0, 1, 2]] and partition.dropped == {"no similar tool": 1}


@pytest.mark.parametrize(
    "bad", [None, [], "text", {"properties": None}, {"properties": {"": {}}}, {"properties": {"x": "y"}}]
)
def test_malformed_parameter_schemas_give_features_not_errors(bad):
    assert isinstance(parameter_features(bad), dict)
