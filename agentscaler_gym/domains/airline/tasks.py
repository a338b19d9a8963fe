"""Airline tasks: seeded scenario families drawn from the generated data.

Each family builder looks at one user and returns a task, or None when that user has nothing that
fits. Users are split once (a quarter are test users), so no test task shares a user with a training
task. Flight choices come from the domain's own search tools on the seed database, and prices from
the same fare rules the tools apply, so every gold run replays.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from datetime import date, datetime, timedelta

from ...tasks import ASSISTANT, Scenario, Task, ToolCall, interleave, varied_opening
from .data import AIRPORTS, FIRST_NAMES, NOW, TODAY, dates, minutes
from .fares import COMPENSATION, INSURED_REASONS, fare_total, free_bags
from .models import Flight, FlightDate, PaymentMethod, Reservation, User
from .tools import search_direct_flight, search_onestop_flight

SEED = 7
PER_FAMILY = {"train": 40, "test": 13}
MAX_TASKS = {"train": 2_787, "test": 978}  # what the stream holds: each family once per user of the split


def _split_users(world: World) -> dict[str, list]:
    return {"train": world.users[1::4] + world.users[2::4] + world.users[3::4], "test": world.users[::4]}


def task_stream(domain) -> dict:
    """Every split's tasks for any count (``gym.make(..., tasks=N)``): each family tried once for
    every user of the split, in a seeded order, the families in turn; at most :data:`MAX_TASKS`."""
    world = World(domain)
    return {split: interleave(_family_queues(world, split, users)) for split, users in _split_users(world).items()}


def _family_queues(world: World, split: str, users: list) -> dict:
    rng = random.Random(f"{SEED}:{split}:stream")
    orders = {family: rng.sample(users, len(users)) for family in FAMILIES}
    counter = iter(range(10**9))

    def queue(family: str):
        for user in orders[family]:
            found = FAMILIES[family](world, rng, user)
            if found is not None:
                scenario, calls, outputs = found
                task_id = f"{family}-{split}-{next(counter):05d}"
                scenario = dataclasses.replace(scenario, opening=varied_opening(scenario.opening, task_id))
                yield Task(task_id, family, scenario, tuple(calls), tuple(outputs))

    return {family: queue(family) for family in FAMILIES}


def make_tasks(domain) -> dict:
    world = World(domain)
    splits = {}
    for split, users in _split_users(world).items():
        rng = random.Random(f"{SEED}:{split}")
        tasks = []
        for family, build in FAMILIES.items():
            order = rng.sample(users, len(users))
            made = 0
            for user in order:
                if made == PER_FAMILY[split]:
                    break
                found = build(world, rng, user)
                if found is not None:
                    scenario, calls, outputs = found
                    task_id = f"{split}-{family}-{made:03d}"
                    scenario = dataclasses.replace(scenario, opening=varied_opening(scenario.opening, task_id))
                    tasks.append(Task(task_id, family, scenario, tuple(calls), tuple(outputs)))
                    made += 1
        splits[split] = tasks
    return splits


class World:
    """The seed rows, indexed for task building, and a seed database for the search tools."""

    def __init__(self, domain):
        rows = domain.rows
        self.users = rows[User]
        self.legs = {row["id"]: row for row in rows[FlightDate]}
        self.flights = {row["flight_number"]: row for row in rows[Flight]}
        self.methods, self.reservations = {}, {}
        for m in rows[PaymentMethod]:
            self.methods.setdefault(m["user"], []).append(m)
        for r in rows[Reservation]:
            self.reservations.setdefault(r["user"], []).append(r)
        self.db = domain.seats()[ASSISTANT].db

    def search(self, tool, origin: str, destination: str, day: str) -> list:
        return self.db.run(tool, {"origin": origin, "destination": destination, "date": day})

    def leg(self, segment: dict) -> dict:
        return self.legs[f"{segment['flight_number']}:{segment['date']}"]

    def departed(self, segment: dict) -> bool:
        leg = self.leg(segment)
        return leg["status"] in ("flying", "landed") or leg["date"] < TODAY

    def open_reservations(self, user: dict) -> list[dict]:
        """Active reservations none of whose flights has departed."""
        return [
            r
            for r in self.reservations.get(user["id"], ())
            if r["status"] == "active" and not any(self.departed(s) for s in r["flights"])
        ]

    def payer(self, rng, user: dict, amount: int) -> dict | None:
        """A credit card, or a gift card that covers ``amount``."""
        options = [
            m
            for m in self.methods.get(user["id"], ())
            if m["kind"] == "credit_card" or (m["kind"] == "gift_card" and m["balance"] >= amount)
        ]
        return rng.choice(options) if options else None


# -- wording -------------------------------------------------------------------------------------

CABIN_WORDS = {"basic_economy": "basic economy", "economy": "economy", "business": "business"}


def _city(code: str) -> str:
    return f"{AIRPORTS[code][0]} ({code})"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _people(passengers: list[dict]) -> str:
    return _and([f"{p['first_name']} {p['last_name']}" for p in passengers])


def _births(passengers: list[dict]) -> str:
    return _and([f"{p['first_name']} {p['last_name']} (born {p['dob']})" for p in passengers])


def _dobs(passengers: list[dict]) -> str:
    if len(passengers) == 1:
        return passengers[0]["dob"]
    return _and([f"{p['dob']} for {p['first_name']} {p['last_name']}" for p in passengers])


def _method_words(method: dict) -> str:
    """A payment method as its owner names it (the agent finds the id in the profile)."""
    if method["kind"] == "credit_card":
        return f"my {method['brand']} credit card ending in {method['last_four']}"
    return f"my {method['kind'].replace('_', ' ')} worth ${method['balance']}"


def _persona(user: dict) -> str:
    return f"{user['first_name']} {user['last_name']}, a {user['membership']} member; brief and polite."


def _scenario(user: dict, opening: str, wants: str, **known: str) -> Scenario:
    """Known facts are short values an agent would repeat back when confirming (the scripted user
    treats a fact the message already states as confirmed, not asked for)."""
    facts = {"user id": user["id"], **{k.replace("_", " "): v for k, v in known.items()}}
    return Scenario(opening, wants, facts, _persona(user))


def _lookup(user: dict) -> ToolCall:
    return ToolCall("get_user_details", {"user_id": user["id"]})


def _show(reservation: dict) -> ToolCall:
    return ToolCall("get_reservation_details", {"reservation_id": reservation["id"]})


def _unique_best(options: list, key: Callable) -> object | None:
    """The option with the smallest key, or None on a tie (a user's preference must pick one)."""
    ranked = sorted(options, key=key)
    if not ranked or (len(ranked) > 1 and key(ranked[0]) == key(ranked[1])):
        return None
    return ranked[0]


PREFERENCES = {
    "cheapest": ("the cheapest", lambda cabin: lambda trip: sum(leg["prices"][cabin] for leg in trip)),
    "earliest": ("the earliest-departing", lambda cabin: lambda trip: trip[0]["departure_time"]),
    "latest": ("the latest-departing", lambda cabin: lambda trip: -minutes(trip[0]["departure_time"])),
}


# -- booking -------------------------------------------------------------------------------------


def _trip(world, tool, origin, destination, day, cabin, count, preference) -> list | None:
    found = world.search(tool, origin, destination, day)
    trips = [t if isinstance(t, list) else [t] for t in found]
    trips = [t for t in trips if all(leg["seats"][cabin] >= count for leg in t)]
    return _unique_best(trips, PREFERENCES[preference][1](cabin))


def _book(world, rng, user, kind: str):
    future = [d for d in dates() if d > TODAY]
    day = rng.choice(future[:-3])
    flight = world.flights[rng.choice(list(world.flights))]
    origin, destination = flight["origin"], flight["destination"]
    if kind == "one_stop":
        destination = rng.choice(
            [
                c
                for c in AIRPORTS
                if c != origin
                and not any(f["origin"] == origin and f["destination"] == c for f in world.flights.values())
            ]
            or [destination]
        )
    cabin = rng.choices(list(CABIN_WORDS), (2, 5, 2))[0]
    passengers = [{k: user[k] for k in ("first_name", "last_name", "dob")}]
    passengers += rng.sample(user["saved_passengers"], rng.randint(0, min(2, len(user["saved_passengers"]))))
    preference = rng.choice(list(PREFERENCES))
    tool = search_onestop_flight if kind == "one_stop" else search_direct_flight
    outbound = _trip(world, tool, origin, destination, day, cabin, len(passengers), preference)
    if outbound is None:
        return None
    trip, searches = list(outbound), [(tool.name, origin, destination, day)]
    back_day = None
    if kind == "round_trip":
        back_day = (date.fromisoformat(day) + timedelta(days=rng.randint(2, 6))).isoformat()
        back = _trip(world, tool, destination, origin, back_day, cabin, len(passengers), preference)
        if back_day not in dates() or back is None:
            return None
        trip += back
        searches.append((tool.name, destination, origin, back_day))
    bags = rng.randint(0, len(passengers) + 1)
    insurance = rng.random() < 0.4
    nonfree = max(0, bags - free_bags(user["membership"], cabin) * len(passengers))
    total = fare_total([leg["prices"][cabin] for leg in trip], len(passengers), insurance, nonfree)
    payments, paying = _booking_payments(world, rng, user, total)
    if payments is None:
        return None
    flights = [{"flight_number": leg["flight_number"], "date": leg["date"]} for leg in trip]
    calls = [_lookup(user)]
    calls += [ToolCall(name, {"origin": o, "destination": d, "date": dd}) for name, o, d, dd in searches]
    calls.append(
        ToolCall(
            "book_reservation",
            {
                "user_id": user["id"],
                "origin": origin,
                "destination": destination,
                "trip_type": "round_trip" if kind == "round_trip" else "one_way",
                "cabin": cabin,
                "flights": flights,
                "passengers": passengers,
                "payment_methods": payments,
                "total_baggages": bags,
                "insurance": insurance,
            },
        )
    )
    words, stop = PREFERENCES[preference][0], "one-stop" if kind == "one_stop" else "direct"
    when = f"on {day}" + (f", returning on {back_day}" if back_day else "")
    trip_words = f"a {'round trip' if back_day else 'one-way trip'} from {_city(origin)} to {_city(destination)} {when}"
    wants = (
        f"You want to book {trip_words} in {CABIN_WORDS[cabin]}, taking {words} {stop} option available"
        f"{' each way' if back_day else ''}. Passengers: {_births(passengers)}. "
        f"You check {bags} bag(s) in total and {'want' if insurance else 'do not want'} travel insurance. "
        f"Pay with {paying}."
    )
    dates_known = {"departure_date": day, **({"return_date": back_day} if back_day else {})}
    scenario = _scenario(
        user,
        f"Hi, I'd like to book {trip_words}.",
        wants,
        origin=origin,
        destination=destination,
        **dates_known,
        cabin=CABIN_WORDS[cabin],
        passengers=_people(passengers),
        dates_of_birth=_dobs(passengers),
        checked_bags=str(bags),
        travel_insurance="yes" if insurance else "no",
        payment_method=paying,
        preference=f"{words} {stop}",
    )
    return scenario, calls, ()


def _booking_payments(world, rng, user, total: int) -> tuple[list | None, str]:
    methods = world.methods.get(user["id"], [])
    cards = [m for m in methods if m["kind"] == "credit_card"]
    gifts = [m for m in methods if m["kind"] == "gift_card" and m["balance"] >= total]
    certificates = [m for m in methods if m["kind"] == "certificate"]
    if certificates and cards and rng.random() < 0.4:
        certificate, card = rng.choice(certificates), rng.choice(cards)
        part = min(certificate["balance"], total)
        payments = [{"payment_id": certificate["id"], "amount": part}]
        if total > part:
            payments.append({"payment_id": card["id"], "amount": total - part})
        return payments, f"{_method_words(certificate)} first and {_method_words(card)} for any rest"
    payer = rng.choice(gifts) if gifts and (not cards or rng.random() < 0.5) else (rng.choice(cards) if cards else None)
    if payer is None:
        return None, ""
    return [{"payment_id": payer["id"], "amount": total}], _method_words(payer)


def book_one_way(world, rng, user):
    return _book(world, rng, user, "one_way")


def book_round_trip(world, rng, user):
    return _book(world, rng, user, "round_trip")


def book_one_stop(world, rng, user):
    return _book(world, rng, user, "one_stop")


# -- cancelling ----------------------------------------------------------------------------------


def _cancel_reason(world, rng, reservation: dict) -> str | None:
    """A reason that makes the cancellation allowed, or None if none does."""
    if any(world.leg(s)["status"] == "cancelled" for s in reservation["flights"]):
        return "airline cancelled flight"
    if datetime.fromisoformat(reservation["created_at"]) >= NOW - timedelta(hours=24):
        return rng.choice(("change of plan", "other"))
    if reservation["cabin"] == "business":
        return rng.choice(("change of plan", "other", "health"))
    if reservation["insurance"]:
        return rng.choice(INSURED_REASONS)
    return None


REASON_WORDS = {
    "change of plan": "your plans changed",
    "other": "you would rather not say why",
    "airline cancelled flight": "the airline cancelled one of the flights",
    "health": "you are ill",
    "weather": "a storm is expected at your destination",
}


def cancel(world, rng, user):
    eligible = [(r, reason) for r in world.open_reservations(user) if (reason := _cancel_reason(world, rng, r))]
    if not eligible:
        return None
    reservation, reason = rng.choice(eligible)
    rid = reservation["id"]
    scenario = _scenario(
        user,
        f"Hello, I need to cancel my reservation {rid}.",
        f"You want to cancel reservation {rid} because {REASON_WORDS[reason]}.",
        reservation_id=rid,
        reason=reason,
    )
    calls = [
        _lookup(user),
        _show(reservation),
        ToolCall("cancel_reservation", {"reservation_id": rid, "reason": reason}),
    ]
    return scenario, calls, ()


def refuse_cancel(world, rng, user):
    """A cancellation the policy forbids: the agent only reads, and the database stays as it was."""
    options = []
    for r in world.reservations.get(user["id"], ()):
        if r["status"] != "active":
            continue
        started = any(world.departed(s) for s in r["flights"]) and not all(world.departed(s) for s in r["flights"])
        if started:  # the fact the refusal turns on: a flight has already flown
            flown = next(world.leg(s)["status"] for s in r["flights"] if world.departed(s))
            options.append((r, rng.choice(("change of plan", "health")), flown))
        elif not any(world.departed(s) for s in r["flights"]) and _cancel_reason(world, rng, r) is None:
            options.append((r, "change of plan", "insurance"))  # booked over 24 h ago, not business, uninsured
    if not options:
        return None
    reservation, reason, why = rng.choice(options)
    rid = reservation["id"]
    scenario = _scenario(
        user,
        f"Hi, please cancel reservation {rid} and refund me.",
        f"You want to cancel reservation {rid} because {REASON_WORDS[reason]}. If the agent says it cannot be "
        "cancelled, accept that and end the conversation; do not ask for anything else.",
        reservation_id=rid,
        reason=reason,
    )
    return scenario, [_lookup(user), _show(reservation)], (why,)


# -- changing ------------------------------------------------------------------------------------


def change_flight(world, rng, user):
    """Move a one-way flight, or the return of a round trip, to another date: the cheapest direct flight."""
    options = []
    for r in world.reservations.get(user["id"], ()):
        if r["status"] != "active" or r["cabin"] == "basic_economy" or len(r["flights"]) not in (1, 2):
            continue
        moving = r["flights"][-1]
        if (r["trip_type"] == "one_way") == (len(r["flights"]) == 1) and not world.departed(moving):
            options.append(r)
    if not options:
        return None
    r = rng.choice(options)
    moving, people = r["flights"][-1], len(r["passengers"])
    earliest = r["flights"][0]["date"] if len(r["flights"]) == 2 else TODAY
    day = (date.fromisoformat(moving["date"]) + timedelta(days=rng.choice((-3, -2, -1, 1, 2, 3)))).isoformat()
    if day not in dates() or day <= max(earliest, TODAY):
        return None
    trip = _trip(
        world, search_direct_flight, moving["origin"], moving["destination"], day, r["cabin"], people, "cheapest"
    )
    if trip is None:
        return None
    new = trip[0]
    difference = (new["prices"][r["cabin"]] - moving["price"]) * people
    payer = world.payer(rng, user, difference)
    if payer is None:
        return None
    flights = [{"flight_number": s["flight_number"], "date": s["date"]} for s in r["flights"][:-1]]
    flights.append({"flight_number": new["flight_number"], "date": day})
    which = "return flight" if len(r["flights"]) == 2 else "flight"
    wants = (
        f"You want to move the {which} of reservation {r['id']} ({_city(moving['origin'])} to "
        f"{_city(moving['destination'])}, now on {moving['date']}) to {day}, on the cheapest direct flight that "
        f"day in the same cabin. Any fare difference goes to {_method_words(payer)}."
    )
    scenario = _scenario(
        user,
        f"Hi, I need to change the date of my {which} on reservation {r['id']}.",
        wants,
        reservation_id=r["id"],
        new_date=day,
        payment_method=_method_words(payer),
    )
    calls = [
        _lookup(user),
        _show(r),
        ToolCall(
            "search_direct_flight", {"origin": moving["origin"], "destination": moving["destination"], "date": day}
        ),
        ToolCall(
            "update_reservation_flights", {"reservation_id": r["id"], "flights": flights, "payment_id": payer["id"]}
        ),
    ]
    return scenario, calls, ()


def refuse_change(world, rng, user):
    options = [r for r in world.open_reservations(user) if r["cabin"] == "basic_economy"]
    if not options:
        return None
    r = rng.choice(options)
    first = r["flights"][0]
    day = (date.fromisoformat(first["date"]) + timedelta(days=rng.choice((1, 2, 3)))).isoformat()
    scenario = _scenario(
        user,
        f"Hi, can I move my flight on reservation {r['id']} to {day}?",
        f"You want to move the flights of reservation {r['id']} to {day}, keeping the basic economy cabin. If the "
        "agent says basic economy flights cannot be changed, accept that and end the conversation; you do not "
        "want to upgrade or cancel.",
        reservation_id=r["id"],
        new_date=day,
    )
    return scenario, [_lookup(user), _show(r)], ("basic economy",)


def change_cabin(world, rng, user):
    options = []
    for r in world.open_reservations(user):
        legs = [world.leg(s) for s in r["flights"]]
        for cabin in CABIN_WORDS:
            if cabin != r["cabin"] and all(
                leg["status"] == "available" and leg["seats"][cabin] >= len(r["passengers"]) for leg in legs
            ):
                options.append((r, cabin))
    if not options:
        return None
    r, cabin = rng.choice(options)
    difference = sum(world.leg(s)["prices"][cabin] - s["price"] for s in r["flights"]) * len(r["passengers"])
    payer = world.payer(rng, user, difference)
    if payer is None:
        return None
    verb = "upgrade" if list(CABIN_WORDS).index(cabin) > list(CABIN_WORDS).index(r["cabin"]) else "downgrade"
    scenario = _scenario(
        user,
        f"Hello, I'd like to {verb} reservation {r['id']} to {CABIN_WORDS[cabin]}.",
        f"You want every flight of reservation {r['id']} in {CABIN_WORDS[cabin]}. Any price difference goes to "
        f"{_method_words(payer)}.",
        reservation_id=r["id"],
        cabin=CABIN_WORDS[cabin],
        payment_method=_method_words(payer),
    )
    calls = [
        _lookup(user),
        _show(r),
        ToolCall("update_reservation_cabin", {"reservation_id": r["id"], "cabin": cabin, "payment_id": payer["id"]}),
    ]
    return scenario, calls, ()


def _bag_fee(user: dict, reservation: dict, total: int, cabin: str | None = None) -> int:
    free = free_bags(user["membership"], cabin or reservation["cabin"]) * len(reservation["passengers"])
    return 50 * (max(reservation["nonfree_baggages"], total - free) - reservation["nonfree_baggages"])


def add_baggage(world, rng, user):
    options = [
        r
        for r in world.reservations.get(user["id"], ())
        if r["status"] == "active" and not all(world.departed(s) for s in r["flights"])
    ]
    if not options:
        return None
    r = rng.choice(options)
    added = rng.choice((1, 1, 2))
    total = r["total_baggages"] + added
    payer = world.payer(rng, user, _bag_fee(user, r, total))
    if payer is None or total > 3 * len(r["passengers"]) + 5:
        return None
    scenario = _scenario(
        user,
        f"Hi, I want to add {added} checked bag(s) to reservation {r['id']}.",
        f"You want {added} more checked bag(s) on reservation {r['id']}, {total} in total. Pay any fee with "
        f"{_method_words(payer)}.",
        reservation_id=r["id"],
        checked_bags=str(total),
        payment_method=_method_words(payer),
    )
    calls = [
        _lookup(user),
        _show(r),
        ToolCall(
            "update_reservation_baggages",
            {"reservation_id": r["id"], "total_baggages": total, "payment_id": payer["id"]},
        ),
    ]
    return scenario, calls, ()


def _amended(world, rng, user, passengers: list[dict]) -> tuple[list[dict], str, dict]:
    """The passenger list with one date of birth corrected, or one companion replaced by someone else."""
    amended = [dict(p) for p in passengers]
    companions = [
        i
        for i, p in enumerate(passengers)
        if (p["first_name"], p["last_name"]) != (user["first_name"], user["last_name"])
    ]
    if companions and rng.random() < 0.6:
        i = rng.choice(companions)
        saved = [p for p in user["saved_passengers"] if p not in passengers]
        amended[i] = (
            dict(rng.choice(saved))
            if saved
            else {"first_name": rng.choice(FIRST_NAMES), "last_name": passengers[i]["last_name"], "dob": _dob(rng)}
        )
        new = amended[i]
        words = (
            f"{passengers[i]['first_name']} {passengers[i]['last_name']} cannot travel; "
            f"{new['first_name']} {new['last_name']} (born {new['dob']}) travels instead"
        )
        return amended, words, {"new_passenger": f"{new['first_name']} {new['last_name']}", "date_of_birth": new["dob"]}
    i = rng.randrange(len(passengers))
    p = amended[i]
    p["dob"] = (date.fromisoformat(p["dob"]) + timedelta(days=rng.choice((-366, -31, -1, 1, 31, 365)))).isoformat()
    words = f"the date of birth of {p['first_name']} {p['last_name']} should be {p['dob']}"
    return amended, words, {"passenger": f"{p['first_name']} {p['last_name']}", "date_of_birth": p["dob"]}


def _dob(rng) -> str:
    return (date(1950, 1, 1) + timedelta(days=rng.randrange(60 * 365))).isoformat()


def update_passengers(world, rng, user):
    options = world.open_reservations(user)
    if not options:
        return None
    r = rng.choice(options)
    amended, words, known = _amended(world, rng, user, r["passengers"])
    scenario = _scenario(
        user,
        f"Hi, I need to change a passenger's details on reservation {r['id']}.",
        f"On reservation {r['id']}, {words}; everything else stays as it is.",
        reservation_id=r["id"],
        **known,
    )
    calls = [
        _lookup(user),
        _show(r),
        ToolCall("update_reservation_passengers", {"reservation_id": r["id"], "passengers": amended}),
    ]
    return scenario, calls, ()


# -- compensation --------------------------------------------------------------------------------


def _disrupted(world, user) -> list[tuple[dict, dict]]:
    return [
        (r, s)
        for r in world.reservations.get(user["id"], ())
        if r["status"] == "active"
        for s in r["flights"]
        if world.leg(s)["status"] in COMPENSATION
    ]


def _eligible_for_compensation(user: dict, reservation: dict) -> bool:
    return user["membership"] != "regular" or reservation["insurance"] or reservation["cabin"] == "business"


def _complaint(world, rng, user, eligible: bool):
    """A complaint about a cancelled or delayed flight; when not ``eligible``, the user is not entitled
    to compensation, or the flight they call delayed in fact landed on time."""
    options = [(r, s) for r, s in _disrupted(world, user) if _eligible_for_compensation(user, r) == eligible]
    if not eligible:
        options += [
            (r, s)
            for r in world.reservations.get(user["id"], ())
            if r["status"] == "active"
            for s in r["flights"]
            if world.leg(s)["status"] == "landed" and world.leg(s)["delay_minutes"] == 0
        ]
    if not options:
        return None
    r, segment = rng.choice(options)
    status = world.leg(segment)["status"] if eligible or world.leg(segment)["status"] in COMPENSATION else "delayed"
    flight = f"flight {segment['flight_number']} on {segment['date']}"
    scenario = _scenario(
        user,
        f"Hi, my {flight} on reservation {r['id']} was {status}, and I'm not happy about it.",
        f"Your {flight} (reservation {r['id']}) was {status}. You want compensation for it; you do not want to "
        "change or cancel anything. If the agent says you are not eligible, accept that and end the conversation.",
        reservation_id=r["id"],
        flight_number=segment["flight_number"],
        flight_date=segment["date"],
    )
    calls = [_lookup(user), _show(r)]  # the reservation shows each flight's status
    if eligible:
        amount = COMPENSATION[status] * len(r["passengers"])
        calls.append(ToolCall("send_certificate", {"user_id": user["id"], "amount": amount}))
        return scenario, calls, ()
    # the fact the refusal turns on: the flight landed on time, or the user's membership
    return (
        scenario,
        calls,
        (world.leg(segment)["status"] if status != world.leg(segment)["status"] else user["membership"],),
    )


def compensation(world, rng, user):
    return _complaint(world, rng, user, eligible=True)


def refuse_compensation(world, rng, user):
    return _complaint(world, rng, user, eligible=False)


# -- information ---------------------------------------------------------------------------------


def flight_status(world, rng, user):
    """A question about one of the user's flights by number and date: no reservation needs reading."""
    options = [
        s
        for r in world.reservations.get(user["id"], ())
        if r["status"] == "active"
        for s in r["flights"]
        if s["date"] >= TODAY and world.leg(s)["status"] != "available"
    ]
    if not options:
        return None
    segment = rng.choice(options)
    flight = f"flight {segment['flight_number']} on {segment['date']}"
    scenario = _scenario(
        user,
        f"Hi, what's the status of {flight}?",
        f"You want to know the status of {flight}. You only want the information; change nothing.",
        flight_number=segment["flight_number"],
        flight_date=segment["date"],
    )
    calls = [
        _lookup(user),
        ToolCall("get_flight_status", {"flight_number": segment["flight_number"], "date": segment["date"]}),
    ]
    return scenario, calls, (world.leg(segment)["status"],)


def stored_value(world, rng, user):
    held = [m for m in world.methods.get(user["id"], ()) if m["kind"] in ("gift_card", "certificate")]
    if len(held) != 1:
        return None
    kind = held[0]["kind"].replace("_", " ")
    scenario = _scenario(
        user,
        f"Hi, how much is left on my {kind}?",
        f"You want to know how many dollars are left on your {kind}. You only want the information.",
    )
    return scenario, [_lookup(user)], (str(held[0]["balance"]),)


def trip_cost(world, rng, user):
    options = [
        r for r in world.reservations.get(user["id"], ()) if r["status"] == "active" and len(r["payment_history"]) == 1
    ]
    if not options:
        return None
    r = rng.choice(options)
    scenario = _scenario(
        user,
        f"Hi, how much did I pay for reservation {r['id']}?",
        f"You want to know how much you paid for reservation {r['id']}, in dollars. You only want the information.",
        reservation_id=r["id"],
    )
    return scenario, [_lookup(user), _show(r)], (str(r["payment_history"][0]["amount"]),)


# -- several requests in one conversation --------------------------------------------------------


def multi_intent(world, rng, user):
    """Two changes in one conversation: cabin then bags on one reservation, or bags on one and cancelling another."""
    cards = [m for m in world.methods.get(user["id"], ()) if m["kind"] == "credit_card"]
    open_ = world.open_reservations(user)
    if not cards or not open_:
        return None
    card = rng.choice(cards)
    r = rng.choice(open_)
    total = r["total_baggages"] + 1
    bags = ToolCall(
        "update_reservation_baggages", {"reservation_id": r["id"], "total_baggages": total, "payment_id": card["id"]}
    )
    others = [(o, reason) for o in open_ if o is not r and (reason := _cancel_reason(world, rng, o))]
    legs = [world.leg(s) for s in r["flights"]]
    if others:
        other, reason = rng.choice(others)
        wants = (
            f"You want one more checked bag on reservation {r['id']} ({total} in total), paid with "
            f"{_method_words(card)}, and you want to cancel reservation {other['id']} because {REASON_WORDS[reason]}."
        )
        calls = [
            _lookup(user),
            _show(r),
            bags,
            _show(other),
            ToolCall("cancel_reservation", {"reservation_id": other["id"], "reason": reason}),
        ]
        known = {"bags_reservation": r["id"], "cancel_reservation": other["id"], "reason": reason}
    elif r["cabin"] != "business" and all(
        leg["status"] == "available" and leg["seats"]["business"] >= len(r["passengers"]) for leg in legs
    ):
        wants = (
            f"You want to upgrade reservation {r['id']} to business and then have {total} checked bags on it. "
            f"Pay everything with {_method_words(card)}."
        )
        calls = [
            _lookup(user),
            _show(r),
            ToolCall(
                "update_reservation_cabin", {"reservation_id": r["id"], "cabin": "business", "payment_id": card["id"]}
            ),
            bags,
        ]
        known = {"reservation_id": r["id"], "cabin": "business"}
    else:
        return None
    scenario = _scenario(
        user,
        "Hi, I have two things to sort out with my reservations.",
        wants,
        payment_method=_method_words(card),
        checked_bags=str(total),
        **known,
    )
    return scenario, calls, ()


FAMILIES = {
    "book_one_way": book_one_way,
    "book_round_trip": book_round_trip,
    "book_one_stop": book_one_stop,
    "cancel": cancel,
    "refuse_cancel": refuse_cancel,
    "change_flight": change_flight,
    "refuse_change": refuse_change,
    "change_cabin": change_cabin,
    "add_baggage": add_baggage,
    "update_passengers": update_passengers,
    "compensation": compensation,
    "refuse_compensation": refuse_compensation,
    "flight_status": flight_status,
    "stored_value": stored_value,
    "trip_cost": trip_cost,
    "multi_intent": multi_intent,
}
