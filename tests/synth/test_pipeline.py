"""The synthesis pipeline end to end: built-in corpus -> validated, registered, deterministic domain folders."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import pytest

import agentscaler_gym
from agentscaler_gym.checks import check_domain, run_turns
from agentscaler_gym.database import Model
from agentscaler_gym.registry import SYNTHESIZED, entries
from agentscaler_gym.synth.corpus import ApiSpec, Corpus, load_corpus
from agentscaler_gym.synth.folder import build_domain, load_domain_folder
from agentscaler_gym.synth.pipeline import SynthConfig, synthesize
from agentscaler_gym.synth.spec import DomainSpec
from agentscaler_gym.synth.taskgen import TaskSettings
from agentscaler_gym.synth.validate import check_env_passes, validate_domain
from agentscaler_gym.tasks import ASSISTANT, oracle_turns
from agentscaler_gym.tools import Tool

BUILTIN = Path(agentscaler_gym.__file__).parent / "synth" / "builtin"
THEMES = ("library", "pet_care", "it_helpdesk", "banking")
DATA_FILES = ("domain.json", "tasks.json")


@pytest.fixture(scope="module")
def builtin_corpus():
    return load_corpus("builtin")


@pytest.fixture(scope="module")
def corpus_slice(builtin_corpus):
    return Corpus([a for a in builtin_corpus.apis if a.category in THEMES], name="slice")


@pytest.fixture(scope="module")
def slice_out(tmp_path_factory, corpus_slice):
    out = tmp_path_factory.mktemp("slice")
    report = synthesize(corpus_slice, out, SynthConfig(picture=False))
    return out, report


@pytest.fixture
def registry_restored():
    """Ids registered (or replaced) by the test are put back as they were afterwards."""
    saved = dict(gym.registry)
    yield
    gym.registry.clear()
    gym.registry.update(saved)


def folder_bytes(out: Path) -> dict[str, bytes]:
    files = [p for name in DATA_FILES for p in out.glob(f"*/{name}")] + [out / "report.json", out / "report.md"]
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(files)}


def test_a_slice_of_the_builtin_corpus_gives_domains_that_pass_every_check(slice_out):
    out, report = slice_out
    assert len(report.domains) >= 3
    for name in report.domains:
        domain = load_domain_folder(out / name)
        for split in ("train", "test"):
            check_domain(domain, split)
        check_env_passes(domain)
        assert not domain.rejected


def test_the_report_counts_every_stage(slice_out, corpus_slice):
    out, report = slice_out
    summary = json.loads((out / "report.json").read_text())
    assert summary == report.summary
    assert summary["corpus"]["apis"] == len(corpus_slice.apis)
    assert summary["domains"]["validated"] == len(report.domains) == len(summary["per_domain"])
    assert summary["tasks"]["total"] == sum(d["train"] + d["test"] for d in summary["per_domain"])
    tools_placed = sum(int(k) * v for k, v in summary["graph"]["community_sizes"].items())
    assert tools_placed + sum(summary["graph"]["dropped_tools"].values()) == summary["graph"]["tools"]
    text = (out / "report.md").read_text()
    assert "| domains |" in text and all(name in text for name in report.domains)


def test_same_corpus_and_seed_give_byte_identical_folders(slice_out, corpus_slice, tmp_path):
    out, _ = slice_out
    synthesize(corpus_slice, tmp_path, SynthConfig(picture=False))
    assert folder_bytes(tmp_path) == folder_bytes(out)


def test_another_hash_seed_and_two_workers_give_the_same_bytes(slice_out, tmp_path):
    out, _ = slice_out
    script = (
        "import sys; from agentscaler_gym.synth.corpus import Corpus, load_corpus\n"
        "from agentscaler_gym.synth.pipeline import SynthConfig, synthesize\n"
        f"themes = {THEMES!r}\n"
        "corpus = Corpus([a for a in load_corpus('builtin').apis if a.category in themes], name='slice')\n"
        "if __name__ == '__main__':\n"
        "    synthesize(corpus, sys.argv[1], SynthConfig(picture=False, workers=2))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "987"}
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True, env=env, timeout=300)
    assert folder_bytes(tmp_path) == folder_bytes(out)


def test_another_seed_gives_other_data_and_tasks(corpus_slice, slice_out, tmp_path):
    out, _ = slice_out
    synthesize(corpus_slice, tmp_path, SynthConfig(seed=1, picture=False))
    assert folder_bytes(tmp_path) != folder_bytes(out)


def test_later_calls_consume_values_that_earlier_calls_return(slice_out):
    out, report = slice_out
    chained = 0
    for name in report.domains:
        domain = load_domain_folder(out / name)
        for task in domain.task_list("train") + domain.task_list("test"):
            known = set(task.scenario.known.values())
            db = domain.seats()[ASSISTANT].db
            returned = set()
            for call in task.gold_calls:
                passed = {str(v) for v in call.arguments.values()}
                chained += bool(passed & returned - known)
                result = db.run(domain.tools[call.name], call.arguments)
                rows = result if isinstance(result, list) else [result]
                returned |= {str(v) for row in rows if isinstance(row, dict) for v in row.values()}
    assert chained >= 10


def test_a_domain_folder_loads_as_an_ordinary_domain(slice_out):
    out, report = slice_out
    domain = load_domain_folder(out / report.domains[0])
    spec = json.loads((out / report.domains[0] / "domain.json").read_text())
    assert all(issubclass(m, Model) for m in domain.agent.models)
    assert [m._meta.table_name for m in domain.agent.models] == [e["name"] for e in spec["entities"]]
    assert all(isinstance(t, Tool) for t in domain.agent.tools)
    assert [t.schema["function"]["parameters"] for t in domain.agent.tools] == [t["parameters"] for t in spec["tools"]]
    assert domain.policy == spec["policy"]


def test_registered_folders_make_gymnasium_envs_the_oracle_solves(slice_out, registry_restored):
    out, report = slice_out
    ids = agentscaler_gym.register_domains(out, replace=True)  # the built-in corpus's own domains are registered
    assert ids == [f"AgentScaler/{name}-v0" for name in sorted(report.domains)]
    env = gym.make(ids[0], disable_env_checker=True).unwrapped
    for task in env.tasks[:3]:
        reward, _ = run_turns(env, task, oracle_turns(task))
        assert reward == 1.0


def api(name, parameters, category="junk"):
    return ApiSpec(name, f"{name}.", parameters, {}, category, "test")


def test_malformed_apis_are_dropped_with_counted_reasons_and_never_crash(corpus_slice, tmp_path):
    weird = [
        api(
            "get_thing",
            {"type": "object", "properties": {"thing_id": {"type": ["null", "integer"]}}, "required": ["thing_id"]},
        ),
        api(
            "update_thing",
            {
                "type": "object",
                "properties": {
                    "thing_id": {"type": "integer"},
                    "save": {"type": "string"},
                    "self": {"type": "boolean"},
                    "ünïcode name": {"type": "dict"},
                },
            },
        ),
        api(
            "delete_thing",
            {"type": "object", "properties": {"thing_id": {"type": "integer"}, "api_key": {"type": "string"}}},
        ),
        api(
            "list_things",
            {
                "type": "object",
                "properties": {
                    "tags": {"type": "array", "items": {"type": "tuple"}},
                    "status": {"type": "string", "enum": [1, "a", None, "a"]},
                },
            },
        ),
        api("set_thing_limit", {"type": "object", "properties": {"token": {"type": "string"}}}),
        api(
            "frobnicate",
            {"type": "object", "properties": {"x": {"type": "object", "properties": {"y": {"type": "any"}}}}},
        ),
        api("cancel_thing", "not a schema"),
        api("create_thing", {"type": "object", "properties": {f"p{i}": {"type": "number"} for i in range(80)}}),
    ]
    corpus = Corpus(weird + list(corpus_slice.apis[:12]), name="weird")
    report = synthesize(corpus, tmp_path, SynthConfig(picture=False))
    assert report.summary["domains"]["processed"] >= 1
    for name in report.domains:
        check_domain(load_domain_folder(tmp_path / name), "test")


def test_cli_synth_writes_folders_and_a_report(tmp_path, capsys, corpus_slice):
    from agentscaler_gym.cli import main

    functions = tmp_path / "functions.json"
    functions.write_text(
        json.dumps(
            [{"name": a.name, "description": a.description, "parameters": a.parameters} for a in corpus_slice.apis]
        )
    )
    out = tmp_path / "out"
    assert (
        main(
            [
                "synth",
                "--corpus",
                str(functions),
                "--out",
                str(out),
                "--walk-length",
                "1-2",
                "--tasks",
                "9",
                "--no-picture",
                "--json",
            ]
        )
        == 0
    )
    printed = json.loads(capsys.readouterr().out)
    summary = printed["summary"]
    assert summary["settings"]["tasks"]["walk_length"] == [1, 2] and summary["domains"]["validated"] >= 2
    assert sorted(p.parent.name for p in out.glob("*/domain.json")) == sorted(d["name"] for d in summary["per_domain"])
    assert {"graph", "domains", "write"} <= set(printed["timings"])


def test_cli_rejects_a_bad_walk_length():
    from agentscaler_gym.cli import main

    with pytest.raises(SystemExit):
        main(["synth", "--corpus", "builtin", "--out", "x", "--walk-length", "3-1"])


def test_the_tool_graph_picture_is_drawn(slice_out, corpus_slice, tmp_path):
    pytest.importorskip("matplotlib")
    synthesize(corpus_slice, tmp_path, SynthConfig(picture=True, max_domains=2))
    assert (tmp_path / "graph.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------------------------------------------
# The committed built-in domains


def test_committed_builtin_domains_are_a_fresh_synthesis_of_the_builtin_corpus(builtin_corpus, tmp_path):
    synthesize(builtin_corpus, tmp_path, SynthConfig(picture=False))
    assert folder_bytes(tmp_path) == folder_bytes(BUILTIN), (
        "regenerate with: agentscaler synth --corpus builtin --out agentscaler_gym/synth/builtin"
    )


def test_at_least_twenty_builtin_synthesized_domains_are_registered():
    synthesized = [e for e in entries().values() if SYNTHESIZED in e.tags]
    assert len(synthesized) >= 20
    assert {Path(e.domain).name for e in synthesized} == {p.parent.name for p in BUILTIN.glob("*/domain.json")}


@pytest.mark.parametrize("name", sorted(p.parent.name for p in BUILTIN.glob("*/domain.json")))
def test_each_builtin_domain_passes_check_domain_on_its_train_split(name):
    domain = load_domain_folder(BUILTIN / name)
    check_domain(domain, "train")
    assert not domain.rejected


def test_a_paraphrase_hook_rewrites_every_user_request(corpus_slice, tmp_path):
    import string

    report = synthesize(
        corpus_slice,
        tmp_path,
        SynthConfig(picture=False, max_domains=1, tasks=TaskSettings(paraphrase="string:capwords")),
    )
    tasks = json.loads((tmp_path / report.domains[0] / "tasks.json").read_text())
    openings = [t["scenario"]["opening"] for split in tasks.values() for t in split]
    assert openings and all(o == string.capwords(o) and o != o.lower() for o in openings)


def test_emitted_code_is_readable_python_naming_every_model_and_tool(corpus_slice, tmp_path):
    report = synthesize(corpus_slice, tmp_path, SynthConfig(picture=False, max_domains=2, emit_code=True))
    for name in report.domains:
        source = (tmp_path / name / "view.py").read_text()
        compile(source, "view.py", "exec")
        spec = json.loads((tmp_path / name / "domain.json").read_text())
        assert all(f"def {t['name']}(" in source for t in spec["tools"])
        assert source.count("(Model):") == len(spec["entities"])


# ---------------------------------------------------------------------------------------------
# Output: written beside --out and swapped in whole


KILL_ON_SECOND_DOMAIN = """
import os, signal, sys
from agentscaler_gym.synth import pipeline
from agentscaler_gym.synth.corpus import Corpus, load_corpus

written = []
real = pipeline.write_domain_folder

def write_then_die(path, *args, **kwargs):
    written.append(path)
    if len(written) == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(path, *args, **kwargs)

pipeline.write_domain_folder = write_then_die
themes = {themes!r}
corpus = Corpus([a for a in load_corpus("builtin").apis if a.category in themes], name="slice")
pipeline.synthesize(corpus, sys.argv[1], pipeline.SynthConfig(seed=1, picture=False))
"""


def test_a_run_killed_while_writing_leaves_the_previous_output_whole(slice_out, tmp_path, registry_restored):
    out, report = slice_out
    target = shutil.copytree(out, tmp_path / "domains")
    before = folder_bytes(target)
    script = KILL_ON_SECOND_DOMAIN.format(themes=THEMES)
    run = subprocess.run([sys.executable, "-c", script, str(target)], env=os.environ, timeout=300)
    assert run.returncode == -9
    assert folder_bytes(target) == before
    assert agentscaler_gym.register_domains(target, replace=True) == [
        f"AgentScaler/{n}-v0" for n in sorted(report.domains)
    ]
    fresh = tmp_path / "fresh"
    run = subprocess.run([sys.executable, "-c", script, str(fresh)], env=os.environ, timeout=300)
    assert run.returncode == -9 and not fresh.exists()


def test_a_complete_run_replaces_the_output_and_keeps_other_files(slice_out, corpus_slice, tmp_path):
    out, _ = slice_out
    target = shutil.copytree(out, tmp_path / "domains")
    (target / "stale").mkdir()
    (target / "stale" / "domain.json").write_text("{}")
    (target / "NOTES.txt").write_text("mine")
    synthesize(corpus_slice, target, SynthConfig(picture=False))
    assert folder_bytes(target) == folder_bytes(out)
    assert not (target / "stale").exists() and (target / "NOTES.txt").read_text() == "mine"
    assert [p.name for p in tmp_path.iterdir()] == ["domains"]  # no staging folder left beside it


def test_an_unreadable_corpus_exits_non_zero_and_leaves_out_untouched(slice_out, tmp_path, capsys):
    from agentscaler_gym.cli import main

    out, _ = slice_out
    target = shutil.copytree(out, tmp_path / "domains")
    before = folder_bytes(target)
    assert main(["synth", "--corpus", str(tmp_path / "missing.json"), "--out", str(target), "--no-picture"]) == 1
    error = capsys.readouterr().err
    assert "cannot read corpus" in error and "FileNotFoundError" in error and "left as it was" in error
    assert folder_bytes(target) == before
    (tmp_path / "empty.jsonl").write_text("[1, 2]\n")
    assert main(["synth", "--corpus", str(tmp_path / "empty.jsonl"), "--out", str(target), "--no-picture"]) == 1
    assert "no usable API" in capsys.readouterr().err and folder_bytes(target) == before


def test_validation_on_the_domain_the_walks_built_keeps_the_same_tasks_and_shares_its_seed_database():
    folder = BUILTIN / sorted(p.name for p in BUILTIN.iterdir() if (p / "domain.json").is_file())[0]
    spec = DomainSpec.read(folder / "domain.json")
    tasks = json.loads((folder / "tasks.json").read_text(encoding="utf-8"))
    built = build_domain(spec, {})
    shared = built.with_task_source(lambda domain: {"test": []})
    assert shared.seats()[ASSISTANT].db.seed is built.seats()[ASSISTANT].db.seed
    fresh, fresh_reasons = validate_domain(spec, tasks)
    reused, reused_reasons = validate_domain(spec, tasks, built=built)
    assert reused == fresh == tasks and reused_reasons == fresh_reasons
    broken = {**tasks, "test": [{**tasks["test"][0], "gold_calls": [{"name": "no_such_tool", "arguments": {}}]}]}
    assert validate_domain(spec, broken, built=built) == validate_domain(spec, broken)
