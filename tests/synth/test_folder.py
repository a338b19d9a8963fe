"""A domain folder is untrusted data: what loads, what is refused, and with which error."""

import copy
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import pytest

import agentscaler_gym
from agentscaler_gym.checks import check_domain
from agentscaler_gym.synth.folder import load_domain_folder, write_domain_folder
from agentscaler_gym.synth.spec import MAX_ROWS, DomainSpec, FolderError

BUILTIN = Path(agentscaler_gym.__file__).parent / "synth" / "builtin"
SMALL = "library"  # creates, updates and transitions over a few tables: small and varied


def read(name: str = SMALL) -> tuple[dict, dict]:
    folder = BUILTIN / name
    return (json.loads((folder / f).read_text()) for f in ("domain.json", "tasks.json"))


def write(folder: Path, spec: dict, tasks: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "domain.json").write_text(json.dumps(spec))
    (folder / "tasks.json").write_text(json.dumps(tasks))
    return folder


def test_a_domain_spec_reads_and_writes_domain_json_byte_for_byte(tmp_path):
    """DomainSpec owns the format: every built-in domain.json read and written again is the same file."""
    files = sorted(BUILTIN.glob("*/domain.json"))
    assert files
    for file in files:
        spec = DomainSpec.read(file)
        assert spec.name == file.parent.name and spec.tools and spec.data.tables is not None
        spec.write(tmp_path / "domain.json")
        assert (tmp_path / "domain.json").read_bytes() == file.read_bytes(), file.parent.name


def rename(spec: dict, old: str, new: str) -> None:
    """Rename an entity everywhere the spec names it."""
    for entity in spec["entities"]:
        entity["name"] = new if entity["name"] == old else entity["name"]
        for column in entity["columns"]:
            if column.get("references") == old:
                column["references"] = new
    for tool in spec["tools"]:
        if tool["operator"]["entity"] == old:
            tool["operator"]["entity"] = new


def refused(folder: Path, file: str, field: str = "") -> FolderError:
    with pytest.raises(FolderError) as caught:
        load_domain_folder(folder)
    error = caught.value
    assert Path(error.file).name == file and str(folder) in str(error), str(error)
    assert error.field.startswith(field), str(error)
    return error


# ---------------------------------------------------------------------------------------------
# Names that would reach SQL


def test_entity_names_that_open_and_close_a_comment_are_refused_and_run_nothing(tmp_path, monkeypatch):
    spec, tasks = read()
    rename(spec, spec["entities"][0]["name"], 't" (x); /*')
    rename(spec, spec["entities"][1]["name"], "*/ ATTACH DATABASE 'x.db' AS p; CREATE TABLE p.owned(a); /*")
    monkeypatch.chdir(tmp_path)
    folder = write(tmp_path / "evil", spec, tasks)
    refused(folder, "domain.json", "entities[0].name")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evil"]


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda s: rename(s, s["entities"][0]["name"], "it's"), "entities[0].name"),
        (lambda s: s["entities"][0]["columns"][1].update(name="__class__"), "entities[0].columns[1].name"),
        (lambda s: s["entities"][0]["columns"][1].update(name="save"), "entities[0].columns[1].name"),
        (lambda s: s["entities"][0].update(key="no_such_column"), "entities[0].key"),
        (lambda s: s["entities"][0]["columns"][1].update(type="blob"), "entities[0].columns[1].type"),
        (lambda s: s["entities"][0].update(name="sqlite_master"), "entities[0].name"),
        (lambda s: s["tools"][0]["operator"].update(op="drop"), "tools[0].operator.op"),
        (lambda s: s["tools"][0]["operator"].update(entity="nowhere"), "tools[0].operator.entity"),
        (lambda s: s["tools"][0].update(kind="read" if s["tools"][0]["kind"] == "write" else "write"), "tools[0].kind"),
        (
            lambda s: (
                s["tools"][0]["parameters"]["properties"].clear(),
                s["tools"][0]["parameters"].update(required=[]),
            ),
            "tools[0].operator.args",
        ),
        (lambda s: s.update(format=1), "format"),
        (lambda s: s["data"].update(rows=10**8), "data.rows"),
        (lambda s: s["data"].update(rows=MAX_ROWS + 1), "data.rows"),
        (lambda s: s["data"].update(seed=10**400), "data.seed"),
        (lambda s: s["data"].update(today="June 1st"), "data.today"),
        (lambda s: s["data"].pop("tables"), "data.tables"),
        (lambda s: s["data"]["tables"].pop(s["entities"][0]["name"]), "data.tables"),
        (lambda s: s["data"]["tables"][s["entities"][0]["name"]].pop(), "data.tables"),
        (lambda s: s["data"]["tables"][s["entities"][0]["name"]][0].pop(), "data.tables"),
        (lambda s: s["data"]["tables"][s["entities"][0]["name"]][0].__setitem__(0, None), "data.tables"),
        (lambda s: s["data"]["tables"][s["entities"][0]["name"]][0].__setitem__(0, [1]), "data.tables"),
        (lambda s: _duplicate_key(s), "data.tables"),
        (lambda s: _dangling_reference(s), "data.tables"),
        (lambda s: s.update(groups="banking"), "groups"),
        (lambda s: s.update(source=[["builtin:banking.json"]]), "source[0]"),
    ],
    ids=[
        "apostrophe",
        "dunder-column",
        "model-attribute",
        "key-not-a-column",
        "unknown-type",
        "sqlite-name",
        "unknown-operator",
        "unknown-entity",
        "kind-against-operator",
        "argument-not-a-parameter",
        "format",
        "rows-1e8",
        "rows-over-cap",
        "huge-seed",
        "today-not-a-date",
        "no-seed-rows",
        "table-missing",
        "row-missing",
        "value-missing",
        "null-key",
        "value-of-wrong-type",
        "duplicate-key",
        "dangling-reference",
        "groups-not-a-list",
        "source-not-text",
    ],
)
def test_a_tampered_domain_json_is_refused_naming_the_file_and_the_field(tmp_path, mutate, field):
    spec, tasks = read()
    mutate(spec)
    refused(write(tmp_path / "d", spec, tasks), "domain.json", field)


def _duplicate_key(spec: dict) -> None:
    table = spec["data"]["tables"][spec["entities"][0]["name"]]
    table[1][0] = table[0][0]


def _dangling_reference(spec: dict) -> None:
    entity, j = next((e, j) for e in spec["entities"] for j, c in enumerate(e["columns"]) if c.get("references"))
    spec["data"]["tables"][entity["name"]][0][j] = "NOPE-9999"


def test_a_folder_serves_the_rows_it_stores_not_rows_regenerated_from_its_seed(tmp_path):
    spec, tasks = read()
    entity = spec["entities"][0]
    column = next(j for j, c in enumerate(entity["columns"]) if c["type"] == "string" and j > 0)
    spec["data"]["tables"][entity["name"]][0][column] = "edited by hand"
    spec["data"]["seed"] += 1  # a seed alone no longer decides the rows
    domain = load_domain_folder(write(tmp_path / "d", spec, tasks))
    rows = {m._meta.table_name: r for m, r in domain.rows.items()}
    assert rows[entity["name"]][0][entity["columns"][column]["name"]] == "edited by hand"
    stored = spec["data"]["tables"][entity["name"]]
    assert [list(r.values()) for r in rows[entity["name"]]] == stored


def test_loading_a_folder_and_making_its_env_never_imports_the_value_library():
    code = (
        "import sys, gymnasium as gym, agentscaler_gym; "
        "env = gym.make('AgentScaler/banking-v0'); env.reset(seed=0); "
        "print('mimesis' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_a_column_referring_to_a_missing_entity_or_another_key_type_is_refused(tmp_path):
    spec, tasks = read()
    entity, j = next((e, j) for e in spec["entities"] for j, c in enumerate(e["columns"]) if c.get("references"))
    entity["columns"][j]["references"] = "ghost"
    refused(write(tmp_path / "a", spec, tasks), "domain.json", "entities")
    spec, tasks = read()
    entity, j = next((e, j) for e in spec["entities"] for j, c in enumerate(e["columns"]) if c.get("references"))
    entity["columns"][j]["type"] = "integer"
    error = refused(write(tmp_path / "b", spec, tasks), "domain.json", "entities")
    assert "cannot refer to" in str(error)


def test_a_truncated_or_missing_file_is_named(tmp_path):
    folder = shutil.copytree(BUILTIN / SMALL, tmp_path / "d")
    text = (folder / "domain.json").read_text()
    (folder / "domain.json").write_text(text[: len(text) // 2])
    assert "not valid JSON" in str(refused(folder, "domain.json", "line "))
    (folder / "domain.json").write_text(text)
    (folder / "tasks.json").unlink()
    assert "missing" in str(refused(folder, "tasks.json"))


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda t: t["test"][0]["gold_calls"][0].update(name="no_such_tool"), "test[0].gold_calls[0].name"),
        (lambda t: t["test"][0]["gold_calls"][0].update(arguments={"zz": 1}), "test[0].gold_calls[0].arguments"),
        (lambda t: t["test"][0]["gold_calls"][0].update(actor="user"), "test[0].gold_calls[0].actor"),
        (lambda t: t["test"][1].update(id=t["test"][0]["id"]), "test[1].id"),
        (lambda t: t["test"][0].pop("scenario"), "test[0].scenario"),
        (lambda t: t.update({"bad split": []}), ""),
    ],
    ids=["missing-tool", "unknown-argument", "user-actor", "duplicate-id", "no-scenario", "split-name"],
)
def test_a_tampered_tasks_json_is_refused_naming_the_file_and_the_field(tmp_path, mutate, field):
    spec, tasks = read()
    mutate(tasks)
    refused(write(tmp_path / "d", spec, tasks), "tasks.json", field)


def test_a_task_whose_gold_run_fails_is_named_not_reported_as_an_empty_split(tmp_path):
    spec, tasks = read()
    searches = {t["name"] for t in spec["tools"] if t["operator"]["op"] == "list"}  # they answer [] instead
    i, call, key = next(
        (i, c, k)
        for i, t in enumerate(tasks["test"])
        for c in t["gold_calls"]
        for k, v in c["arguments"].items()
        if re.fullmatch(r"[A-Z]+-\d{4}", str(v)) and c["name"] not in searches
    )
    call["arguments"][key] = call["arguments"][key][:-4] + "9999"  # a key no row has
    error = refused(write(tmp_path / "d", spec, tasks), "tasks.json", f"test[{i}]")
    assert "gold call failed" in str(error)


def test_a_valid_folder_still_loads_and_passes_check_domain(tmp_path):
    folder = shutil.copytree(BUILTIN / SMALL, tmp_path / "d")
    check_domain(load_domain_folder(folder), "test")


# ---------------------------------------------------------------------------------------------
# The folder loader under random mutations

NAMES = ['x"; DROP TABLE t; --', "a'b", "__class__", "save", "", "1abc", "Upper", "sqlite_x", "ok_name", "é"]
VALUES = [None, True, 0, -1, 10**30, 1e308, "", "text", [], {}, [1, "a"], {"a": 1}, "nan", float("inf")]


def _paths(node, path=()):
    """Every (container, key) position inside a JSON value."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        yield node, key, path + (key,)
        yield from _paths(child, path + (key,))


def _mutate(value, rng: random.Random) -> None:
    """One random change: a name, a type, an operator, a reference, a count, or a dropped field."""
    container, key, path = rng.choice(list(_paths(value)))
    old = container[key]
    choice = rng.random()
    if choice < 0.15 and isinstance(container, dict):
        del container[key]
    elif choice < 0.3 and isinstance(old, list) and old:
        old.append(copy.deepcopy(rng.choice(old)))  # a duplicate: names, tasks, columns claimed twice
    elif choice < 0.5:
        container[key] = rng.choice(NAMES)
    elif choice < 0.6 and isinstance(old, str):
        container[key] = rng.choice(
            ["get", "list", "drop", "value", "key", "min", "ignored", "integer", "json", "write", "status"]
        )
    elif choice < 0.75 and isinstance(old, int):
        container[key] = rng.choice([0, -1, 1, 10**8, 2**70, old + 1])
    else:
        container[key] = copy.deepcopy(rng.choice(VALUES))


class _Audit:
    """Every statement SQLite runs (trace) and every action it authorises, on every connection opened."""

    def __init__(self):
        self.statements: list[str] = []
        self.actions: list[tuple] = []

    def connect(self, real):
        def connect(*args, **kwargs):
            conn = real(*args, **kwargs)
            conn.set_trace_callback(self.statements.append)
            conn.set_authorizer(self.authorize)
            return conn

        return connect

    def authorize(self, action, arg1, arg2, db, trigger):
        self.actions.append((action, arg1, arg2, db))
        return sqlite3.SQLITE_OK


def test_random_mutations_of_a_folder_load_and_pass_or_raise_one_clear_error(tmp_path, monkeypatch):
    spec, tasks = read()
    audit = _Audit()
    monkeypatch.setattr(sqlite3, "connect", audit.connect(sqlite3.connect))
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)  # where a relative ATTACH would create its file
    rng = random.Random("folder-fuzz")
    outcomes = {"loaded": 0, "refused": 0}
    for case in range(120):
        new_spec, new_tasks = copy.deepcopy(spec), copy.deepcopy(tasks)
        for _ in range(rng.randint(1, 3)):
            _mutate(rng.choice([new_spec, new_tasks]), rng)
        folder = write(tmp_path / "cases" / f"c{case}", new_spec, new_tasks)
        before = {p: p.stat().st_mtime_ns for p in folder.iterdir()}
        entities = new_spec.get("entities") if isinstance(new_spec, dict) else None
        entities = entities if isinstance(entities, list) else None
        tables = {e.get("name") for e in entities or () if isinstance(e, dict) and isinstance(e.get("name"), str)}
        audit.statements.clear()
        audit.actions.clear()
        try:
            domain = load_domain_folder(folder)  # replays every task of every split
            check_domain(domain, "test")
            outcomes["loaded"] += 1
        except FolderError as error:
            assert Path(error.file).name in ("domain.json", "tasks.json") and str(folder) in str(error), error
            outcomes["refused"] += 1
        assert {p: p.stat().st_mtime_ns for p in folder.iterdir()} == before and not any(cwd.iterdir()), case
        for action, arg1, _, db in audit.actions:
            assert action not in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH), (case, action, arg1)
            assert db in (None, "main", "temp"), (case, db)
            if action in (
                sqlite3.SQLITE_CREATE_TABLE,
                sqlite3.SQLITE_INSERT,
                sqlite3.SQLITE_UPDATE,
                sqlite3.SQLITE_READ,
            ):
                # the domain's tables, or the runtime's own (which start with "_", as no entity can)
                assert arg1 in tables or arg1.startswith(("_", "sqlite_")), (case, action, arg1)
        assert not any("/*" in s or "ATTACH" in s.upper() for s in audit.statements), case
    assert outcomes["loaded"] >= 5 and outcomes["refused"] >= 60, outcomes


# ---------------------------------------------------------------------------------------------
# Registration: complete folders only, no silent shadowing


def test_register_domains_refuses_an_incomplete_folder(tmp_path):
    folder = shutil.copytree(BUILTIN / SMALL, tmp_path / "half_written")
    (folder / "tasks.json").unlink()
    with pytest.raises(FolderError, match="tasks.json"):
        agentscaler_gym.register_domains(tmp_path)
    assert "AgentScaler/half_written-v0" not in gym.registry


def test_register_domains_refuses_to_shadow_a_registered_id_unless_asked(tmp_path):
    shutil.copytree(BUILTIN / SMALL, tmp_path / "retail")
    original = gym.spec("AgentScaler/retail-v0")
    with pytest.raises(ValueError, match=r"AgentScaler/retail-v0 is already registered.*replace=True"):
        agentscaler_gym.register_domains(tmp_path)
    assert gym.spec("AgentScaler/retail-v0") is original
    try:
        assert agentscaler_gym.register_domains(tmp_path, replace=True) == ["AgentScaler/retail-v0"]
        assert gym.spec("AgentScaler/retail-v0").kwargs["domain"] == str((tmp_path / "retail").resolve())
    finally:
        gym.registry["AgentScaler/retail-v0"] = original
    assert agentscaler_gym.register_domains(BUILTIN / SMALL) == [f"AgentScaler/{SMALL}-v0"]  # same folder: no shadow


# ---------------------------------------------------------------------------------------------
# --emit-code: corpus text stays data


def test_emitted_code_keeps_corpus_text_as_literals_and_compiles(tmp_path):
    spec, tasks = read()
    entity = spec["entities"][0]
    text_column = next(c for c in entity["columns"] if c["type"] == "string" and c["name"] != entity["key"])
    text_column["enum"] = ["x\n    __import__('os').system('touch marker')  #", "ok"]
    old, text_column["name"] = text_column["name"], "from"
    for tool in spec["tools"]:
        for binding in tool["operator"]["args"].values():
            if binding[1] == old:
                binding[1] = "from"
    spec["description"] = 'ends the docstring """; __import__("os").system("touch marker2") #'
    spec["tools"][0]["description"] = '"""\nimport os; os.system("touch marker3")\n"""'
    write_domain_folder(tmp_path / "d", DomainSpec.from_json(spec), tasks, code=True)
    source = (tmp_path / "d" / "view.py").read_text()
    compile(source, "view.py", "exec")
    assert "from_ = pw." in source and "column_name='from'" in source
    # run the module to its end (with a decorator that skips the schema checks of real tools)
    runner = "import agentscaler_gym.tools as t; t.tool = lambda kind: (lambda f: f); exec(open('view.py').read(), {})"
    run = subprocess.run(
        [sys.executable, "-c", runner], cwd=tmp_path / "d", env=os.environ, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert not list((tmp_path / "d").glob("marker*"))
