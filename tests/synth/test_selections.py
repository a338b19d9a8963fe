"""Selections: a record made current by one call (``cd`` into a directory, ``select_account``) persists,
and the tools the API says act in the current one read it."""

import dataclasses
import json

import pytest

from agentscaler_gym.checks import run_turns
from agentscaler_gym.env import ToolUseEnv
from agentscaler_gym.synth.corpus import ApiSpec
from agentscaler_gym.synth.folder import build_domain
from agentscaler_gym.synth.quality import session_measures
from agentscaler_gym.synth.schema import selection_scopes, tool_shape
from agentscaler_gym.synth.spec import FolderError, Scope, check_spec
from agentscaler_gym.tasks import ToolCall, oracle_turns


def api(name, description, props=None, required=None, category="files"):
    props = {p: {"type": "string", "description": text} for p, text in (props or {}).items()}
    params = {"type": "object", "properties": props, "required": list(props) if required is None else required}
    return ApiSpec(name, description, params, {}, category, "test")


FILES = [
    api("cd", "Change the current working directory to the specified folder.", {"folder": "The folder to change to."}),
    api("ls", "List the contents of the current directory."),
    api("mkdir", "Create a new directory in the current directory.", {"dir_name": "The new directory's name."}),
    api("touch", "Create a new file in the current directory.", {"file_name": "The new file's name."}),
    api("cat", "Display the contents of a file from the current directory.", {"file_name": "The file to show."}),
    api("pwd", "Return the current working directory path."),
]
ACCOUNTS = [
    api("select_account", "Choose the account to work with.", {"account_id": "The account."}, category="bank"),
    api("list_transactions", "List the transactions of the selected account.", category="bank"),
    api(
        "add_transaction",
        "Record a new transaction in the selected account.",
        {"memo": "What it was for.", "payee": "Who was paid."},
        category="bank",
    ),
    api("get_customer", "Get a customer.", {"customer_id": "The customer."}, category="bank"),
]


@pytest.fixture(scope="module")
def files(synthesize):
    return synthesize(FILES)


def tools_of(spec):
    return {t.name: t for t in spec.tools}


def test_the_selection_is_read_from_what_the_api_says():
    scopes = selection_scopes([tool_shape(a) for a in FILES])
    assert scopes["cd"].selects and scopes["cd"].selected == "directory"
    assert scopes["touch"].entity == "file" and scopes["touch"].named == "file_name"
    assert scopes["mkdir"].entity == "directory"  # "dir" is short for the directory made current
    assert scopes["ls"].entity == "file"  # the contents of the current directory are its files
    assert scopes["pwd"].itself
    # without a tool that acts in the current directory, changing it selects nothing
    assert selection_scopes([tool_shape(FILES[0]), tool_shape(api("rm", "Remove a file.", {"file_name": "f"}))]) == {}


def test_a_selector_makes_a_directory_current_and_the_other_tools_act_in_it(files):
    spec = files.spec
    tools = tools_of(spec)
    assert tools["cd"].operator.op == "select" and tools["cd"].kind == "write"
    table = tools["cd"].operator.selection
    assert not next(e for e in spec.entities if e.name == table).seeded
    for name in ("ls", "touch", "cat", "mkdir", "pwd"):
        assert tools[name].operator.scope.table == table
    seat = build_domain(spec, {}).seats()["assistant"]
    rows = build_domain(spec, {}).agent.generate(0)
    directories = next(rows[m] for m in rows if m._meta.table_name == "directory")
    files = next(rows[m] for m in rows if m._meta.table_name == "file")
    home = directories[0]
    assert seat.call("cd", {"folder": home["name"]}).ok
    assert json.loads(seat.call("pwd", {}).text)["directory_id"] == home["directory_id"]
    listed = json.loads(seat.call("ls", {}).text)
    assert [f["file_id"] for f in listed] == [f["file_id"] for f in files if f["directory_id"] == home["directory_id"]]
    made = json.loads(seat.call("touch", {"file_name": "notes.txt"}).text)
    assert made["directory_id"] == home["directory_id"]
    assert "notes.txt" in [f["name"] for f in json.loads(seat.call("ls", {}).text)]
    assert json.loads(seat.call("cat", {"file_name": "notes.txt"}).text)["file_id"] == made["file_id"]
    elsewhere = next(f for f in files if f["directory_id"] != home["directory_id"])
    answer = seat.call("cat", {"file_name": elsewhere["name"]})
    assert not answer.ok and "in the current directory" in answer.text
    child = json.loads(seat.call("mkdir", {"dir_name": "Projects"}).text)
    assert child["parent_directory_id"] == home["directory_id"]
    assert seat.call("cd", {"folder": "Projects"}).ok
    assert json.loads(seat.call("ls", {}).text) == []  # a new directory is empty


def test_bad_selections_answer_a_readable_error_and_change_nothing(files):
    seat = build_domain(files.spec, {}).seats()["assistant"]
    for name, arguments, words in (
        ("ls", {}, "no current directory"),
        ("touch", {"file_name": "a.txt"}, "no current directory"),
        ("cd", {"folder": "No Such Folder"}, "no directory with name 'No Such Folder'"),
    ):
        answer = seat.call(name, arguments)
        assert not answer.ok and words in answer.text, answer.text
        assert seat.changes() == {}
    rows = build_domain(files.spec, {}).agent.generate(0)
    home = next(rows[m] for m in rows if m._meta.table_name == "directory")[0]
    assert seat.call("cd", {"folder": home["name"]}).ok
    before = seat.changes()
    answer = seat.call("cd", {"folder": home["name"]})
    assert not answer.ok and "already the current one" in answer.text and seat.changes() == before
    answer = seat.call("cd", {"folder": "No Such Folder"})  # a failed cd keeps the directory current
    assert not answer.ok and seat.changes() == before


def test_tasks_chain_the_selection_and_the_env_scores_the_final_state(files):
    tasks = files.tasks["train"] + files.tasks["test"]
    domain = build_domain(files.spec, files.tasks)
    measures = session_measures(domain, files.spec)
    assert measures["selectors"] == 1 and measures["scoped_tools"] == 5 and measures["selection_chains"] >= 6
    chained = [t for t in tasks if t["gold_calls"][0]["name"] == "cd" and len(t["gold_calls"]) > 1]
    assert any(t["gold_calls"][1]["name"] in ("touch", "mkdir") for t in chained)
    assert any("in that directory" in t["scenario"]["instruction"] for t in chained)
    split, task = next(
        (split, t)
        for split in ("train", "test")
        for t in domain.task_list(split)
        if t.gold_calls[0].name == "cd" and t.gold_calls[1].name in ("touch", "mkdir")
    )
    env = ToolUseEnv(domain, split=split, max_turns=12)
    assert run_turns(env, task, oracle_turns(task))[0] == 1.0
    # the same file made in another directory leaves a different final state: no reward
    folders = build_domain(files.spec, {}).agent.generate(0)
    names = [r["name"] for m, rows in folders.items() if m._meta.table_name == "directory" for r in rows]
    other = next(n for n in names if n != task.gold_calls[0].arguments["folder"])
    wrong = dataclasses.replace(task, gold_calls=(ToolCall("cd", {"folder": other}),) + task.gold_calls[1:])
    assert run_turns(env, task, oracle_turns(wrong))[0] == 0.0


def test_selecting_an_account_then_acting_in_it(synthesize):
    result = synthesize(ACCOUNTS)
    tools = tools_of(result.spec)
    assert tools["select_account"].operator.op == "select"
    assert tools["add_transaction"].operator.scope.column == "account_id"
    assert "get_customer" in tools and tools["get_customer"].operator.scope is None
    seat = build_domain(result.spec, {}).seats()["assistant"]
    accounts = build_domain(result.spec, {}).agent.generate(0)
    account = next(rows for m, rows in accounts.items() if m._meta.table_name == "account")[1]["account_id"]
    assert seat.call("select_account", {"account_id": account}).ok
    made = json.loads(seat.call("add_transaction", {"memo": "rent", "payee": "Landlord"}).text)
    assert made["account_id"] == account
    assert all(t["account_id"] == account for t in json.loads(seat.call("list_transactions", {}).text))
    tasks = result.tasks["train"] + result.tasks["test"]
    assert any(t["gold_calls"][0]["name"] == "select_account" for t in tasks)


def test_a_scope_that_names_no_selection_is_refused(files):
    spec = files.spec.to_json()
    touch = next(t for t in spec["tools"] if t["name"] == "touch")
    touch["operator"]["scope"]["column"] = "name"
    with pytest.raises(FolderError) as caught:
        check_spec(spec)
    assert "operator.scope.column" in str(caught.value) and "refers to 'directory'" in str(caught.value)
    spec = files.spec.to_json()
    table = next(e for e in spec["entities"] if e["name"] == "current_directory")
    table.pop("seed")
    with pytest.raises(FolderError):
        check_spec(spec)


def test_a_login_makes_its_account_the_one_the_api_acts_for(synthesize):
    social = [
        api("get_login_status", "Get the login status of the current user."),  # logs nobody in: not offered
        api("authenticate", "Authenticate a user with username and password.", {"username": "u", "password": "p"}),
        api("post_tweet", "Post a tweet for the authenticated user.", {"content": "What to say."}),
        api("list_my_tweets", "List the tweets of the authenticated user."),
        api("get_tweet", "Get a tweet.", {"tweet_id": "The tweet."}),
    ]
    result = synthesize(social)
    tools = tools_of(result.spec)
    assert tools["post_tweet"].operator.scope == Scope("login_session", "account_id")
    assert tools["get_tweet"].operator.scope is None
    seat = build_domain(result.spec, {}).seats()["assistant"]
    rows = build_domain(result.spec, {}).agent.generate(0)
    account = next(rows[m] for m in rows if m._meta.table_name == "account")[2]
    assert seat.call("authenticate", {"username": account["username"], "password": account["password"]}).ok
    made = json.loads(seat.call("post_tweet", {"content": "hello"}).text)
    assert made["account_id"] == account["account_id"]
    assert {t["account_id"] for t in json.loads(seat.call("list_my_tweets", {}).text)} == {account["account_id"]}
    measures = session_measures(build_domain(result.spec, result.tasks), result.spec)
    assert measures["selection_chains"] > 0
