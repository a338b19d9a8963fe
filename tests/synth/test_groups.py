"""Source groups: families of single functions, themes, and the coherence measure."""

import json

import numpy as np

from agentscaler_gym.synth.corpus import ApiSpec
from agentscaler_gym.synth.graph import GraphSettings, ToolGraph, detect_domains
from agentscaler_gym.synth.groups import cluster_labels, family, mixes_sources, same_theme, source_group
from agentscaler_gym.synth.quality import domain_groups
from agentscaler_gym.synth.spec import DomainSpec, OperatorSpec, SeedData, ToolSpec


def api(name: str, category: str = "") -> ApiSpec:
    return ApiSpec(name, "Does it.", {"type": "object", "properties": {"x": {"type": "string"}}}, {}, category, "t")


def test_a_function_family_is_the_first_content_words_of_its_name():
    assert family("calculate_compound_interest") == "compound interest"
    assert family("alarm_1_add_alarm") == "alarm"
    assert family("math_hypot") == "math"  # a computation's name is its verb: the family is math
    assert family("get_detail_adriel_projects") == "adriel project"
    assert source_group(api("cd", "gorilla_file_system")) == "gorilla_file_system"
    assert source_group(api("calculate_tax")) == "tax"


def test_groups_are_one_theme_only_when_a_word_is_common_to_all():
    assert same_theme(["compound interest", "simple interest"])
    assert same_theme(["memory_kv", "memory_vector", "memory_rec_sum"])
    assert not same_theme(["car_rental", "restaurant_reservations"])
    # a chain of shared words is not one theme: sport-analysis-data
    assert mixes_sources(["sport analysis", "data analysis", "data sport"])
    assert not mixes_sources(["banking"])


def test_families_are_pooled_under_their_most_shared_word_and_categories_stay_apart():
    apis = [
        api("calculate_compound_interest"),
        api("calculate_simple_interest"),
        api("interest_rate_lookup"),
        api("get_hotel_rooms", "Hotel API"),
        api("get_hotel_guests", "Hotel Guests API"),
        api("add"),
    ]
    groups, labels = cluster_labels(apis)
    assert labels[:3] == ["theme:interest"] * 3
    assert labels[3:5] == ["category:Hotel API", "category:Hotel Guests API"]
    assert labels[5] == "api:add"
    assert groups[0] == "compound interest"


def test_a_named_source_that_fits_is_one_domain_even_without_similar_parameters():
    graph = ToolGraph(7, np.array([0, 3]), np.array([1, 4]), np.array([0.9, 0.9]))
    labels = ["category:car"] * 4 + ["category:desk"] * 2 + ["category:lone"]
    partition = detect_domains(graph, 0, GraphSettings(min_tools=3, max_tools=24), groups=labels)
    assert partition.domains == [[0, 1, 2, 3]]
    assert partition.dropped == {"source group too small": 3}


def test_leftovers_of_a_large_source_join_its_communities():
    # two 5-cliques of one source and three tools with no similar tool, cut at 8 tools per domain
    sources, targets = [], []
    for start in (0, 5):
        for i in range(start, start + 5):
            for j in range(i + 1, start + 5):
                sources.append(i), targets.append(j)
    graph = ToolGraph(13, np.array(sources), np.array(targets), np.full(len(sources), 0.9))
    settings = GraphSettings(min_tools=3, max_tools=8)
    partition = detect_domains(graph, 0, settings, groups=["category:api"] * 13)
    assert sorted(v for d in partition.domains for v in d) == list(range(13)) and not partition.dropped
    assert all(len(d) <= 8 for d in partition.domains)
    unnamed = detect_domains(graph, 0, settings)  # sources unknown: a lone tool is dropped
    assert unnamed.dropped == {"no similar tool": 3}


def test_the_measure_reads_the_groups_a_domain_records_else_its_source_files():
    def spec(**sources):
        return DomainSpec("d", "D", "", "", SeedData(0, 1, "2025-06-01"), (), (), **sources)

    assert domain_groups(spec(groups=("tax", "alarm"), source=("bfcl:BFCL_v4_simple.json",))) == ["tax", "alarm"]
    old = spec(source=("builtin:banking.json", "builtin:car_rental.json"))
    assert domain_groups(old) == ["banking", "car_rental"] and mixes_sources(domain_groups(old))


def test_built_in_domains_record_one_source_group_each():
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "agentscaler_gym" / "synth" / "builtin"
    specs = [json.loads(p.read_text()) for p in sorted(folder.glob("*/domain.json"))]
    assert specs and all(len(s["groups"]) == 1 for s in specs)


def test_titles_name_the_source_or_the_theme_and_its_nouns_never_a_double_plural():
    from types import SimpleNamespace

    from agentscaler_gym.synth.pipeline import domain_title

    def tools(*entities):
        return [ToolSpec(f"get_{e}", "", "read", {}, OperatorSpec("get", {}, e)) for e in entities]

    shapes = [SimpleNamespace(category="")] * 3
    assert domain_title(shapes, tools("loan", "loan", "rate"), ["gorilla_file_system"] * 3) == "Gorilla file system"
    families = ["compound interest", "simple interest", "interest rate"]
    assert domain_title(shapes, tools("loan", "loan", "calculate"), families) == "Interest: loans"
    assert domain_title(shapes, tools("interest", "calculate", "calculate"), families) == "Interest"
    assert domain_title(shapes, tools("ls", "stats", "ls")) == "Ls and stats"
