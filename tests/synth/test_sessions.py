"""Sessions: a login tool keeps its credentials, opens a session, and the API's other tools need it."""

import pytest

from agentscaler_gym.synth.corpus import ApiSpec
from agentscaler_gym.synth.folder import build_domain
from agentscaler_gym.synth.pipeline import SynthConfig, synthesize_domain
from agentscaler_gym.synth.spec import FolderError, check_spec
from agentscaler_gym.synth.words import is_login

S = {"type": "string", "description": "text"}


def api(name, props, required=None):
    params = {"type": "object", "properties": props, "required": list(props) if required is None else required}
    return ApiSpec(name, f"{name}.", params, {}, "trading", "t")


APIS = [
    api("trading_login", {"username": S, "key": S}),
    api("get_stock", {"stock_id": S}),
    api("add_stock", {"symbol": S, "name": S}, ["symbol"]),
    api("update_stock_price", {"stock_id": S, "price": {"type": "number", "description": "p"}}),
    api("delete_stock", {"stock_id": S}),
    api("list_stocks", {"symbol": S}, []),
]


@pytest.fixture(scope="module")
def result():
    return synthesize_domain(0, APIS, SynthConfig())


def test_login_names_are_recognised():
    assert is_login("trading_login") and is_login("authenticate_twitter") and is_login("signIn")
    assert not is_login("trading_logout") and not is_login("get_login_history_logout")


def test_a_login_keeps_its_credentials_and_the_other_tools_need_its_session(result):
    spec = result.spec
    assert spec is not None, result.dropped
    tools = {t.name: t for t in spec.tools}
    login = tools["trading_login"]
    assert login.kind == "write" and set(login.parameters["properties"]) == {"username", "key"}
    assert all(t.operator.session for t in spec.tools)
    seat = build_domain(spec, {}).seats()["assistant"]
    answer = seat.call("list_stocks", {})
    assert not answer.ok and "not logged in" in answer.text and not seat.changes()
    rows = build_domain(spec, {}).agent.generate(0)  # the credentials of a seeded account
    table = next(rows[m] for m in rows if m._meta.table_name == login.operator.entity)
    good = {"username": table[0]["username"], "key": table[0]["key"]}
    wrong = seat.call("trading_login", {**good, "key": good["key"] + "!"})
    assert not wrong.ok and "credentials" in wrong.text and not seat.changes()
    assert seat.call("trading_login", good).ok
    assert seat.call("list_stocks", {}).ok
    assert not seat.call("trading_login", good).ok  # already logged in


def test_tasks_start_with_the_login_and_the_user_holds_the_credentials(result):
    tasks = result.tasks["train"] + result.tasks["test"]
    assert tasks
    for task in tasks:
        first = task["gold_calls"][0]
        assert first["name"] == "trading_login"
        assert first["arguments"]["key"] == task["scenario"]["known"]["key"]
        assert first["arguments"]["key"] not in task["scenario"]["opening"]
    assert any(len(t["gold_calls"]) > 1 for t in tasks)


def test_a_session_table_that_starts_with_rows_is_refused(result):
    spec = result.spec.to_json()
    session = next(e for e in spec["entities"] if e.get("seed") is False)
    session.pop("seed")
    with pytest.raises(FolderError) as caught:
        check_spec(spec)
    # refused by its stored rows (none where a seeded table needs them) or by the login that names it
    assert f"data.tables.{session['name']}" in str(caught.value) or "operator.session" in str(caught.value)
