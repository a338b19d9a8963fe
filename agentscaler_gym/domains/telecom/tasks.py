"""Telecom tasks: sixteen seeded families over the generated customers, lines and phones.

Each family picks the lines whose state fits it (a phone in airplane mode, a line suspended for
non-payment...) and writes the gold calls a correct agent makes, in a realistic order: look the
customer up, fix what is wrong on the provider side, ask the customer to act on the phone
(``actor="user"`` calls), confirm. Families:

- phone and line (both databases): airplane_mode, mobile_data_off, broken_apn, sim_unseated,
  roaming_abroad, data_limit, suspended_unpaid, resume_paused;
- account only: change_plan, suspend_line, pay_bill, disable_roaming, transfer_on_hold;
- information only (``outputs``): data_remaining, latest_bill, plan_price.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ... import personas
from ...tasks import USER, Scenario, Task, ToolCall, interleave
from .device_models import CARRIER_APN, DATA_CAP, NO_ROAMING, Device
from .models import Bill, Customer, Line, PaymentMethod, Plan
from .tools import card_expired

PER_FAMILY = 32
TEST_EVERY = 4  # every 4th task of a family is a test task
MAX_TASKS = {"train": 1_676, "test": 545}  # what the stream holds: each family once per line it applies to
PERSONAS = (  # who the customer is, and their way of talking (agentscaler_gym.personas)
    ("A busy professional.", "terse"),
    ("A retired teacher, not confident with phone settings.", "unsure"),
    ("A student who likes to chat.", "chatty"),
    ("A small-business owner who wants the problem fixed quickly.", "impatient"),
    ("A lawyer who writes as carefully as they speak.", "formal"),
)
FOLLOW = "You do on your phone what the agent asks, one step at a time, and say what you see."


def agent(name: str, **arguments) -> ToolCall:
    return ToolCall(name, arguments)


def user(name: str, phone: str) -> ToolCall:
    return ToolCall(name, {"phone_number": phone}, USER)


@dataclass(frozen=True)
class World:
    """The generated rows, indexed the way task families look them up."""

    customers: dict
    lines: list
    lines_of: dict
    bills_of: dict
    methods_of: dict
    plans: dict
    devices: dict

    @classmethod
    def of(cls, rows: dict) -> World:
        return cls(
            customers={c["id"]: c for c in rows[Customer]},
            lines=list(rows[Line]),
            lines_of=_by_customer(rows[Line]),
            bills_of=_by_customer(rows[Bill]),
            methods_of=_by_customer(rows[PaymentMethod]),
            plans={p["id"]: p for p in rows[Plan]},
            devices={d["phone_number"]: d for d in rows[Device]},
        )

    def healthy(self, line: dict) -> bool:
        """An active line of a customer in good standing, with a phone at home that works."""
        device = self.devices[line["phone_number"]]
        customer = self.customers[line["customer"]]
        return (
            line["status"] == "active"
            and customer["account_status"] == "active"
            and not any(b["status"] == "overdue" for b in self.bills_of[customer["id"]])
            and not device["airplane_mode"]
            and device["mobile_data"]
            and device["sim_seated"]
            and device["apn_name"] == CARRIER_APN
            and device["location"] == "home"
            and not device["network_block"]
            and line["data_used_gb"] < self.allowance(line)
        )

    def allowance(self, line: dict) -> float:
        return self.plans[line["plan"]]["data_limit_gb"] + line["data_refuel_gb"]

    def usable_methods(self, customer_id: str) -> list[dict]:
        return [m for m in self.methods_of[customer_id] if not card_expired(m["expires"])]


def _by_customer(rows: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for row in rows:
        grouped.setdefault(row["customer"], []).append(row)
    return grouped


def _method_phrase(method: dict) -> str:
    return f"{method['kind'].replace('_', ' ')} ending in {method['last4']}"


# A family: (pool of lines it applies to, builder). A builder returns (openings, instruction, extra
# known facts, gold calls, outputs), or None to skip the line. The openings are ways to say the
# goal; the first says it in full (what the user restates when asked), others leave details to be
# asked for, but keep what the agent could not ask for by topic (which plan, what to buy).
Built = tuple[tuple[str, ...], str, dict, list, tuple]
Family = tuple[Callable[[World, dict], bool], Callable[[World, dict, random.Random], "Built | None"]]


def _prefers(line: dict) -> bool:
    """Whether the user states a plan by preference rather than by name (drawn apart from the family's rng)."""
    return random.Random(f"prefer:{line['id']}").random() < 0.5


def _cheapest(plans: list[dict]) -> dict:
    return min(plans, key=lambda q: q["monthly_price"])


def _lookup(line: dict) -> list[ToolCall]:
    return [
        agent("get_customer_by_phone", phone_number=line["phone_number"]),
        agent("get_line_details", line_id=line["id"]),
    ]


# -- phone and line ------------------------------------------------------------------------------


# The problems the customer fixes on their phone alone: the agent looks the line up, then asks them
# to check, fix and confirm (device tools). Each: (the three steps, openings, what the user wants),
# worded with ``{p}`` (the phone number) and ``{model}`` (the phone's model).
PHONE_FIXES: dict[str, tuple[tuple[str, str, str], tuple[str, ...], str]] = {
    "airplane_mode": (
        ("check_status_bar", "toggle_airplane_mode", "run_speed_test"),
        (
            "My phone has had no signal since this morning, I can't call or text anyone. My number is {p}.",
            "My phone shows no signal at all. I can't call or text anyone.",
            "Since this morning I have no service on my phone. Can you help?",
            "Nobody can reach me on {p}, the phone says there's no signal.",
        ),
        "Your {model} has shown no signal since this morning and you want it working again. "
        "You do not remember changing any setting.",
    ),
    "mobile_data_off": (
        ("check_network_status", "toggle_mobile_data", "run_speed_test"),
        (
            "Calls work, but nothing loads on my phone unless I'm on Wi-Fi. My number is {p}.",
            "My mobile internet isn't working, only Wi-Fi does.",
            "I can make calls but apps won't load away from Wi-Fi.",
            "No mobile data on my line {p}. Calls are fine.",
        ),
        "Mobile internet does not work on your phone; calls do. You want mobile data working.",
    ),
    "broken_apn": (
        ("check_apn_settings", "reset_apn_settings", "run_speed_test"),
        (
            "I changed some network settings from a forum post and now mobile internet is dead. Calls are fine. "
            "My number is {p}.",
            "I messed with my network settings and now mobile internet doesn't work.",
            "Mobile data stopped working after I changed some settings following online advice.",
        ),
        "After following advice from a forum, mobile internet stopped working on your phone. You want it back.",
    ),
    "sim_unseated": (
        ("check_status_bar", "reseat_sim_card", "check_network_status"),
        (
            "I dropped my phone yesterday and since then it says 'No SIM'. My number is {p}.",
            "My phone says 'No SIM' since I dropped it.",
            "There's a 'No SIM' message on my phone and I can't use it.",
            "My phone for {p} doesn't see the SIM card anymore.",
        ),
        "Since you dropped your phone it says 'No SIM'. You want it working again.",
    ),
}


def _phone_fix(family: str) -> Callable[[World, dict, random.Random], Built]:
    """The builder of one of :data:`PHONE_FIXES`."""
    steps, openings, wish = PHONE_FIXES[family]

    def build(w: World, line: dict, rng: random.Random) -> Built:
        p = line["phone_number"]
        facts = {"p": p, "model": w.devices[p]["model"]}
        return (
            tuple(opening.format(**facts) for opening in openings),
            f"{wish.format(**facts)} {FOLLOW}",
            {},
            _lookup(line) + [user(step, p) for step in steps],
            (),
        )

    return build


def roaming_abroad(w: World, line: dict, rng: random.Random) -> Built:
    p, device, plan = line["phone_number"], w.devices[line["phone_number"]], w.plans[line["plan"]]
    calls, known, wish, say = _lookup(line), {}, "", ""
    if not line["roaming_enabled"]:
        if not plan["roaming_allowed"]:
            roaming = [q for q in w.plans.values() if q["roaming_allowed"]]
            target = rng.choice(roaming)
            if _prefers(line):  # a preference the agent must apply to the plan list
                target, choice = _cheapest(roaming), "the cheapest plan that allows roaming"
                known["new plan"] = choice
            else:
                choice = f"the {target['name']} plan"
                known["new plan"] = target["name"]
            wish = f" If your plan does not allow roaming, you want to move to {choice}."
            say = f" If my plan doesn't cover roaming, I'd switch to {choice}."
            calls += [agent("list_plans"), agent("change_plan", line_id=line["id"], plan_id=target["id"])]
        calls.append(agent("enable_roaming", line_id=line["id"]))
    calls.append(user("check_network_status", p))
    if device["network_block"] == NO_ROAMING:
        calls.append(user("reboot_device", p))  # data roaming is already on: the phone must ask the network again
    else:
        calls.append(user("toggle_data_roaming", p))
    calls.append(user("run_speed_test", p))
    where = device["location"]
    return (
        (
            f"I just landed in {where} and my mobile data doesn't work here. My number is {p}.{say}",
            f"I'm travelling in {where} and can't get mobile data.{say}",
            f"My mobile data doesn't work abroad.{say}",
            f"I'm in {where} right now and the internet on my phone won't work.{say}",
        ),
        f"You are travelling in {device['location']} and want mobile data on your phone there.{wish} {FOLLOW}",
        known,
        calls,
        (),
    )


def data_limit(w: World, line: dict, rng: random.Random) -> Built | None:
    p, plan = line["phone_number"], w.plans[line["plan"]]
    calls = _lookup(line) + [user("check_data_usage", p)]
    bigger = [
        q
        for q in w.plans.values()
        if q["data_limit_gb"] > line["data_used_gb"] + 1
        and q["id"] != plan["id"]
        and (q["roaming_allowed"] or not line["roaming_enabled"])
    ]
    if bigger and rng.random() < 0.4:
        target = rng.choice(bigger)
        # "more data than my plan" picks the cheapest bigger plan, when that is one the line can take
        more = [q for q in w.plans.values() if q["data_limit_gb"] > plan["data_limit_gb"]]
        if line["roaming_enabled"]:
            more = [q for q in more if q["roaming_allowed"]]
        roaming = " that allows roaming" if line["roaming_enabled"] else ""
        if _prefers(line) and more and _cheapest(more) is _cheapest(bigger):
            target, choice = _cheapest(bigger), f"the cheapest plan{roaming} with more data than my current one"
            known = {"new plan": choice}
        else:
            choice = f"the {target['name']} plan"
            known = {"new plan": target["name"]}
        wish = f"you would rather move to {choice} than buy extra data"
        say = f" I'd rather move to {choice} than buy extra data."
        calls += [agent("list_plans"), agent("change_plan", line_id=line["id"], plan_id=target["id"])]
    else:
        gb = rng.choice((1, 2, 3))
        known = {"extra data": f"{gb} GB"}
        wish = f"you want to buy {gb} GB of extra data (price {gb * plan['refuel_price_per_gb']:g} dollars is fine)"
        say = " I'd like to buy some extra data."
        calls.append(agent("refuel_data", line_id=line["id"], gb=gb))
    calls += [user("reboot_device", p), user("run_speed_test", p)]
    return (
        (
            f"My mobile data stopped and I got a message that my data allowance is used up. My number is {p}.{say}",
            f"I've run out of data this month.{say}",
            f"My phone says my data allowance is used up.{say}",
            f"Mobile data on {p} stopped: the allowance is gone.{say}",
        ),
        f"Your mobile data is paused because your allowance is used up; {wish}. {FOLLOW}",
        known,
        calls,
        (),
    )


def suspended_unpaid(w: World, line: dict, rng: random.Random) -> Built | None:
    p, customer_id = line["phone_number"], line["customer"]
    methods = w.usable_methods(customer_id)
    if not methods:
        return None
    method = rng.choice(methods)
    overdue = [b for b in w.bills_of[customer_id] if b["status"] == "overdue"]
    calls = [
        agent("get_customer_by_phone", phone_number=p),
        agent("get_line_details", line_id=line["id"]),
        agent("get_bills_for_customer", customer_id=customer_id),
    ]
    calls += [agent("pay_bill", bill_id=b["id"], payment_method_id=method["id"]) for b in overdue]
    calls += [agent("resume_line", line_id=line["id"]), user("reboot_device", p), user("check_network_status", p)]
    return (
        (
            f"My phone only shows 'SOS' and I can't call anyone. I think I missed a payment. My number is {p}.",
            "My phone only shows 'SOS'. I might have forgotten to pay a bill.",
            "I can't make calls anymore; I think my line was cut off because of a missed payment.",
            f"Line {p} isn't working, I suspect an unpaid bill.",
        ),
        f"Your line is suspended, probably because of a missed payment. You want it working again and agree to "
        f"pay what is overdue with your {_method_phrase(method)}, but nothing that is not due yet. {FOLLOW}",
        {"payment method": _method_phrase(method)},
        calls,
        (),
    )


def resume_paused(w: World, line: dict, rng: random.Random) -> Built:
    p = line["phone_number"]
    return (
        (
            f"I'm back from a long trip and I'd like my line {p} working again, I had it paused.",
            "I paused my line before a trip and I'm back now. Please turn it on again.",
            "Can you reactivate my line? I had it paused while I was away.",
            f"I'm home again, please resume {p}.",
        ),
        f"You asked to pause your line before a long trip; you are back and want it active again. {FOLLOW}",
        {},
        _lookup(line)
        + [agent("resume_line", line_id=line["id"]), user("reboot_device", p), user("check_status_bar", p)],
        (),
    )


# -- account only --------------------------------------------------------------------------------


def change_plan(w: World, line: dict, rng: random.Random) -> Built | None:
    options = [
        q for q in w.plans.values() if q["id"] != line["plan"] and (q["roaming_allowed"] or not line["roaming_enabled"])
    ]
    target = rng.choice(options)
    p = line["phone_number"]
    choice, plan = f"the {target['name']} plan", target["name"]
    gb = f"{target['data_limit_gb']:g}"
    if _prefers(line) and _cheapest([q for q in options if q["data_limit_gb"] >= target["data_limit_gb"]]) is target:
        choice = plan = f"the cheapest plan with at least {gb} GB of data"  # the agent compares the plans
    calls = _lookup(line) + [agent("list_plans"), agent("change_plan", line_id=line["id"], plan_id=target["id"])]
    return (
        (
            f"I'd like to switch my line {p} to {choice}.",
            f"I want to change my plan to {choice}.",
            f"Could you move me to {choice}?",
            f"I need more or less data than I have now; please put me on {choice}.",
        ),
        f"You want your line {p} moved to {choice}, starting now.",
        {"new plan": plan},
        calls,
        (),
    )


def suspend_line(w: World, line: dict, rng: random.Random) -> Built:
    p = line["phone_number"]
    if rng.random() < 0.5:
        reason = "lost or stolen"
        openings = (
            f"My phone was stolen an hour ago! Please block my line {p} right away.",
            "Someone stole my phone. I need the line blocked now.",
            "I lost my phone and I'm worried someone will use it. Can you block the line?",
        )
        instruction = f"Your phone with the number {p} was stolen; you want the line blocked so nobody can use it."
    else:
        reason = "customer request"
        openings = (
            f"I'm going abroad for a few months without this phone. Can you pause my line {p}?",
            "I'll be away for a few months and won't use my phone. Can I pause the line?",
            "I'd like to suspend my line for a while, I'm travelling for months.",
        )
        instruction = f"You will be away for months and want your line {p} paused until you are back."
    return openings, instruction, {}, _lookup(line) + [agent("suspend_line", line_id=line["id"], reason=reason)], ()


def pay_bill(w: World, line: dict, rng: random.Random) -> Built | None:
    customer_id, p = line["customer"], line["phone_number"]
    unpaid = [b for b in w.bills_of[customer_id] if b["status"] == "unpaid"]
    methods = w.usable_methods(customer_id)
    if not unpaid or not methods or line is not w.lines_of[customer_id][0]:
        return None
    bill, method = unpaid[-1], rng.choice(methods)
    calls = [
        agent("get_customer_by_phone", phone_number=p),
        agent("get_bills_for_customer", customer_id=customer_id),
        agent("pay_bill", bill_id=bill["id"], payment_method_id=method["id"]),
    ]
    return (
        (
            f"I'd like to pay my latest bill now. My number is {p}.",
            "I want to pay my bill.",
            "Can I settle my latest bill with you?",
            f"Please take payment for the current bill on {p}.",
        ),
        f"You want to pay your latest bill (period {bill['period']}) in full with your {_method_phrase(method)}.",
        {"payment method": _method_phrase(method)},
        calls,
        (),
    )


def disable_roaming(w: World, line: dict, rng: random.Random) -> Built | None:
    if not line["roaming_enabled"]:
        return None
    p = line["phone_number"]
    return (
        (
            f"I'm home for good now. Please turn off roaming on my line {p} so I don't get surprise charges.",
            "I don't travel anymore, so please switch off roaming on my line.",
            "Can you disable roaming? I don't want surprise charges.",
            f"Turn off roaming on {p}, please.",
        ),
        f"You no longer travel and want roaming turned off on your line {p}.",
        {},
        _lookup(line) + [agent("disable_roaming", line_id=line["id"])],
        (),
    )


def transfer_on_hold(w: World, line: dict, rng: random.Random) -> Built:
    p = line["phone_number"]
    want = rng.choice(("add 2 GB of extra data", "switch to the Max 60 plan", "turn on roaming for a trip"))
    return (
        (
            f"I'd like to {want} on my line {p}.",
            f"I want to {want}.",
            f"Could you {want} for me?",
        ),
        f"You want to {want} on your line {p}. If the agent cannot help, you accept a transfer to a human agent.",
        {},
        [agent("get_customer_by_phone", phone_number=p), agent("transfer_to_human_agents", reason="account on hold")],
        ("on hold",),  # the fact the transfer turns on
    )


# -- information only ----------------------------------------------------------------------------


def data_remaining(w: World, line: dict, rng: random.Random) -> Built:
    p = line["phone_number"]
    remaining = round(w.allowance(line) - line["data_used_gb"], 2)
    return (
        (
            f"How much mobile data do I have left this month on {p}?",
            "How much data do I have left?",
            "Can you check my remaining data for this month?",
            "I'd like to know how much of my data allowance is left.",
        ),
        f"You want to know how much data is left this cycle on your line {p}. You change nothing.",
        {},
        _lookup(line),
        (f"{remaining:g}",),
    )


def latest_bill(w: World, line: dict, rng: random.Random) -> Built | None:
    customer_id, p = line["customer"], line["phone_number"]
    if line is not w.lines_of[customer_id][0]:
        return None
    bill = w.bills_of[customer_id][-1]
    return (
        (
            f"How much was my latest bill? My number is {p}.",
            "What was the amount of my last bill?",
            "Can you tell me how much my most recent bill was?",
        ),
        f"You want to know the amount of your latest bill (period {bill['period']}). You change nothing.",
        {},
        [agent("get_customer_by_phone", phone_number=p), agent("get_bills_for_customer", customer_id=customer_id)],
        (f"{bill['amount']:g}",),
    )


def plan_price(w: World, line: dict, rng: random.Random) -> Built:
    p, plan = line["phone_number"], w.plans[line["plan"]]
    return (
        (
            f"What's the monthly price of the plan on my line {p}?",
            "How much does my plan cost per month?",
            "Could you remind me what I pay monthly for my plan?",
        ),
        f"You want to know the monthly price of the plan on your line {p}. You change nothing.",
        {},
        _lookup(line) + [agent("get_plan_details", plan_id=plan["id"])],
        (f"{plan['monthly_price']:g}",),
    )


def _device_flag(name: str, value) -> Callable[[World, dict], bool]:
    return lambda w, line: w.devices[line["phone_number"]][name] == value


FAMILIES: dict[str, Family] = {
    "airplane_mode": (_device_flag("airplane_mode", True), _phone_fix("airplane_mode")),
    "mobile_data_off": (_device_flag("mobile_data", False), _phone_fix("mobile_data_off")),
    "broken_apn": (
        lambda w, line: w.devices[line["phone_number"]]["apn_name"] != CARRIER_APN,
        _phone_fix("broken_apn"),
    ),
    "sim_unseated": (_device_flag("sim_seated", False), _phone_fix("sim_unseated")),
    "roaming_abroad": (lambda w, line: w.devices[line["phone_number"]]["location"] != "home", roaming_abroad),
    "data_limit": (_device_flag("network_block", DATA_CAP), data_limit),
    "suspended_unpaid": (lambda w, line: line["suspension_reason"] == "non-payment", suspended_unpaid),
    "resume_paused": (lambda w, line: line["suspension_reason"] == "customer request", resume_paused),
    "change_plan": (World.healthy, change_plan),
    "suspend_line": (World.healthy, suspend_line),
    "pay_bill": (World.healthy, pay_bill),
    "disable_roaming": (World.healthy, disable_roaming),
    "transfer_on_hold": (
        lambda w, line: w.customers[line["customer"]]["account_status"] == "on_hold",
        transfer_on_hold,
    ),
    "data_remaining": (World.healthy, data_remaining),
    "latest_bill": (World.healthy, latest_bill),
    "plan_price": (World.healthy, plan_price),
}


def task_stream(domain) -> dict[str, Iterator[Task]]:
    """Every split's tasks for any count (``gym.make(..., tasks=N)``): each family on every line it
    applies to, in a seeded order, every ``TEST_EVERY``-th to test, the families in turn; at most
    :data:`MAX_TASKS`."""
    world = World.of(domain.rows)
    rng = random.Random(f"{7 + domain.data_seed}:stream")
    queues: dict[str, dict[str, list[Task]]] = {"train": {}, "test": {}}
    for family in FAMILIES:
        for count, task in enumerate(_family_tasks(world, family, rng, lambda n, f=family: f"{f}-{_split(n)}-{n:05d}")):
            queues[_split(count)].setdefault(family, []).append(task)
    return {split: interleave({f: iter(ts) for f, ts in by_family.items()}) for split, by_family in queues.items()}


def _split(count: int) -> str:
    return "test" if count % TEST_EVERY == TEST_EVERY - 1 else "train"


def _family_tasks(
    world: World, family: str, rng: random.Random, ident: Callable[[int], str], limit: int | None = None
) -> Iterator[Task]:
    """The family's tasks on the lines it applies to, in a seeded order (at most ``limit``);
    ``ident(n)`` names the ``n``-th."""
    applies, build = FAMILIES[family]
    pool = [line for line in world.lines if applies(world, line)]
    rng.shuffle(pool)
    count = 0
    for line in pool:
        if count == limit:
            return
        built = build(world, line, rng)
        if built is None:
            continue
        openings, instruction, extra, calls, outputs = built
        customer = world.customers[line["customer"]]
        known = {
            "phone number": line["phone_number"],
            "name": customer["name"],
            "date of birth": customer["date_of_birth"],
            **extra,
        }
        task_id = ident(count)
        who, style = rng.choice(PERSONAS)
        about = f"{who} {personas.persona(style).description}"
        scenario = Scenario(personas.opening(openings, task_id, style), instruction, known, about, style, openings[0])
        yield Task(task_id, family, scenario, tuple(calls), outputs)
        count += 1


def make_tasks(domain) -> dict[str, list[Task]]:
    """Up to ``PER_FAMILY`` tasks per family on distinct lines; every ``TEST_EVERY``-th goes to test."""
    world = World.of(domain.rows)
    rng = random.Random(7 + domain.data_seed)
    splits: dict[str, list[Task]] = {"train": [], "test": []}
    for family in FAMILIES:
        for count, task in enumerate(_family_tasks(world, family, rng, lambda n, f=family: f"{f}-{n:03d}", PER_FAMILY)):
            splits[_split(count)].append(task)
    return splits
