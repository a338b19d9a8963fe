"""Retail: business rules of the tools, data and task determinism, splits, oracle and do-nothing."""

import hashlib
import json

import pytest

from agentscaler_gym import cli
from agentscaler_gym.checks import check_domain
from agentscaler_gym.domains.retail import DOMAIN
from agentscaler_gym.domains.retail import data as retail_data
from agentscaler_gym.domains.retail.models import Order, OrderItem, PaymentMethod, Product, User, Variant
from agentscaler_gym.domains.retail.tasks import TRAIN_COUNTS, make_tasks
from agentscaler_gym.tasks import ASSISTANT

ROWS = DOMAIN.rows
METHODS = {m["id"]: m for m in ROWS[PaymentMethod]}
VARIANTS = {v["id"]: v for v in ROWS[Variant]}
ITEMS: dict = {}
for _line in ROWS[OrderItem]:
    ITEMS.setdefault(_line["order"], []).append(_line)

# Pinned digests of the seed database and the test split: they change only when the data or the
# task generator changes. Update them deliberately (and say why in the commit) when you change either.
SEED_DB_SHA256 = "9644fef12f4b66eb93acb373f4b2a2a431f30a5d722f7732104f6eef1f4f9281"
TEST_SPLIT_SHA256 = "d34212d844bdc8f073f59fb69d8066fde6401308d745d6d6da2e0ec6dd44c028"


def order_where(predicate) -> dict:
    return next(o for o in ROWS[Order] if predicate(o))


def paid_with(order: dict) -> dict:
    return METHODS[order["payment_history"][0]["payment_method_id"]]


def user_methods(user_id: str) -> list[dict]:
    return [m for m in ROWS[PaymentMethod] if m["user"] == user_id]


def gift_card(user_id: str) -> dict | None:
    return next((m for m in user_methods(user_id) if m["source"] == "gift_card"), None)


def other_variant(line: dict, available: bool = True) -> dict | None:
    return next(
        (
            v
            for v in VARIANTS.values()
            if v["product"] == line["product"] and v["id"] != line["variant"] and v["available"] is available
        ),
        None,
    )


def swappable_line(order: dict) -> dict | None:
    return next((line for line in ITEMS[order["id"]] if other_variant(line)), None)


@pytest.fixture
def db():
    seat = DOMAIN.seats()[ASSISTANT]
    yield seat
    seat.close()


def call(db, name: str, **arguments) -> tuple[str, bool]:
    answer = db.call(name, arguments)
    return answer.text, answer.ok


def changed(db) -> set:
    return set(db.changes())


# -- data ------------------------------------------------------------------------------------


def test_generated_data_has_the_promised_size_and_shape():
    assert len(ROWS[User]) == 500
    assert len(ROWS[Product]) == 50
    assert len(ROWS[Variant]) == 600
    assert 900 <= len(ROWS[Order]) <= 1100
    assert {o["status"] for o in ROWS[Order]} == {
        "pending",
        "processed",
        "delivered",
        "cancelled",
        "return requested",
        "exchange requested",
    }
    assert {m["source"] for m in ROWS[PaymentMethod]} == {"credit_card", "paypal", "gift_card"}
    assert len({u["email"] for u in ROWS[User]}) == 500
    assert len({(u["first_name"], u["last_name"], u["address"]["zip"]) for u in ROWS[User]}) == 500
    for product in ROWS[Product]:
        assert sum(v["available"] for v in VARIANTS.values() if v["product"] == product["id"]) >= 2


def test_each_open_order_has_paid_exactly_its_item_prices():
    for order in ROWS[Order]:
        if order["status"] in ("pending", "processed", "delivered"):
            net = sum(e["amount"] if e["type"] == "payment" else -e["amount"] for e in order["payment_history"])
            assert round(net, 2) == round(sum(line["price"] for line in ITEMS[order["id"]]), 2), order["id"]


def test_same_seed_gives_the_same_rows_and_another_seed_differs():
    def dump(rows):
        return json.dumps({model.__name__: table for model, table in rows.items()}, sort_keys=True)

    assert dump(retail_data.generate(0)) == dump(retail_data.generate(0)) == dump(ROWS)
    assert dump(retail_data.generate(1)) != dump(ROWS)


def test_the_seed_database_is_pinned(db):
    assert db.db.digest() == SEED_DB_SHA256


# -- tasks and splits ------------------------------------------------------------------------


def split_digest(tasks) -> str:
    return hashlib.sha256(json.dumps([t.to_dict() for t in tasks], sort_keys=True).encode()).hexdigest()


def test_splits_are_large_disjoint_and_nothing_is_rejected():
    train, test = DOMAIN.task_list("train"), DOMAIN.task_list("test")
    assert DOMAIN.rejected == {}
    assert len(train) == sum(TRAIN_COUNTS.values()) >= 1000
    assert len(test) >= 200
    assert not {t.id for t in train} & {t.id for t in test}
    assert len({t.id for t in train + test}) == len(train) + len(test)
    user_of = {
        c.arguments.get("email") or c.arguments.get("first_name") + c.arguments.get("zip")
        for t in test
        for c in t.gold_calls[:1]
    }
    assert not user_of & {
        c.arguments.get("email") or c.arguments.get("first_name") + c.arguments.get("zip")
        for t in train
        for c in t.gold_calls[:1]
    }
    assert {t.family for t in test} == set(TRAIN_COUNTS)


def test_tasks_are_deterministic_and_the_test_split_is_pinned():
    again = make_tasks(DOMAIN)
    assert split_digest(again["test"]) == split_digest(make_tasks(DOMAIN)["test"])
    assert [t.id for t in again["train"]] == [t.id for t in DOMAIN.task_list("train")]
    assert split_digest(DOMAIN.task_list("test")) == TEST_SPLIT_SHA256


def test_every_task_authenticates_first_and_its_user_can_name_its_orders():
    """An order is named in the opening, or is a fact the user gives when asked."""
    for task in DOMAIN.task_list("train") + DOMAIN.task_list("test"):
        assert task.gold_calls[0].name in ("find_user_id_by_email", "find_user_id_by_name_zip"), task.id
        said = [task.scenario.opening, *task.scenario.known.values()]
        for c in task.gold_calls:
            if "order_id" in c.arguments:
                assert any(c.arguments["order_id"] in text for text in said), task.id


def test_read_only_tasks_are_checked_by_exact_match():
    for task in DOMAIN.task_list("test"):
        reads_only = all(DOMAIN.tools[c.name].kind == "read" for c in task.gold_calls)
        assert task.exact_match is reads_only, task.id
        assert reads_only == (task.family in ("info", "refuse")), task.id


def test_oracle_scores_one_and_doing_nothing_scores_zero_on_the_test_split():
    check_domain(DOMAIN, "test")


def test_cli_oracle_run_passes_every_test_task(capsys):
    assert cli.main(["run", "--env", "AgentScaler/retail-v0", "--policy", "oracle", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["pass_rate"] == 1.0 and summary["episodes"] == len(DOMAIN.task_list("test"))


# -- business rules: each broken rule is an error and changes nothing --------------------------

PENDING = order_where(lambda o: o["status"] == "pending" and not o["items_modified"] and swappable_line(o))
DELIVERED = order_where(lambda o: o["status"] == "delivered" and swappable_line(o))
PROCESSED = order_where(lambda o: o["status"] == "processed" and swappable_line(o))
MODIFIED = order_where(lambda o: o["status"] == "pending" and o["items_modified"] and swappable_line(o))
STRANGER = next(m for m in ROWS[PaymentMethod] if m["user"] != PENDING["user"])
SHORT_CARD_ORDER = order_where(
    lambda o: (
        o["status"] == "pending"
        and len(o["payment_history"]) == 1
        and gift_card(o["user"])
        and paid_with(o)["source"] != "gift_card"
        and gift_card(o["user"])["balance"] < o["payment_history"][0]["amount"]
    )
)
NOT_ORIGINAL = order_where(
    lambda o: (
        o["status"] == "delivered"
        and any(m["source"] != "gift_card" and m["id"] != paid_with(o)["id"] for m in user_methods(o["user"]))
    )
)


def _swap(order, available=True):
    line = swappable_line(order)
    return line["variant"], other_variant(line, available)


def _pending_line():
    return swappable_line(PENDING)


ADDRESS = {
    "address1": "1 Main Street",
    "address2": "",
    "city": "Austin",
    "state": "TX",
    "country": "USA",
    "zip": "78701",
}

BROKEN_RULES = {
    "cancel a processed order": lambda: (
        "cancel_pending_order",
        {"order_id": PROCESSED["id"], "reason": "no longer needed"},
    ),
    "cancel with a reason outside the list": lambda: (
        "cancel_pending_order",
        {"order_id": PENDING["id"], "reason": "too expensive"},
    ),
    "change the address of a processed order": lambda: (
        "modify_pending_order_address",
        {"order_id": PROCESSED["id"], **ADDRESS},
    ),
    "change an address to a bad zip code": lambda: (
        "modify_pending_order_address",
        {"order_id": PENDING["id"], **ADDRESS, "zip": "7870"},
    ),
    "change a user address with an empty city": lambda: (
        "modify_user_address",
        {"user_id": PENDING["user"], **ADDRESS, "city": " "},
    ),
    "swap an item for another product type": lambda: (
        "modify_pending_order_items",
        {
            "order_id": PENDING["id"],
            "item_ids": [_pending_line()["variant"]],
            "new_item_ids": [
                next(
                    v["id"] for v in VARIANTS.values() if v["product"] != _pending_line()["product"] and v["available"]
                )
            ],
            "payment_method_id": paid_with(PENDING)["id"],
        },
    ),
    "swap an item for an unavailable one": lambda: (
        "modify_pending_order_items",
        {
            "order_id": PENDING["id"],
            "item_ids": [_pending_line()["variant"]],
            "new_item_ids": [other_variant(_pending_line(), available=False)["id"]],
            "payment_method_id": paid_with(PENDING)["id"],
        },
    ),
    "swap an item for itself": lambda: (
        "modify_pending_order_items",
        {
            "order_id": PENDING["id"],
            "item_ids": [_pending_line()["variant"]],
            "new_item_ids": [_pending_line()["variant"]],
            "payment_method_id": paid_with(PENDING)["id"],
        },
    ),
    "swap an item that is not in the order": lambda: (
        "modify_pending_order_items",
        {
            "order_id": PENDING["id"],
            "item_ids": [ITEMS[DELIVERED["id"]][0]["variant"]],
            "new_item_ids": [other_variant(_pending_line())["id"]],
            "payment_method_id": paid_with(PENDING)["id"],
        },
    ),
    "name an item twice": lambda: (
        "modify_pending_order_items",
        {
            "order_id": PENDING["id"],
            "item_ids": [_pending_line()["variant"]] * 2,
            "new_item_ids": [other_variant(_pending_line())["id"]] * 2,
            "payment_method_id": paid_with(PENDING)["id"],
        },
    ),
    "give fewer new items than items": lambda: (
        "modify_pending_order_items",
        {
            "order_id": PENDING["id"],
            "item_ids": [_pending_line()["variant"]],
            "new_item_ids": [],
            "payment_method_id": paid_with(PENDING)["id"],
        },
    ),
    "modify the items of an order a second time": lambda: (
        "modify_pending_order_items",
        {
            "order_id": MODIFIED["id"],
            "item_ids": [_swap(MODIFIED)[0]],
            "new_item_ids": [_swap(MODIFIED)[1]["id"]],
            "payment_method_id": paid_with(MODIFIED)["id"],
        },
    ),
    "pay a difference with another user's payment method": lambda: (
        "modify_pending_order_items",
        {
            "order_id": PENDING["id"],
            "item_ids": [_pending_line()["variant"]],
            "new_item_ids": [other_variant(_pending_line())["id"]],
            "payment_method_id": STRANGER["id"],
        },
    ),
    "pay an order with a gift card that cannot cover it": lambda: (
        "modify_pending_order_payment",
        {"order_id": SHORT_CARD_ORDER["id"], "payment_method_id": gift_card(SHORT_CARD_ORDER["user"])["id"]},
    ),
    "pay an order with the method that already paid it": lambda: (
        "modify_pending_order_payment",
        {"order_id": PENDING["id"], "payment_method_id": paid_with(PENDING)["id"]},
    ),
    "change the payment of an order paid twice": lambda: (
        "modify_pending_order_payment",
        {"order_id": MODIFIED["id"], "payment_method_id": STRANGER["id"]},
    ),
    "return items of a pending order": lambda: (
        "return_delivered_order_items",
        {
            "order_id": PENDING["id"],
            "item_ids": [_pending_line()["variant"]],
            "payment_method_id": paid_with(PENDING)["id"],
        },
    ),
    "refund a return to a card that did not pay": lambda: (
        "return_delivered_order_items",
        {
            "order_id": NOT_ORIGINAL["id"],
            "item_ids": [ITEMS[NOT_ORIGINAL["id"]][0]["variant"]],
            "payment_method_id": next(
                m["id"]
                for m in user_methods(NOT_ORIGINAL["user"])
                if m["source"] != "gift_card" and m["id"] != paid_with(NOT_ORIGINAL)["id"]
            ),
        },
    ),
    "exchange items of a processed order": lambda: (
        "exchange_delivered_order_items",
        {
            "order_id": PROCESSED["id"],
            "item_ids": [_swap(PROCESSED)[0]],
            "new_item_ids": [_swap(PROCESSED)[1]["id"]],
            "payment_method_id": paid_with(PROCESSED)["id"],
        },
    ),
    "exchange for an unavailable item": lambda: (
        "exchange_delivered_order_items",
        {
            "order_id": DELIVERED["id"],
            "item_ids": [_swap(DELIVERED)[0]],
            "new_item_ids": [other_variant(swappable_line(DELIVERED), available=False)["id"]],
            "payment_method_id": paid_with(DELIVERED)["id"],
        },
    ),
    "act on an order that does not exist": lambda: (
        "cancel_pending_order",
        {"order_id": "#W0000000", "reason": "no longer needed"},
    ),
    "calculate something that is not arithmetic": lambda: ("calculate", {"expression": "__import__('os').getcwd()"}),
    "divide by zero": lambda: ("calculate", {"expression": "1 / (2 - 2)"}),
}


@pytest.mark.parametrize("rule", BROKEN_RULES)
def test_a_call_that_breaks_a_rule_fails_and_changes_nothing(db, rule):
    name, arguments = BROKEN_RULES[rule]()
    before = db.db.digest()
    text, ok = call(db, name, **arguments)
    assert not ok and text.startswith("Error:"), text
    assert db.db.digest() == before
    assert db.changes() == {}


def test_a_pending_order_with_an_unavailable_variant_exists_for_the_rule_tests():
    assert other_variant(_pending_line(), available=False) is not None
    assert other_variant(swappable_line(DELIVERED), available=False) is not None


# -- allowed calls change exactly the expected rows -------------------------------------------


def order_after(db, order_id: str) -> dict:
    text, ok = call(db, "get_order_details", order_id=order_id)
    assert ok, text
    return json.loads(text)


def balance(db, method_id: str) -> float:
    return db.db.conn.execute('SELECT balance FROM "payment_method" WHERE id = ?', (method_id,)).fetchone()[0]


def test_cancel_refunds_every_payment_and_credits_a_gift_card_at_once(db):
    order = order_where(lambda o: o["status"] == "pending" and paid_with(o)["source"] == "gift_card")
    card, amount = paid_with(order), order["payment_history"][0]["amount"]
    text, ok = call(db, "cancel_pending_order", order_id=order["id"], reason="ordered by mistake")
    assert ok, text
    assert changed(db) == {("order", order["id"]), ("payment_method", card["id"])}
    after = order_after(db, order["id"])
    assert after["status"] == "cancelled" and after["cancel_reason"] == "ordered by mistake"
    assert after["payment_history"][-1] == {"type": "refund", "amount": amount, "payment_method_id": card["id"]}
    assert balance(db, card["id"]) == round(card["balance"] + amount, 2)


def test_modifying_items_swaps_them_settles_the_difference_and_happens_once(db):
    line = _pending_line()
    new = other_variant(line)
    method = paid_with(PENDING)
    text, ok = call(
        db,
        "modify_pending_order_items",
        order_id=PENDING["id"],
        item_ids=[line["variant"]],
        new_item_ids=[new["id"]],
        payment_method_id=method["id"],
    )
    assert ok, text
    expected = {("order", PENDING["id"]), ("order_item", line["id"])}
    if method["source"] == "gift_card":
        expected.add(("payment_method", method["id"]))
    assert changed(db) == expected
    after = order_after(db, PENDING["id"])
    swapped = next(i for i in after["items"] if i["product_id"] == line["product"])
    assert (swapped["item_id"], swapped["price"], swapped["options"]) == (new["id"], new["price"], new["options"])
    difference = round(new["price"] - line["price"], 2)
    assert after["payment_history"][-1] == {
        "type": "payment" if difference > 0 else "refund",
        "amount": abs(difference),
        "payment_method_id": method["id"],
    }
    assert after["items_modified"] is True
    again, ok = call(
        db,
        "modify_pending_order_items",
        order_id=PENDING["id"],
        item_ids=[new["id"]],
        new_item_ids=[line["variant"]],
        payment_method_id=method["id"],
    )
    assert not ok and "already modified" in again


def test_changing_the_payment_moves_the_whole_total(db):
    order = order_where(
        lambda o: (
            o["status"] == "pending"
            and len(o["payment_history"]) == 1
            and paid_with(o)["source"] != "gift_card"
            and gift_card(o["user"])
            and gift_card(o["user"])["balance"] >= o["payment_history"][0]["amount"]
        )
    )
    card, old, amount = gift_card(order["user"]), paid_with(order), order["payment_history"][0]["amount"]
    text, ok = call(db, "modify_pending_order_payment", order_id=order["id"], payment_method_id=card["id"])
    assert ok, text
    assert changed(db) == {("order", order["id"]), ("payment_method", card["id"])}
    assert order_after(db, order["id"])["payment_history"][1:] == [
        {"type": "payment", "amount": amount, "payment_method_id": card["id"]},
        {"type": "refund", "amount": amount, "payment_method_id": old["id"]},
    ]
    assert balance(db, card["id"]) == round(card["balance"] - amount, 2)


def test_address_changes_touch_only_their_row(db):
    text, ok = call(db, "modify_pending_order_address", order_id=PENDING["id"], **ADDRESS)
    assert ok, text
    assert changed(db) == {("order", PENDING["id"])}
    assert order_after(db, PENDING["id"])["address"] == ADDRESS
    text, ok = call(db, "modify_user_address", user_id=PENDING["user"], **ADDRESS)
    assert ok, text
    assert changed(db) == {("order", PENDING["id"]), ("user", PENDING["user"])}


def test_a_return_to_a_gift_card_marks_the_items_and_refunds_their_price(db):
    order = order_where(
        lambda o: (
            o["status"] == "delivered"
            and len(ITEMS[o["id"]]) >= 2
            and gift_card(o["user"])
            and paid_with(o)["source"] != "gift_card"
        )
    )
    card, lines = gift_card(order["user"]), ITEMS[order["id"]][:2]
    refund = round(sum(line["price"] for line in lines), 2)
    text, ok = call(
        db,
        "return_delivered_order_items",
        order_id=order["id"],
        item_ids=[x["variant"] for x in lines],
        payment_method_id=card["id"],
    )
    assert ok, text
    assert changed(db) == {("order", order["id"]), ("payment_method", card["id"])} | {
        ("order_item", x["id"]) for x in lines
    }
    after = order_after(db, order["id"])
    assert after["status"] == "return requested"
    assert [i.get("request") for i in after["items"]] == ["return" if i in lines else None for i in ITEMS[order["id"]]]
    assert after["payment_history"][-1] == {"type": "refund", "amount": refund, "payment_method_id": card["id"]}
    assert balance(db, card["id"]) == round(card["balance"] + refund, 2)
    text, ok = call(
        db,
        "exchange_delivered_order_items",
        order_id=order["id"],
        item_ids=[lines[0]["variant"]],
        new_item_ids=[other_variant(lines[0])["id"]],
        payment_method_id=card["id"],
    )
    assert not ok and "return requested" in text


def test_an_exchange_records_the_new_item_and_the_price_difference(db):
    line_id, new = _swap(DELIVERED)
    method = paid_with(DELIVERED)
    line = next(x for x in ITEMS[DELIVERED["id"]] if x["variant"] == line_id)
    text, ok = call(
        db,
        "exchange_delivered_order_items",
        order_id=DELIVERED["id"],
        item_ids=[line_id],
        new_item_ids=[new["id"]],
        payment_method_id=method["id"],
    )
    assert ok, text
    expected = {("order", DELIVERED["id"]), ("order_item", line["id"])}
    difference = round(new["price"] - line["price"], 2)
    if method["source"] == "gift_card" and difference:
        expected.add(("payment_method", method["id"]))
    assert changed(db) == expected
    after = order_after(db, DELIVERED["id"])
    assert after["status"] == "exchange requested"
    exchanged = next(i for i in after["items"] if i["item_id"] == line_id)
    assert (exchanged["request"], exchanged["exchange_for_item_id"]) == ("exchange", new["id"])


def test_lookups_find_users_case_insensitively_and_read_the_catalogue(db):
    user = ROWS[User][7]
    assert call(db, "find_user_id_by_email", email=user["email"].upper()) == (user["id"], True)
    by_name = call(
        db,
        "find_user_id_by_name_zip",
        first_name=user["first_name"].lower(),
        last_name=user["last_name"].upper(),
        zip=user["address"]["zip"],
    )
    assert by_name == (user["id"], True)
    assert not call(
        db, "find_user_id_by_name_zip", first_name=user["first_name"], last_name=user["last_name"], zip="00000"
    )[1]
    catalogue = json.loads(call(db, "list_all_product_types")[0])
    assert len(catalogue) == 50 and sorted(catalogue) == list(catalogue)
    variant = ROWS[Variant][0]
    item = json.loads(call(db, "get_item_details", item_id=variant["id"])[0])
    assert item["product_id"] == variant["product"] and item["price"] == variant["price"]
    product = json.loads(call(db, "get_product_details", product_id=variant["product"])[0])
    assert product["variants"][variant["id"]]["options"] == variant["options"]
    assert call(db, "calculate", expression="(120.5 + 33.99) * 2") == ("308.98", True)
    assert db.changes() == {}


def _confirmation(name: str, arguments: dict) -> str:
    """How an agent asks to confirm a write: the action and its arguments, restated."""
    arguments = dict(arguments)
    if "address1" in arguments:
        a = {k: arguments.pop(k) for k in ("address1", "address2", "city", "state", "zip", "country")}
        street = f"{a['address1']}, {a['address2']}" if a["address2"] else a["address1"]
        arguments["address"] = f"{street}, {a['city']}, {a['state']} {a['zip']}, {a['country']}"
    shown = "; ".join(
        f"{k.replace('_', ' ')}: {', '.join(v) if isinstance(v, list) else v}" for k, v in arguments.items()
    )
    return f"I will {name.replace('_', ' ')} ({shown}). Do you want me to proceed?"


def test_the_scripted_user_says_yes_to_a_confirmation_that_restates_the_call():
    from agentscaler_gym.personas import persona
    from agentscaler_gym.users import ScriptedUser

    for task in DOMAIN.task_list("test"):
        if task.family == "multi_intent":
            continue  # another intent's facts share words with this one's confirmation
        for c in task.gold_calls:
            if DOMAIN.tools[c.name].kind == "write":
                user = ScriptedUser()
                user.start(task)
                reply = user.respond(_confirmation(c.name, c.arguments))
                assert reply in persona(task.scenario.style).confirm, (task.id, reply)
