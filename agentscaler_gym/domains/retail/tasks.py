"""Retail tasks: ten scenario families built from the seed rows, split by user.

A task is one or more *intents* of one user: each intent is a request (what the user says), the
gold calls that serve it after authentication, the facts the user gives when asked, and any
output the agent must state. Families:

=============== ===================================================================
cancel          cancel a pending order
order_address   change the shipping address of a pending order
user_address    change the user's default address
modify_items    swap items of a pending order for other options (price difference)
modify_payment  pay a pending order with another method
return          return items of a delivered order; the agent states the refund
exchange        exchange items of a delivered order (price difference)
multi_intent    two or three intents, at least one a write
info            read-only questions: order status, tracking id, gift card balance, price
refuse          requests the policy forbids; the gold run only reads and changes nothing
=============== ===================================================================

Every fifth user is a test user, so train and test never share a user. The same seed rows give
the same tasks, with stable ids (``cancel-0001``).

Any number of tasks (:func:`task_stream`, ``gym.make("AgentScaler/retail-v0", tasks=N)``, up to
:data:`MAX_TASKS` per split) comes from an endless, seeded sequence of distinct tasks per split:
families in turn by weight (:data:`STREAM_WEIGHTS`) until each runs out of new tasks, so any
count is a prefix of a larger one. The sequence adds three search-and-choose families, whose
user describes the item by its attributes, with a fallback and a tie-break preference:

=============== ===================================================================
exchange_prefer exchange an item of a delivered order for "one with X and Y; if there is none,
                any with X"; the agent looks the product up, applies the fallback, offers
                the options that fit, and the user picks by preference (the cheapest...)
modify_prefer   the same for an item of a pending order
find_prefer     a question: the price of the item that fits such a wish
=============== ===================================================================
"""

import dataclasses
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ... import personas
from ...tasks import Choice, Scenario, Task, ToolCall
from .data import CANCEL_REASONS, random_address
from .models import Order, OrderItem, PaymentMethod, Product, User, Variant

TRAIN_COUNTS = {
    "cancel": 115,
    "order_address": 90,
    "user_address": 70,
    "modify_items": 130,
    "modify_payment": 90,
    "return": 130,
    "exchange": 130,
    "multi_intent": 160,
    "info": 110,
    "refuse": 125,
}
TEST_SHARE = 5  # a split of test users gets a fifth of the train counts


@dataclass
class Intent:
    """One request: what the user says, the gold calls after authentication, what they know."""

    kind: str
    ask: str
    calls: list[ToolCall]
    known: dict[str, str] = field(default_factory=dict)
    outputs: tuple[str, ...] = ()
    note: str = ""  # extra guidance for the simulated user, e.g. accept a refusal
    writes: bool = True
    key: tuple = ()  # identifies the request, to keep tasks distinct
    choice: Choice | None = None  # offered before ``calls[choice.before]`` (search-and-choose goals)


class World:
    """Indexes over the seed rows that the intent builders sample from."""

    def __init__(self, rows: dict):
        self.users = rows[User]
        self.methods, self.orders, self.items, self.variants = {}, {}, {}, {}
        for m in rows[PaymentMethod]:
            self.methods.setdefault(m["user"], []).append(m)
        for o in rows[Order]:
            self.orders.setdefault(o["user"], []).append(o)
        for line in rows[OrderItem]:
            self.items.setdefault(line["order"], []).append(line)
        for v in rows[Variant]:
            self.variants.setdefault(v["product"], []).append(v)
        self.products = rows[Product]
        self.method = {m["id"]: m for m in rows[PaymentMethod]}
        self.all_orders = rows[Order]


class Plan:
    """One task being built: orders already used, and gift card money already promised to charges."""

    def __init__(self, world: World, user: dict):
        self.world, self.user = world, user
        self.used: set[str] = set()
        self.charged: dict[str, float] = {}

    def order(self, rng: random.Random, accept: Callable[[dict], bool]) -> dict | None:
        choices = [o for o in self.world.orders[self.user["id"]] if o["id"] not in self.used and accept(o)]
        if not choices:
            return None
        order = rng.choice(choices)
        self.used.add(order["id"])
        return order

    def can_charge(self, method: dict, amount: float) -> bool:
        """Refunds only add to a gift card, so charges that fit the seed balance fit in any order."""
        if method["source"] != "gift_card" or amount <= 0:
            return True
        return method["balance"] - self.charged.get(method["id"], 0.0) >= round(amount, 2)

    def charge(self, method: dict, amount: float) -> None:
        if method["source"] == "gift_card" and amount > 0:
            self.charged[method["id"]] = self.charged.get(method["id"], 0.0) + round(amount, 2)


# -- helpers -----------------------------------------------------------------------------------


def _get_order(order_id: str) -> ToolCall:
    return ToolCall("get_order_details", {"order_id": order_id})


def _get_user(plan: Plan) -> ToolCall:
    return ToolCall("get_user_details", {"user_id": plan.user["id"]})


def _names(lines) -> str:
    """Items as a customer names them: "the Running Shoes (size 9, color blue)"."""
    return " and ".join(f"the {line['name']} ({_options(line['options'])})" for line in lines)


def _options(options: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in options.items())


def _address_text(a: dict) -> str:
    street = f"{a['address1']}, {a['address2']}" if a["address2"] else a["address1"]
    return f"{street}, {a['city']}, {a['state']} {a['zip']}, {a['country']}"


def _describe(method: dict) -> str:
    if method["source"] == "credit_card":
        return f"my {method['brand'].title()} credit card ending in {method['last_four']}"
    return "my PayPal account" if method["source"] == "paypal" else "my gift card"


def _new_address(rng: random.Random, old: dict) -> dict:
    while True:
        address = random_address(rng)
        if address != old:
            return address


def _swappable(world: World, line: dict) -> list[dict]:
    return [v for v in world.variants[line["product"]] if v["available"] and v["id"] != line["variant"]]


def _pick_swaps(rng: random.Random, world: World, order: dict) -> list[tuple[dict, dict]]:
    lines = [line for line in world.items[order["id"]] if _swappable(world, line)]
    if not lines:
        return []
    chosen = sorted(rng.sample(lines, rng.randint(1, min(2, len(lines)))), key=lambda x: x["id"])
    return [(line, rng.choice(_swappable(world, line))) for line in chosen]


def _swap_text(swaps: list[tuple[dict, dict]]) -> str:
    return "; ".join(
        f"the {line['name']} ({_options(line['options'])}) to {_options(new['options'])}" for line, new in swaps
    )


def _payer(rng: random.Random, plan: Plan, amount: float, exclude: str = "") -> dict | None:
    """A payment method of the user that can pay ``amount`` (a refund if negative)."""
    choices = [m for m in plan.world.methods[plan.user["id"]] if m["id"] != exclude and plan.can_charge(m, amount)]
    if not choices:
        return None
    method = rng.choice(choices)
    plan.charge(method, amount)
    return method


def _swap_calls(plan: Plan, swaps: list[tuple[dict, dict]]) -> list[ToolCall]:
    products = sorted({line["product"] for line, _ in swaps})
    return [ToolCall("get_product_details", {"product_id": p}) for p in products] + [_get_user(plan)]


# -- writes ------------------------------------------------------------------------------------


def cancel(rng: random.Random, plan: Plan) -> Intent | None:
    order = plan.order(rng, lambda o: o["status"] == "pending")
    if order is None:
        return None
    oid, reason = order["id"], rng.choice(CANCEL_REASONS)
    because = "I no longer need it" if reason == "no longer needed" else "I ordered it by mistake"
    return Intent(
        "cancel",
        f"I want to cancel my order {oid} because {because}.",
        [_get_order(oid), ToolCall("cancel_pending_order", {"order_id": oid, "reason": reason})],
        {"order to cancel": oid, "cancellation reason": reason},
        key=("cancel", oid),
    )


def order_address(rng: random.Random, plan: Plan) -> Intent | None:
    order = plan.order(rng, lambda o: o["status"] == "pending")
    if order is None:
        return None
    oid, address = order["id"], _new_address(rng, order["address"])
    return Intent(
        "order_address",
        f"Please ship my order {oid} to {_address_text(address)} instead.",
        [_get_order(oid), ToolCall("modify_pending_order_address", {"order_id": oid, **address})],
        {"order to redirect": oid, "shipping address": _address_text(address)},
        key=("order_address", oid),
    )


def user_address(rng: random.Random, plan: Plan) -> Intent | None:
    user = plan.user
    if "user_address" in plan.used:
        return None
    plan.used.add("user_address")
    address = _new_address(rng, user["address"])
    return Intent(
        "user_address",
        f"I moved: please update my default address to {_address_text(address)}.",
        [_get_user(plan), ToolCall("modify_user_address", {"user_id": user["id"], **address})],
        {"default address": _address_text(address)},
        key=("user_address", user["id"]),
    )


def modify_items(rng: random.Random, plan: Plan) -> Intent | None:
    return _swap_intent(
        rng,
        plan,
        "modify_items",
        lambda o: o["status"] == "pending" and not o["items_modified"],
        "modify_pending_order_items",
        "In my order {oid}, I'd like to change {swaps}. Use {method} for any price difference.",
        ("order to modify", "items to change", "item change payment method"),
    )


def modify_payment(rng: random.Random, plan: Plan) -> Intent | None:
    order = plan.order(rng, lambda o: o["status"] == "pending" and len(o["payment_history"]) == 1)
    if order is None:
        return None
    paid = order["payment_history"][0]
    method = _payer(rng, plan, paid["amount"], exclude=paid["payment_method_id"])
    if method is None:
        return None
    oid = order["id"]
    return Intent(
        "modify_payment",
        f"I'd like to pay for my order {oid} with {_describe(method)} instead.",
        [
            _get_order(oid),
            _get_user(plan),
            ToolCall("modify_pending_order_payment", {"order_id": oid, "payment_method_id": method["id"]}),
        ],
        {"order to update": oid, "replacement payment method": _describe(method)},
        key=("modify_payment", oid),
    )


def return_items(rng: random.Random, plan: Plan) -> Intent | None:
    order = plan.order(rng, lambda o: o["status"] == "delivered")
    if order is None:
        return None
    lines = sorted(
        rng.sample(plan.world.items[order["id"]], rng.randint(1, len(plan.world.items[order["id"]]))),
        key=lambda x: x["id"],
    )
    original = plan.world.method[order["payment_history"][0]["payment_method_id"]]
    gift = [m for m in plan.world.methods[plan.user["id"]] if m["source"] == "gift_card" and m["id"] != original["id"]]
    method = rng.choice(gift) if gift and rng.random() < 0.35 else original
    oid, refund = order["id"], round(sum(line["price"] for line in lines), 2)
    names = " and ".join(f"the {line['name']}" for line in lines)
    calls = [_get_order(oid)] + ([_get_user(plan)] if method is not original else [])
    calls.append(
        ToolCall(
            "return_delivered_order_items",
            {"order_id": oid, "item_ids": [x["variant"] for x in lines], "payment_method_id": method["id"]},
        )
    )
    return Intent(
        "return",
        f"I'd like to return {names} from my order {oid}, refunded to {_describe(method)}.",
        calls,
        {"order to return": oid, "items to return": _names(lines), "refund method": _describe(method)},
        outputs=(f"{refund:.2f}",),
        note="I want to hear how much will be refunded.",
        key=("return", oid),
    )


def exchange(rng: random.Random, plan: Plan) -> Intent | None:
    return _swap_intent(
        rng,
        plan,
        "exchange",
        lambda o: o["status"] == "delivered",
        "exchange_delivered_order_items",
        "I'd like to exchange items of my delivered order {oid}: {swaps}. Use {method} for any price difference.",
        ("order to exchange", "items to exchange", "exchange payment method"),
    )


def _swap_intent(
    rng: random.Random,
    plan: Plan,
    family: str,
    fits: Callable[[dict], bool],
    write: str,
    request: str,
    topics: tuple[str, str, str],
) -> Intent | None:
    """Swap items of an order that ``fits`` for other options of the same product types, paying
    any difference with a method that can: a modification (pending) or an exchange (delivered).
    ``request`` is worded with ``{oid}``, ``{swaps}`` and ``{method}``; ``topics`` name the order,
    the items and the payment method among what the user knows."""
    order = plan.order(rng, fits)
    swaps = _pick_swaps(rng, plan.world, order) if order else []
    method = swaps and _payer(rng, plan, sum(new["price"] - line["price"] for line, new in swaps))
    if not method:
        return None
    oid = order["id"]
    call = ToolCall(
        write,
        {
            "order_id": oid,
            "item_ids": [line["variant"] for line, _ in swaps],
            "new_item_ids": [new["id"] for _, new in swaps],
            "payment_method_id": method["id"],
        },
    )
    facts = (oid, _names(line for line, _ in swaps), _describe(method))
    return Intent(
        family,
        request.format(oid=oid, swaps=_swap_text(swaps), method=_describe(method)),
        [_get_order(oid), *_swap_calls(plan, swaps), call],
        dict(zip(topics, facts)),
        key=(family, oid),
    )


# -- reads: questions and refusals -------------------------------------------------------------


def order_status(rng: random.Random, plan: Plan) -> Intent | None:
    order = plan.order(rng, lambda o: True)
    if order is None:
        return None
    oid = order["id"]
    return Intent(
        "order_status",
        f"What is the status of my order {oid}?",
        [_get_order(oid)],
        {"order to check": oid},
        outputs=(order["status"],),
        writes=False,
        key=("order_status", oid),
    )


def tracking(rng: random.Random, plan: Plan) -> Intent | None:
    order = plan.order(rng, lambda o: o["status"] in ("processed", "delivered") and len(o["fulfilments"]) == 1)
    if order is None:
        return None
    oid = order["id"]
    return Intent(
        "tracking",
        f"Could you give me the tracking number of my order {oid}?",
        [_get_order(oid)],
        {"order to track": oid},
        outputs=(order["fulfilments"][0]["tracking_id"],),
        writes=False,
        key=("tracking", oid),
    )


def gift_card_balance(rng: random.Random, plan: Plan) -> Intent | None:
    cards = [m for m in plan.world.methods[plan.user["id"]] if m["source"] == "gift_card"]
    if not cards:
        return None
    return Intent(
        "gift_card_balance",
        "How much is left on my gift card?",
        [_get_user(plan)],
        outputs=(f"{cards[0]['balance']:.2f}",),
        writes=False,
        key=("gift_card_balance", plan.user["id"]),
    )


def product_price(rng: random.Random, plan: Plan) -> Intent | None:
    product = rng.choice(plan.world.products)
    variant = rng.choice(plan.world.variants[product["id"]])
    wanted = f"the {product['name']} with {_options(variant['options'])}"
    outputs = (f"{variant['price']:.2f}",) + (() if variant["available"] else ("not available",))
    return Intent(
        "product_price",
        f"How much is {wanted}, and is it available?",
        [ToolCall("list_all_product_types"), ToolCall("get_product_details", {"product_id": product["id"]})],
        {"product": wanted},
        outputs=outputs,
        writes=False,
        key=("product_price", variant["id"]),
    )


def _refusal(kind: str, ask: str, calls: list[ToolCall], known: dict, key: tuple, why: str) -> Intent:
    """A request the policy forbids; ``why`` is the fact the rule turns on, which the agent must say."""
    note = "If the agent explains that this cannot be done, I accept it and do not insist."
    return Intent(kind, ask, calls, known, outputs=(why,), note=note, writes=False, key=key)


def refuse_cancel(rng: random.Random, plan: Plan) -> Intent | None:
    order = plan.order(
        rng, lambda o: o["status"] in ("processed", "delivered", "return requested", "exchange requested")
    )
    if order is None:
        return None
    oid = order["id"]
    return _refusal(
        "refuse_cancel",
        f"I want to cancel my order {oid}; I no longer need it.",
        [_get_order(oid)],
        {"order to cancel": oid, "cancellation reason": "no longer needed"},
        ("refuse_cancel", oid),
        order["status"],
    )


def refuse_order_address(rng: random.Random, plan: Plan) -> Intent | None:
    order = plan.order(rng, lambda o: o["status"] in ("processed", "delivered"))
    if order is None:
        return None
    oid, address = order["id"], _address_text(_new_address(rng, order["address"]))
    return _refusal(
        "refuse_order_address",
        f"Please ship my order {oid} to {address} instead.",
        [_get_order(oid)],
        {"order to redirect": oid, "shipping address": address},
        ("refuse_order_address", oid),
        order["status"],
    )


def refuse_return(rng: random.Random, plan: Plan) -> Intent | None:
    order = plan.order(rng, lambda o: o["status"] in ("pending", "processed"))
    if order is None:
        return None
    oid, line = order["id"], rng.choice(plan.world.items[order["id"]])
    return _refusal(
        "refuse_return",
        f"I'd like to return the {line['name']} from my order {oid}.",
        [_get_order(oid)],
        {"order to return": oid, "items to return": _names([line])},
        ("refuse_return", oid),
        order["status"],
    )


def refuse_unavailable_exchange(rng: random.Random, plan: Plan) -> Intent | None:
    world = plan.world

    def has_unavailable(o: dict) -> bool:
        return o["status"] == "delivered" and any(_unavailable(world, line) for line in world.items[o["id"]])

    order = plan.order(rng, has_unavailable)
    if order is None:
        return None
    line = rng.choice([x for x in world.items[order["id"]] if _unavailable(world, x)])
    new = rng.choice(_unavailable(world, line))
    oid, text = order["id"], _swap_text([(line, new)])
    return _refusal(
        "refuse_unavailable_exchange",
        f"I'd like to exchange items of my delivered order {oid}: {text}.",
        [_get_order(oid), ToolCall("get_product_details", {"product_id": line["product"]})],
        {"order to exchange": oid, "items to exchange": _names([line])},
        ("refuse_unavailable_exchange", oid),
        "not available",
    )


def _unavailable(world: World, line: dict) -> list[dict]:
    return [v for v in world.variants[line["product"]] if not v["available"] and v["id"] != line["variant"]]


def refuse_second_modification(rng: random.Random, plan: Plan) -> Intent | None:
    order = plan.order(rng, lambda o: o["status"] == "pending" and o["items_modified"])
    swaps = _pick_swaps(rng, plan.world, order) if order else []
    if not swaps:
        return None
    oid = order["id"]
    return _refusal(
        "refuse_second_modification",
        f"In my order {oid}, I'd like to change {_swap_text(swaps)}.",
        [_get_order(oid)],
        {"order to modify": oid, "items to change": _names(line for line, _ in swaps)},
        ("refuse_second_modification", oid),
        "modified",
    )


def refuse_other_users_order(rng: random.Random, plan: Plan) -> Intent | None:
    order = rng.choice(plan.world.all_orders)
    if order["user"] == plan.user["id"] or order["status"] != "pending":
        return None
    oid = order["id"]
    return _refusal(
        "refuse_other_users_order",
        f"Please cancel order {oid}; my friend placed it for me and no longer needs it.",
        [_get_order(oid)],
        {"order to cancel": oid},
        ("refuse_other_users_order", oid),
        "your account",
    )


def refuse_short_gift_card(rng: random.Random, plan: Plan) -> Intent | None:
    cards = [m for m in plan.world.methods[plan.user["id"]] if m["source"] == "gift_card"]
    card = cards[0] if cards else None
    order = card and plan.order(
        rng,
        lambda o: (
            o["status"] == "pending"
            and len(o["payment_history"]) == 1
            and o["payment_history"][0]["payment_method_id"] != card["id"]
            and o["payment_history"][0]["amount"] > card["balance"]
        ),
    )
    if not order:
        return None
    oid = order["id"]
    return _refusal(
        "refuse_short_gift_card",
        f"I'd like to pay for my order {oid} with my gift card instead.",
        [_get_order(oid), _get_user(plan)],
        {"order to update": oid, "replacement payment method": _describe(card)},
        ("refuse_short_gift_card", oid),
        f"{card['balance']:.2f}",
    )


# -- search and choose: items described by attributes, with a fallback and a preference --------

TIE_BREAKS = {"cheapest": min, "most expensive": max}


def _wish(rng: random.Random, world: World, product: str, keep: dict | None, exclude: str = "") -> tuple | None:
    """A wish for a variant of ``product``: ``(first, fallback, tie, pick, candidates)``.

    ``first`` is two ``(option, value)`` pairs ("size L and material wool"), ``fallback`` the first
    of them alone ("any with size L"); the candidates are the available variants (not ``exclude``)
    that fit the first wish, or, when none does, the fallback; ``tie`` ("cheapest"...) picks one of
    several. Where the catalogue allows, half of the wishes are drawn so that nothing fits the
    first wish, so the fallback is needed (about three in ten overall). ``keep`` (the current options) makes the fallback value a change.
    """
    variants = world.variants[product]
    available = [v for v in variants if v["available"] and v["id"] != exclude]
    keys = sorted(variants[0]["options"])
    if not available or len(keys) < 2:
        return None
    option, other = rng.sample(keys, 2)
    values = sorted({v["options"][option] for v in available} - ({keep[option]} if keep else set()))
    if not values:
        return None
    value = rng.choice(values)
    fallback = ((option, value),)
    level = [v for v in available if v["options"][option] == value]
    seconds = sorted({v["options"][other] for v in variants})
    empty = [x for x in seconds if not any(v["options"][other] == x for v in level)]
    full = [x for x in seconds if x not in empty]
    second = rng.choice(empty if empty and (rng.random() < 0.5 or not full) else full)
    first = ((option, value), (other, second))
    candidates = [v for v in level if v["options"][other] == second] or level
    tie = rng.choice(sorted(TIE_BREAKS))
    prices = [v["price"] for v in candidates]
    if prices.count(TIE_BREAKS[tie](prices)) > 1:
        return None
    pick = next(v for v in candidates if v["price"] == TIE_BREAKS[tie](prices))
    return first, fallback, tie, pick, sorted(candidates, key=lambda v: v["id"])


def _pairs(wish: tuple) -> str:
    return " and ".join(f"{option} {value}" for option, value in wish)


def _wish_text(first: tuple, fallback: tuple) -> str:
    return f"{_pairs(first)}; if there is none, any with {_pairs(fallback)}"


def _offer(before: int, first: tuple, candidates: list[dict], pick: dict) -> Choice | None:
    """The options the agent finds and offers (only when there is more than one)."""
    if len(candidates) < 2:
        return None
    fits = all(candidates[0]["options"][option] == value for option, value in first)
    note = "" if fits else f"none is available with {_pairs(first)}"
    options = tuple((v["id"], f"{_options(v['options'])}, at ${v['price']:.2f}") for v in candidates)
    return Choice(before, options, pick["id"], note)


def _prefer_write(rng: random.Random, plan: Plan, status: str, kind: str, tool: str) -> Intent | None:
    world = plan.world
    order = plan.order(rng, lambda o: o["status"] == status and not (status == "pending" and o["items_modified"]))
    if order is None:
        return None
    line = rng.choice(world.items[order["id"]])
    wish = _wish(rng, world, line["product"], line["options"], exclude=line["variant"])
    if wish is None:
        return None
    first, fallback, tie, pick, candidates = wish
    method = _payer(rng, plan, pick["price"] - line["price"])
    if method is None:
        return None
    oid = order["id"]
    write = ToolCall(
        tool,
        {
            "order_id": oid,
            "item_ids": [line["variant"]],
            "new_item_ids": [pick["id"]],
            "payment_method_id": method["id"],
        },
    )
    calls = [_get_order(oid), ToolCall("get_product_details", {"product_id": line["product"]}), _get_user(plan), write]
    verb = "exchange" if kind == "exchange_prefer" else "change"
    return Intent(
        kind,
        f"In my order {oid}, I'd like to {verb} the {line['name']} ({_options(line['options'])}) for one "
        f"with {_wish_text(first, fallback)}. Use {_describe(method)} for any price difference.",
        calls,
        {
            f"order to {verb}": oid,
            f"item to {verb}": _names([line]),
            f"{verb} payment method": _describe(method),
            "preference if several fit": f"the {tie} one",
        },
        note=f"If several items fit, I take the {tie} one.",
        key=(kind, oid, line["id"], first, fallback, tie),
        choice=_offer(len(calls) - 1, first, candidates, pick),
    )


def exchange_prefer(rng: random.Random, plan: Plan) -> Intent | None:
    return _prefer_write(rng, plan, "delivered", "exchange_prefer", "exchange_delivered_order_items")


def modify_prefer(rng: random.Random, plan: Plan) -> Intent | None:
    return _prefer_write(rng, plan, "pending", "modify_prefer", "modify_pending_order_items")


def find_prefer(rng: random.Random, plan: Plan) -> Intent | None:
    product = rng.choice(plan.world.products)
    wish = _wish(rng, plan.world, product["id"], None)
    if wish is None:
        return None
    first, fallback, tie, pick, candidates = wish
    calls = [ToolCall("list_all_product_types"), ToolCall("get_product_details", {"product_id": product["id"]})]
    return Intent(
        "find_prefer",
        f"I'm looking for a {product['name']} with {_wish_text(first, fallback)}. Do you have one, and how much is it?",
        calls,
        {"product": product["name"], "preference if several fit": f"the {tie} one"},
        outputs=(f"{pick['price']:.2f}",),
        note=f"If several items fit, I take the {tie} one.",
        writes=False,
        key=("find_prefer", product["id"], first, fallback, tie),
        choice=_offer(len(calls), first, candidates, pick),
    )


WRITES = (cancel, order_address, user_address, modify_items, modify_payment, return_items, exchange)
QUESTIONS = (order_status, tracking, gift_card_balance, product_price)
REFUSALS = (
    refuse_cancel,
    refuse_order_address,
    refuse_return,
    refuse_unavailable_exchange,
    refuse_second_modification,
    refuse_other_users_order,
    refuse_short_gift_card,
)
# Later intents of a multi-intent task must hold whatever earlier ones did: a question about the
# gift card balance, or a refusal for want of it, could be changed by a refund.
IN_MULTI = WRITES + (order_status, tracking, product_price) + REFUSALS[:-1]
SINGLE = {
    "cancel": (cancel,),
    "order_address": (order_address,),
    "user_address": (user_address,),
    "modify_items": (modify_items,),
    "modify_payment": (modify_payment,),
    "return": (return_items,),
    "exchange": (exchange,),
    "info": QUESTIONS,
    "refuse": REFUSALS,
    "exchange_prefer": (exchange_prefer,),
    "modify_prefer": (modify_prefer,),
    "find_prefer": (find_prefer,),
}
# The stream's family weights: the default mix, plus the search-and-choose families.
STREAM_WEIGHTS = {**TRAIN_COUNTS, "exchange_prefer": 110, "modify_prefer": 90, "find_prefer": 70}
PREFER_KINDS = ("exchange_prefer", "modify_prefer", "find_prefer")
# Multi-intent tasks of the stream may hold one search-and-choose request.
STREAM_FIRST = WRITES + (exchange_prefer, modify_prefer)
STREAM_THEN = IN_MULTI + (exchange_prefer, modify_prefer, find_prefer)
MAX_TASKS = 10_000  # per split; the stream is built and tested for this many
STALE = 400  # draws in a row without a new task that mark a family exhausted


# -- tasks -------------------------------------------------------------------------------------


def make_tasks(domain) -> dict:
    """``{"train": [...], "test": [...]}``: disjoint users, interleaved families, stable ids."""
    world = World(domain.rows)
    test_users = world.users[::TEST_SHARE]
    train_users = [u for i, u in enumerate(world.users) if i % TEST_SHARE]
    numbers = {family: 0 for family in TRAIN_COUNTS}
    train = _split(world, train_users, TRAIN_COUNTS, random.Random(f"{domain.data_seed}:train"), numbers)
    test_counts = {family: count // TEST_SHARE for family, count in TRAIN_COUNTS.items()}
    test = _split(world, test_users, test_counts, random.Random(f"{domain.data_seed}:test"), numbers)
    return {"train": train, "test": test}


def _split(world: World, users: list, counts: dict, rng: random.Random, numbers: dict) -> list[Task]:
    tasks, seen, left = [], set(), dict(counts)
    attempts = 0
    while any(left.values()):
        for family in [f for f, n in left.items() if n]:
            attempts += 1
            if attempts > 200 * sum(counts.values()):
                raise RuntimeError(f"cannot build enough retail tasks; missing {left}")
            user = rng.choice(users)
            intents = _multi(rng, world, user) if family == "multi_intent" else _single(rng, world, user, family)
            key = (family, tuple(i.key for i in intents or ()))
            if not intents or key in seen:
                continue
            seen.add(key)
            left[family] -= 1
            numbers[family] += 1
            tasks.append(_task(f"{family}-{numbers[family]:04d}", family, rng, user, intents))
    return tasks


def task_stream(domain) -> dict[str, Iterator[Task]]:
    """Every split's endless sequence of distinct tasks (see the module); ids ``cancel-train-00042``."""
    world = World(domain.rows)
    users = {"train": [u for i, u in enumerate(world.users) if i % TEST_SHARE], "test": world.users[::TEST_SHARE]}
    return {
        split: _stream(world, split_users, split, random.Random(f"{domain.data_seed}:{split}:stream"))
        for split, split_users in users.items()
    }


def _stream(world: World, users: list, split: str, rng: random.Random) -> Iterator[Task]:
    """Families in turn by weight (smooth weighted round robin); a family that finds no new task
    in :data:`STALE` draws is done. A task is new when both its requests and its gold calls are."""
    live, credit = dict(STREAM_WEIGHTS), dict.fromkeys(STREAM_WEIGHTS, 0)
    keys, golds, index = set(), set(), 0
    while live:
        total = sum(live.values())
        for family, weight in live.items():
            credit[family] += weight
        family = max(live, key=lambda f: credit[f])
        credit[family] -= total
        for _ in range(STALE):
            user = rng.choice(users)
            if family == "multi_intent":
                intents = _multi(rng, world, user, STREAM_FIRST, STREAM_THEN)
            else:
                intents = _single(rng, world, user, family)
            key = (family, tuple(i.key for i in intents or ()))
            if not intents or key in keys:
                continue
            task = _task(f"{family}-{split}-{index:05d}", family, rng, user, intents)
            gold = tuple((c.name, repr(sorted(c.arguments.items()))) for c in task.gold_calls)
            if gold in golds:
                continue
            keys.add(key)
            golds.add(gold)
            index += 1
            yield task
            break
        else:
            del live[family], credit[family]


def _single(rng: random.Random, world: World, user: dict, family: str) -> list[Intent] | None:
    intent = rng.choice(SINGLE[family])(rng, Plan(world, user))
    return [intent] if intent else None


def _multi(
    rng: random.Random, world: World, user: dict, first: tuple = WRITES, then: tuple = IN_MULTI
) -> list[Intent] | None:
    plan = Plan(world, user)
    opening = rng.choice(first)(rng, plan)
    if opening is None:
        return None
    intents = [opening]
    for _ in range(rng.choice((1, 1, 2))):
        intent = rng.choice(then)(rng, plan)
        if intent is not None:
            intents.append(intent)
    if sum(i.choice is not None or i.kind in PREFER_KINDS for i in intents) > 1:
        return None  # one preference per customer, so a choice question has one answer
    return intents if len(intents) > 1 else None


def _task(task_id: str, family: str, rng: random.Random, user: dict, intents: list[Intent]) -> Task:
    name = f"{user['first_name']} {user['last_name']}"
    zip_code = user["address"]["zip"]
    if rng.random() < 0.7:
        auth = ToolCall("find_user_id_by_email", {"email": user["email"]})
        known = {"email": user["email"], "name": name}
        identity = f"My email is {user['email']}."
    else:
        auth = ToolCall(
            "find_user_id_by_name_zip",
            {"first_name": user["first_name"], "last_name": user["last_name"], "zip": zip_code},
        )
        known = {"name": name, "zip code": zip_code}
        identity = f"I do not remember my email; my zip code is {zip_code}."
    for intent in intents:
        for topic, value in intent.known.items():
            known[topic] = f"{known[topic]}; {value}" if topic in known else value
    asks = [intent.ask for intent in intents]
    request = " Also, ".join([asks[0]] + [_lower_first(a) for a in asks[1:]])
    said = [_said(intent, random.Random(f"{task_id}:{i}")) for i, intent in enumerate(intents)]
    style = rng.choice(personas.NAMES)
    body = " Also, ".join([said[0]] + [_lower_first(a) for a in said[1:]])
    notes = " ".join(dict.fromkeys(intent.note for intent in intents if intent.note))
    instruction = (
        f"I am {name}. {identity} I contact the store's customer service. "
        + " ".join(asks)
        + (f" {notes}" if notes else "")
        + " I give my details when asked and confirm the actions that match my requests."
    )
    calls = (auth, *(call for intent in intents for call in intent.calls))
    outputs = tuple(o for intent in intents for o in intent.outputs)
    opening = personas.opening((body,), task_id, style)
    scenario = Scenario(opening, instruction, known, personas.persona(style).description, style, request)
    return Task(task_id, family, scenario, calls, outputs, choices=_choices(intents))


def _choices(intents: list[Intent]) -> tuple[Choice, ...]:
    """The intents' choices, placed in the whole task's gold calls (after the authentication)."""
    found, start = [], 1
    for intent in intents:
        if intent.choice is not None:
            found.append(dataclasses.replace(intent.choice, before=start + intent.choice.before))
        start += len(intent.calls)
    return tuple(found)


# Ways to say a request that leave details to be asked for; a request whose details the agent
# cannot ask for by topic (which items, which card) keeps them and may drop its order id instead.
OPENINGS = {
    "cancel": (
        "I need to cancel an order.",
        "I'd like to cancel my order {order}.",
        "Can you cancel something I ordered?",
        "I want to cancel an order I placed recently.",
    ),
    "order_address": (
        "I need to change the shipping address of an order.",
        "Can you send my order {order} to a different address?",
        "One of my orders should go to another address.",
    ),
    "user_address": (
        "I moved and need to update my address.",
        "Can you change the default address on my account?",
        "My address has changed; please update it on my account.",
    ),
    "order_status": (
        "Can you tell me where my order is?",
        "I'd like to check on an order of mine.",
        "What's happening with my order {order}?",
    ),
    "tracking": (
        "I need the tracking number for one of my orders.",
        "How can I track my order {order}?",
        "Could you find the tracking number of an order for me?",
    ),
    "gift_card_balance": (
        "What's the balance on my gift card?",
        "Could you check my gift card balance?",
        "I'd like to know how much money is left on my gift card.",
    ),
    "refuse_other_users_order": (
        "I need to cancel an order my friend placed for me.",
        "Can you cancel order {order}? A friend placed it for me and doesn't need it anymore.",
    ),
}
OPENINGS["refuse_cancel"] = OPENINGS["cancel"]
OPENINGS["refuse_order_address"] = OPENINGS["order_address"]
ORDER_WORDS = ("my {kind}order {order}", "one of my {kind}orders", "a recent {kind}order")
ORDER_PHRASE = re.compile(r"\bmy (delivered )?order (#W\d+)")


def _said(intent: Intent, rng: random.Random) -> str:
    """How the customer first says ``intent``: in full, as a family template, or in full without its order id."""
    order = intent.key[1] if len(intent.key) > 1 and str(intent.key[1]).startswith("#") else None
    templates = [t for t in OPENINGS.get(intent.kind, ()) if order or "{order}" not in t]
    if templates and rng.random() < 0.75:
        return rng.choice(templates).format(order=order)
    words = rng.choice(ORDER_WORDS)
    return ORDER_PHRASE.sub(lambda m: words.format(kind=m.group(1) or "", order=m.group(2)), intent.ask, count=1)


def _lower_first(sentence: str) -> str:
    return sentence if sentence.startswith("I ") or sentence.startswith("I'") else sentence[0].lower() + sentence[1:]
