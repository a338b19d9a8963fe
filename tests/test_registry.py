"""The registry is the one resolver: ids -> domains, tags, double claims, and adding a domain in two places."""

import ast
import pickle
import re
import shutil
from pathlib import Path

import gymnasium as gym
import pytest

import agentscaler_gym
from agentscaler_gym import registry
from agentscaler_gym.checks import check_domain
from agentscaler_gym.domain import Domain
from agentscaler_gym.env import ToolUseEnv
from agentscaler_gym.registry import ENTRY_POINT, SYNTHESIZED, domain_of, entries, ids, make_env

PACKAGE = Path(agentscaler_gym.__file__).parent
BUILTIN = PACKAGE / "synth" / "builtin"


def test_every_registered_id_goes_through_the_factory_with_picklable_arguments():
    for env_id, entry in entries().items():
        spec = gym.spec(env_id)
        assert spec.entry_point == ENTRY_POINT
        assert pickle.loads(pickle.dumps(spec.kwargs)) == {**entry.kwargs, "domain": entry.domain}


def test_the_env_takes_a_domain_and_imports_nothing_above_it():
    tree = ast.parse((PACKAGE / "env.py").read_text())
    imported = {
        node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level == 1
    } | {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert not imported & {"registry", "rollout", "multiagent", "cli", "synth"}, imported
    with pytest.raises(TypeError, match="must be a Domain"):
        ToolUseEnv("agentscaler_gym.domains.mock")
    env = make_env("agentscaler_gym.domains.mock", max_turns=5)
    assert isinstance(env.domain, Domain) and env.domain is domain_of("AgentScaler/mock-v0")


def test_tags_name_the_verticals_and_the_synthesized_domains():
    assert ids("vertical") == ["AgentScaler/retail-v0", "AgentScaler/airline-v0", "AgentScaler/telecom-v0"]
    assert ids("template") == ["AgentScaler/mock-v0"]
    synthesized = ids(SYNTHESIZED)
    assert {Path(entries()[i].domain).name for i in synthesized} == {
        p.parent.name for p in BUILTIN.glob("*/domain.json")
    }
    assert (
        sorted(ids())
        == sorted(ids("vertical") + ids("template") + synthesized)
        == sorted(agentscaler_gym.builtin_ids())
    )


def test_domain_of_resolves_built_in_and_folder_ids_and_names_unknown_ones():
    assert domain_of("AgentScaler/retail-v0").name == "retail"
    assert domain_of(ids(SYNTHESIZED)[0]).name == Path(entries()[ids(SYNTHESIZED)[0]].domain).name
    with pytest.raises(KeyError, match="AgentScaler/nowhere-v0 is not registered"):
        domain_of("AgentScaler/nowhere-v0")


def test_an_id_claimed_twice_raises_naming_both_sources(tmp_path):
    twice = tmp_path / "twice.yaml"
    twice.write_text(
        "envs:\n"
        "  AgentScaler/help-v0: {domain: agentscaler_gym.domains.mock}\n"
        "  AgentScaler/help-v0: {domain: agentscaler_gym.domains.retail}\n"
    )
    with pytest.raises(ValueError, match=r"twice\.yaml: AgentScaler/help-v0 is claimed twice: by line 2 and by line 3"):
        entries(twice)
    shutil.copytree(BUILTIN / "pet_care", tmp_path / "domains" / "help")
    clash = tmp_path / "clash.yaml"
    clash.write_text("envs:\n  AgentScaler/help-v0: {domain: agentscaler_gym.domains.mock}\nsynthesized: [domains]\n")
    with pytest.raises(ValueError) as caught:
        entries(clash)
    message = str(caught.value)
    assert "AgentScaler/help-v0 is claimed twice" in message
    assert "clash.yaml envs: AgentScaler/help-v0" in message and str(tmp_path / "domains" / "help") in message


def test_a_domain_is_added_with_its_folder_and_one_yaml_line(tmp_path, monkeypatch):
    """A copy of the mock template as an out-of-tree package, plus one line in a registry file."""
    package = tmp_path / "packages" / "help_desk"
    shutil.copytree(PACKAGE / "domains" / "mock", package, ignore=shutil.ignore_patterns("__pycache__"))
    for file in package.glob("*.py"):  # out of the tree, the runtime is imported by its name
        text = re.sub(r"from \.\.\.(\w+)", r"from agentscaler_gym.\1", file.read_text())
        file.write_text(re.sub(r"from \.\.(\w+)", r"from agentscaler_gym.domains.\1", text))
    monkeypatch.syspath_prepend(str(tmp_path / "packages"))
    shutil.copytree(BUILTIN / "pet_care", tmp_path / "folders" / "clinic")
    file = tmp_path / "registry.yaml"
    file.write_text(
        "envs:\n"
        "  Local/help_desk-v0: {domain: help_desk, tags: [vertical]}\n"
        "  Local/clinic-v0: {domain: folders/clinic}\n"
    )
    found = entries(file)
    assert [e.tags for e in found.values()] == [("vertical",), ()]
    try:
        assert registry.register_builtin(file) == ["Local/help_desk-v0", "Local/clinic-v0"]
        for env_id in found:
            domain = domain_of(env_id)
            check_domain(domain, "test")
            env = gym.make(env_id, disable_env_checker=True)
            assert env.unwrapped.domain is domain
            env.close()
    finally:
        for env_id in found:
            gym.registry.pop(env_id, None)


def test_the_readme_lists_two_places_to_add_a_domain():
    readme = (PACKAGE.parent / "README.md").read_text()
    section = readme.split("## Add a domain", 1)[1].split("\n## ", 1)[0]
    assert "two places" in section and "registry.yaml" in section
