"""Airline tools. The business rules live here, so a call that breaks one fails and changes nothing.

What things cost (fares, insurance, bags) is in :mod:`.fares`, shared with the data generator and
the task source.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta
from typing import Literal

from ...database import ROUTER
from ...tools import READ, WRITE, ToolError, tool
from ..common import calculate, lookup
from .data import NOW, TODAY, dates
from .fares import BAG_FEE, INSURED_REASONS, fare_total, free_bags
from .models import Airport, Flight, FlightDate, PaymentMethod, Reservation, User

Cabin = Literal["basic_economy", "economy", "business"]
Reason = Literal["change of plan", "airline cancelled flight", "health", "weather", "other"]
MAX_PASSENGERS = 5
MAX_CERTIFICATE = 500


# -- lookups -------------------------------------------------------------------------------------

_SCHEDULE = f"the schedule covers {dates()[0]} to {dates()[-1]}"


def _user(user_id: str) -> User:
    return lookup(User, lambda: f"user {user_id!r} not found", id=user_id)


def _reservation(reservation_id: str) -> Reservation:
    return lookup(Reservation, lambda: f"reservation {reservation_id!r} not found", id=reservation_id)


def _active(reservation_id: str) -> Reservation:
    reservation = _reservation(reservation_id)
    if reservation.status != "active":
        raise ToolError(f"reservation {reservation_id} is {reservation.status}")
    return reservation


def _day(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except (TypeError, ValueError):
        raise ToolError(f"date {text!r} is not a date in the form YYYY-MM-DD, such as '2024-05-20'") from None


def _airport(code: str) -> str:
    lookup(Airport, lambda: f"airport {code!r} not found; list_all_airports gives the three-letter codes", iata=code)
    return code


def _flight(flight_number: str) -> Flight:
    return lookup(Flight, lambda: f"flight {flight_number!r} not found", flight_number=flight_number)


def _flight_date(flight_number: str, day: str) -> FlightDate:
    _flight(flight_number)
    return lookup(
        FlightDate,
        lambda: f"flight {flight_number} is not scheduled on {day}; {_SCHEDULE}",
        id=f"{flight_number}:{_day(day)}",
    )


def _departed(leg: FlightDate) -> bool:
    """Flown, in the air, or on a past date: that segment can no longer change."""
    return leg.status in ("flying", "landed") or leg.date < TODAY


def _payment_method(
    user: User, payment_id: str, kinds: tuple[str, ...] = ("credit_card", "gift_card", "certificate")
) -> PaymentMethod:
    method = lookup(
        PaymentMethod,
        lambda: f"payment method {payment_id!r} not found in the profile of user {user.id}",
        id=payment_id,
        user=user.id,
    )
    if method.kind not in kinds:
        raise ToolError(f"a {method.kind.replace('_', ' ')} cannot be used here; use one of: {', '.join(kinds)}")
    return method


def _whole_dollars(amount: int | float, what: str) -> int:
    if (
        isinstance(amount, bool)
        or not isinstance(amount, (int, float))
        or not math.isfinite(amount)
        or amount != int(amount)
        or amount <= 0
    ):
        raise ToolError(f"{what} must be a positive whole number of dollars, got {amount!r}")
    return int(amount)


# -- renderings ----------------------------------------------------------------------------------


def _leg_dict(flight: Flight, leg: FlightDate) -> dict:
    return {
        "flight_number": flight.flight_number,
        "origin": flight.origin_id,
        "destination": flight.destination_id,
        "date": leg.date,
        "departure_time": flight.departure_time,
        "arrival_time": flight.arrival_time,
        "status": leg.status,
        "seats": leg.seats,
        "prices": leg.prices,
    }


def _reservation_dict(r: Reservation) -> dict:
    """The stored reservation, with each flight's current status beside what was booked."""
    flights = [{**f, "status": _flight_date(f["flight_number"], f["date"]).status} for f in r.flights]
    return {
        "reservation_id": r.id,
        "user_id": r.user_id,
        "origin": r.origin,
        "destination": r.destination,
        "trip_type": r.trip_type,
        "cabin": r.cabin,
        "flights": flights,
        "passengers": r.passengers,
        "total_baggages": r.total_baggages,
        "nonfree_baggages": r.nonfree_baggages,
        "insurance": "yes" if r.insurance else "no",
        "created_at": r.created_at,
        "payment_history": r.payment_history,
        "status": r.status,
    }


# -- validation of structured arguments ----------------------------------------------------------

_FLIGHT_KEYS = {"flight_number", "date"}
_PASSENGER_KEYS = {"first_name", "last_name", "dob"}


def _legs(flights: list, origin: str, destination: str, trip_type: str) -> list[tuple[Flight, FlightDate]]:
    """Check that ``flights`` form one trip of the given type; return each flight with its date."""
    if not 1 <= len(flights) <= 4:
        raise ToolError("a trip has between 1 and 4 flights")
    legs = []
    for item in flights:
        if not isinstance(item, dict) or set(item) != _FLIGHT_KEYS:
            raise ToolError(f'each flight must be {{"flight_number": "SA118", "date": "2024-05-20"}}, got {item!r}')
        legs.append((_flight(item["flight_number"]), _flight_date(item["flight_number"], item["date"])))
    for (f1, d1), (f2, d2) in zip(legs, legs[1:]):
        if f1.destination_id != f2.origin_id:
            raise ToolError(
                f"flight {f2.flight_number} leaves from {f2.origin_id}, but {f1.flight_number} lands in {f1.destination_id}"
            )
        if (d2.date, f2.departure_time) < (d1.date, f1.arrival_time):
            raise ToolError(
                f"flight {f2.flight_number} on {d2.date} departs before {f1.flight_number} on {d1.date} lands"
            )
    stops = [f.destination_id for f, _ in legs]
    if legs[0][0].origin_id != origin:
        raise ToolError(f"the first flight must leave from {origin}, not {legs[0][0].origin_id}")
    if trip_type == "one_way" and stops[-1] != destination:
        raise ToolError(f"a one-way trip must end in {destination}, not {stops[-1]}")
    if trip_type == "round_trip" and (stops[-1] != origin or destination not in stops[:-1]):
        raise ToolError(f"a round trip must go from {origin} to {destination} and end back in {origin}")
    return legs


def _passengers(passengers: list) -> list[dict]:
    if not 1 <= len(passengers) <= MAX_PASSENGERS:
        raise ToolError(f"a reservation has between 1 and {MAX_PASSENGERS} passengers")
    clean = []
    for p in passengers:
        if not isinstance(p, dict) or set(p) != _PASSENGER_KEYS:
            raise ToolError(
                f'each passenger must be {{"first_name": "Mia", "last_name": "Garcia", "dob": "1990-04-12"}}, got {p!r}'
            )
        if not all(isinstance(p[k], str) and p[k].strip() for k in _PASSENGER_KEYS):
            raise ToolError(f"passenger {p!r} needs a non-empty first name, last name and date of birth")
        dob = _day(p["dob"])
        if dob >= TODAY:
            raise ToolError(f"date of birth {dob} is not in the past")
        clean.append({"first_name": p["first_name"].strip(), "last_name": p["last_name"].strip(), "dob": dob})
    return clean


def _take_seats(leg: FlightDate, cabin: str, count: int) -> None:
    if leg.status != "available":
        raise ToolError(f"flight {leg.flight_id} on {leg.date} is {leg.status} and cannot be booked")
    if leg.seats[cabin] < count:
        raise ToolError(
            f"flight {leg.flight_id} on {leg.date} has {leg.seats[cabin]} {cabin} seat(s) left, {count} needed"
        )
    leg.seats = {**leg.seats, cabin: leg.seats[cabin] - count}
    leg.save(only=["seats"])


def _release_seats(leg: FlightDate, cabin: str, count: int) -> None:
    leg.seats = {**leg.seats, cabin: leg.seats[cabin] + count}
    leg.save(only=["seats"])


def _settle(reservation: Reservation, method: PaymentMethod, amount: int) -> None:
    """Charge (positive) or refund (negative) ``amount`` on a credit card or gift card; log it."""
    if amount == 0:
        return
    if method.kind == "gift_card":
        if method.balance < amount:
            raise ToolError(f"gift card {method.id} has a balance of ${method.balance}, ${amount} is needed")
        method.balance -= amount
        method.save(only=["balance"])
    reservation.payment_history = reservation.payment_history + [{"payment_id": method.id, "amount": amount}]


def _new_id(model, prefix: str, make) -> str:
    """A fresh id that depends only on the table's size, so equal runs create equal rows."""
    size = ROUTER.execute_sql(f'SELECT count(*) FROM "{model._meta.table_name}"').fetchone()[0]
    rng = random.Random(f"{prefix}:{size}")
    while True:
        candidate = make(rng)
        if model.find(id=candidate) is None:
            return candidate


# -- read tools ----------------------------------------------------------------------------------


@tool(READ)
def get_user_details(user_id: str) -> dict:
    """Get a user's profile: name, membership tier, payment methods (with gift card balances and
    certificate amounts), saved passengers and reservation ids.

    Args:
        user_id: The user id, such as 'sofia_kim_4821937'.
    """
    user = _user(user_id)
    methods = []
    for m in PaymentMethod.find_all(user=user.id):
        entry = {"payment_id": m.id, "kind": m.kind}
        entry.update(
            {"brand": m.brand, "last_four": m.last_four} if m.kind == "credit_card" else {"balance": m.balance}
        )
        methods.append(entry)
    return {
        "user_id": user.id,
        "name": {"first_name": user.first_name, "last_name": user.last_name},
        "email": user.email,
        "dob": user.dob,
        "membership": user.membership,
        "address": user.address,
        "saved_passengers": user.saved_passengers,
        "payment_methods": methods,
        "reservations": [r.id for r in Reservation.find_all(user=user.id)],
    }


@tool(READ)
def get_reservation_details(reservation_id: str) -> dict:
    """Get a reservation: trip, flights with the price paid per passenger and each flight's current
    status, cabin, passengers, baggage, insurance, booking time, payment history and status.

    Args:
        reservation_id: The six-character reservation id, such as 'Q4ZK7B'.
    """
    return _reservation_dict(_reservation(reservation_id))


@tool(READ)
def list_all_airports() -> list:
    """List every airport the airline flies to, with its three-letter code and city."""
    return [{"iata": a.iata, "city": a.city} for a in Airport.find_all()]


@tool(READ)
def search_direct_flight(origin: str, destination: str, date: str) -> list:
    """Search direct flights that can be booked on a date, with seats left and price per cabin.

    Args:
        origin: Three-letter code of the departure airport, such as 'JFK'.
        destination: Three-letter code of the arrival airport, such as 'SFO'.
        date: The date, such as '2024-05-20'.
    """
    day = _searchable(date)
    found = []
    for flight in Flight.find_all(origin=_airport(origin), destination=_airport(destination)):
        leg = FlightDate.find(id=f"{flight.flight_number}:{day}")
        if leg is not None and leg.status == "available":
            found.append(_leg_dict(flight, leg))
    return sorted(found, key=lambda f: f["departure_time"])


@tool(READ)
def search_onestop_flight(origin: str, destination: str, date: str) -> list:
    """Search trips with one connection on a date: pairs of flights, the second leaving the
    connecting airport at least one hour after the first lands. Only bookable flights are listed.

    Args:
        origin: Three-letter code of the departure airport, such as 'JFK'.
        destination: Three-letter code of the arrival airport, such as 'SFO'.
        date: The date of both flights, such as '2024-05-20'.
    """
    day = _searchable(date)
    _airport(destination)
    found = []
    for first in Flight.find_all(origin=_airport(origin)):
        if first.destination_id == destination:
            continue
        leg1 = FlightDate.find(id=f"{first.flight_number}:{day}")
        if leg1 is None or leg1.status != "available":
            continue
        for second in Flight.find_all(origin=first.destination_id, destination=destination):
            if _minutes(second.departure_time) < _minutes(first.arrival_time) + 60:
                continue
            leg2 = FlightDate.find(id=f"{second.flight_number}:{day}")
            if leg2 is not None and leg2.status == "available":
                found.append([_leg_dict(first, leg1), _leg_dict(second, leg2)])
    return sorted(found, key=lambda pair: (pair[0]["departure_time"], pair[1]["departure_time"]))


def _searchable(day: str) -> str:
    day = _day(day)
    if day < TODAY:
        raise ToolError(f"{day} is in the past; today is {TODAY}")
    return day


def _minutes(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[3:5])


@tool(READ)
def get_flight_status(flight_number: str, date: str) -> dict:
    """Get the status of a flight on a date: available (on schedule), delayed, cancelled, flying
    or landed, with the scheduled times and any delay.

    Args:
        flight_number: The flight number, such as 'SA118'.
        date: The date, such as '2024-05-15'.
    """
    leg = _flight_date(flight_number, date)
    flight = _flight(flight_number)
    return {
        "flight_number": flight.flight_number,
        "date": leg.date,
        "origin": flight.origin_id,
        "destination": flight.destination_id,
        "status": leg.status,
        "scheduled_departure": flight.departure_time,
        "scheduled_arrival": flight.arrival_time,
        "delay_minutes": leg.delay_minutes,
    }


@tool(READ, ends_episode=True)
def transfer_to_human_agents(summary: str) -> str:
    """Hand the conversation to a human agent. Use only when the user asks for one or the request
    cannot be handled within the policy with these tools.

    Args:
        summary: A short summary of the user's issue.
    """
    return "Transfer successful"


# -- write tools ---------------------------------------------------------------------------------


@tool(WRITE)
def book_reservation(
    user_id: str,
    origin: str,
    destination: str,
    trip_type: Literal["one_way", "round_trip"],
    cabin: Cabin,
    flights: list[dict],
    passengers: list[dict],
    payment_methods: list[dict],
    total_baggages: int,
    insurance: bool,
) -> dict:
    """Book a reservation. The payments must add up to the total: every flight's price in the cabin
    for every passenger, plus $30 per passenger with insurance, plus $50 per checked bag above the
    free allowance (which the airline computes from the membership and cabin).

    Args:
        user_id: The user id, such as 'sofia_kim_4821937'.
        origin: Three-letter code of where the trip starts, such as 'JFK'.
        destination: Three-letter code of where the trip goes, such as 'SFO' (for a round trip, the far end).
        trip_type: One way, or there and back.
        cabin: The cabin, the same on every flight.
        flights: Every flight in travel order, as {"flight_number": "SA118", "date": "2024-05-20"}.
        passengers: 1 to 5 passengers, as {"first_name": "Mia", "last_name": "Garcia", "dob": "1990-04-12"}.
        payment_methods: The payments, as {"payment_id": "credit_card_4821937", "amount": 512}; at most one
            certificate, one credit card and three gift cards. A certificate is used up by the booking.
        total_baggages: The number of checked bags for the whole reservation.
        insurance: Whether to buy travel insurance.
    """
    user = _user(user_id)
    legs = _legs(flights, _airport(origin), _airport(destination), trip_type)
    people = _passengers(passengers)
    if total_baggages < 0 or total_baggages > 3 * len(people) + 5:
        raise ToolError(f"total_baggages must be between 0 and {3 * len(people) + 5}")
    nonfree = max(0, total_baggages - free_bags(user.membership, cabin) * len(people))
    for _, leg in legs:  # the call is one transaction: a payment failure below gives the seats back
        _take_seats(leg, cabin, len(people))
    total = fare_total([leg.prices[cabin] for _, leg in legs], len(people), insurance, nonfree)
    payments = _pay_booking(user, payment_methods, total)
    reservation = Reservation.create(
        id=_new_id(
            Reservation, "reservation", lambda rng: "".join(rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", k=6))
        ),
        user=user.id,
        origin=origin,
        destination=destination,
        trip_type=trip_type,
        cabin=cabin,
        flights=[
            {
                "flight_number": f.flight_number,
                "date": leg.date,
                "origin": f.origin_id,
                "destination": f.destination_id,
                "price": leg.prices[cabin],
            }
            for f, leg in legs
        ],
        passengers=people,
        total_baggages=total_baggages,
        nonfree_baggages=nonfree,
        insurance=bool(insurance),
        created_at=NOW.isoformat(),
        payment_history=payments,
        status="active",
    )
    return _reservation_dict(reservation)


def _pay_booking(user: User, items: list, total: int) -> list[dict]:
    payments, kinds = [], []
    for item in items:
        if not isinstance(item, dict) or set(item) != {"payment_id", "amount"}:
            raise ToolError(
                f'each payment must be {{"payment_id": "credit_card_4821937", "amount": 512}}, got {item!r}'
            )
        method = _payment_method(user, item["payment_id"])
        amount = _whole_dollars(item["amount"], f"the amount paid with {method.id}")
        if any(p["payment_id"] == method.id for p in payments):
            raise ToolError(f"payment method {method.id} is listed twice")
        if method.kind != "credit_card" and method.balance < amount:
            raise ToolError(f"{method.kind.replace('_', ' ')} {method.id} holds ${method.balance}, less than ${amount}")
        kinds.append(method.kind)
        payments.append({"payment_id": method.id, "amount": amount})
    if kinds.count("certificate") > 1 or kinds.count("credit_card") > 1 or kinds.count("gift_card") > 3:
        raise ToolError("a booking takes at most one certificate, one credit card and three gift cards")
    paid = sum(p["amount"] for p in payments)
    if paid != total:
        raise ToolError(f"the payments add up to ${paid}, but the total is ${total}")
    for p in payments:
        method = PaymentMethod.find(id=p["payment_id"])
        if method.kind == "certificate":
            method.delete_instance()
        elif method.kind == "gift_card":
            method.balance -= p["amount"]
            method.save(only=["balance"])
    return payments


@tool(WRITE)
def cancel_reservation(reservation_id: str, reason: Reason) -> dict:
    """Cancel a whole reservation and refund every payment to the method it came from. Allowed only
    before any flight of it departs, and only if it was booked in the last 24 hours, a flight of it
    was cancelled by the airline, the cabin is business, or it is insured and the reason is health
    or weather.

    Args:
        reservation_id: The reservation id, such as 'Q4ZK7B'.
        reason: Why the user cancels.
    """
    reservation = _active(reservation_id)
    legs = [_flight_date(f["flight_number"], f["date"]) for f in reservation.flights]
    if any(_departed(leg) for leg in legs):
        raise ToolError("part of this trip has already departed or been flown, so it cannot be cancelled")
    airline_cancelled = any(leg.status == "cancelled" for leg in legs)
    if reason == "airline cancelled flight" and not airline_cancelled:
        raise ToolError("no flight of this reservation was cancelled by the airline")
    recent = datetime.fromisoformat(reservation.created_at) >= NOW - timedelta(hours=24)
    insured = reservation.insurance and reason in INSURED_REASONS
    if not (recent or airline_cancelled or reservation.cabin == "business" or insured):
        raise ToolError(
            "this reservation cannot be cancelled: it was booked more than 24 hours ago, no flight was cancelled "
            "by the airline, the cabin is not business, and travel insurance does not cover this reason"
        )
    net: dict[str, int] = {}
    for payment in reservation.payment_history:
        net[payment["payment_id"]] = net.get(payment["payment_id"], 0) + payment["amount"]
    refunds = [{"payment_id": pid, "amount": -amount} for pid, amount in net.items() if amount > 0]
    for refund in refunds:
        _refund(reservation.user_id, refund["payment_id"], -refund["amount"])
    people = len(reservation.passengers)
    for leg in legs:
        _release_seats(leg, reservation.cabin, people)
    reservation.payment_history = reservation.payment_history + refunds
    reservation.status = "cancelled"
    reservation.save(only=["payment_history", "status"])
    return _reservation_dict(reservation)


def _refund(user_id: str, payment_id: str, amount: int) -> None:
    """Credit cards are refunded by the bank; gift cards get the balance back; a used certificate is reissued."""
    method = PaymentMethod.find(id=payment_id)
    if method is None and payment_id.startswith("certificate_"):
        PaymentMethod.create(id=payment_id, user=user_id, kind="certificate", balance=amount)
    elif method is not None and method.kind in ("gift_card", "certificate"):
        method.balance += amount
        method.save(only=["balance"])


@tool(WRITE)
def update_reservation_flights(reservation_id: str, flights: list[dict], payment_id: str) -> dict:
    """Change the flights of a reservation, keeping its origin, destination, trip type and cabin.
    Pass the whole new list of flights: segments already flown must stay as they are. Segments kept
    keep their price; new ones cost today's price. The difference for all passengers is charged to,
    or refunded to, the given credit card or gift card. Basic economy flights cannot be changed.

    Args:
        reservation_id: The reservation id, such as 'Q4ZK7B'.
        flights: Every flight of the trip in travel order, as {"flight_number": "SA118", "date": "2024-05-20"}.
        payment_id: The credit card or gift card that pays or receives the difference, such as 'gift_card_7710345'.
    """
    reservation = _active(reservation_id)
    if reservation.cabin == "basic_economy":
        raise ToolError("basic economy flights cannot be changed; the cabin can be upgraded first")
    old = {(f["flight_number"], f["date"]): f for f in reservation.flights}
    asked = [(f.get("flight_number"), f.get("date")) for f in flights if isinstance(f, dict)]
    for key in old:
        if key not in asked and _departed(_flight_date(*key)):
            raise ToolError(f"flight {key[0]} on {key[1]} has already departed and must stay in the reservation")
    legs = _legs(flights, reservation.origin, reservation.destination, reservation.trip_type)
    new_keys = [(f.flight_number, leg.date) for f, leg in legs]
    if new_keys == list(old):
        raise ToolError("these are already the reservation's flights")
    method = _payment_method(_user(reservation.user_id), payment_id, ("credit_card", "gift_card"))
    people, cabin = len(reservation.passengers), reservation.cabin
    segments = []
    for (flight, leg), key in zip(legs, new_keys):
        if key in old:
            segments.append(old[key])
            continue
        _take_seats(leg, cabin, people)
        segments.append(
            {
                "flight_number": flight.flight_number,
                "date": leg.date,
                "origin": flight.origin_id,
                "destination": flight.destination_id,
                "price": leg.prices[cabin],
            }
        )
    for key in old:
        if key not in new_keys:
            _release_seats(_flight_date(*key), cabin, people)
    difference = (sum(s["price"] for s in segments) - sum(s["price"] for s in old.values())) * people
    _settle(reservation, method, difference)
    reservation.flights = segments
    reservation.save(only=["flights", "payment_history"])
    return _reservation_dict(reservation)


@tool(WRITE)
def update_reservation_cabin(reservation_id: str, cabin: Cabin, payment_id: str) -> dict:
    """Change the cabin of every flight of a reservation, before any of them departs. Each flight is
    repriced at today's price in the new cabin; the difference for all passengers is charged to, or
    refunded to, the given credit card or gift card.

    Args:
        reservation_id: The reservation id, such as 'Q4ZK7B'.
        cabin: The new cabin.
        payment_id: The credit card or gift card that pays or receives the difference, such as 'credit_card_4821937'.
    """
    reservation = _active(reservation_id)
    if cabin == reservation.cabin:
        raise ToolError(f"the reservation is already in {cabin}")
    legs = [_flight_date(f["flight_number"], f["date"]) for f in reservation.flights]
    if any(_departed(leg) for leg in legs):
        raise ToolError("part of this trip has already departed or been flown, so the cabin cannot change")
    method = _payment_method(_user(reservation.user_id), payment_id, ("credit_card", "gift_card"))
    people, segments = len(reservation.passengers), []
    for segment, leg in zip(reservation.flights, legs):
        _take_seats(leg, cabin, people)
        _release_seats(leg, reservation.cabin, people)
        segments.append({**segment, "price": leg.prices[cabin]})
    difference = (sum(s["price"] for s in segments) - sum(s["price"] for s in reservation.flights)) * people
    _settle(reservation, method, difference)
    reservation.flights = segments
    reservation.cabin = cabin
    reservation.save(only=["flights", "cabin", "payment_history"])
    return _reservation_dict(reservation)


@tool(WRITE)
def update_reservation_baggages(reservation_id: str, total_baggages: int, payment_id: str) -> dict:
    """Add checked bags to a reservation. Bags above the free allowance (by the user's membership and
    the cabin, per passenger) cost $50 each, charged to the given credit card or gift card. Bags
    cannot be removed.

    Args:
        reservation_id: The reservation id, such as 'Q4ZK7B'.
        total_baggages: The new total number of checked bags, more than now.
        payment_id: The credit card or gift card that pays for extra bags, such as 'credit_card_4821937'.
    """
    reservation = _active(reservation_id)
    if total_baggages <= reservation.total_baggages:
        raise ToolError(f"the reservation has {reservation.total_baggages} checked bag(s); bags can only be added")
    if total_baggages > 3 * len(reservation.passengers) + 5:
        raise ToolError(f"at most {3 * len(reservation.passengers) + 5} checked bags for this reservation")
    user = _user(reservation.user_id)
    method = _payment_method(user, payment_id, ("credit_card", "gift_card"))
    if all(_departed(_flight_date(f["flight_number"], f["date"])) for f in reservation.flights):
        raise ToolError("every flight of this reservation has already departed")
    free = free_bags(user.membership, reservation.cabin) * len(reservation.passengers)
    nonfree = max(reservation.nonfree_baggages, total_baggages - free)
    _settle(reservation, method, BAG_FEE * (nonfree - reservation.nonfree_baggages))
    reservation.total_baggages = total_baggages
    reservation.nonfree_baggages = nonfree
    reservation.save(only=["total_baggages", "nonfree_baggages", "payment_history"])
    return _reservation_dict(reservation)


@tool(WRITE)
def update_reservation_passengers(reservation_id: str, passengers: list[dict]) -> dict:
    """Change the passengers before the trip starts: replace a passenger by someone else, or correct
    a name or date of birth. The number of passengers cannot change. Pass the whole list, in the
    reservation's order.

    Args:
        reservation_id: The reservation id, such as 'Q4ZK7B'.
        passengers: Every passenger, as {"first_name": "Mia", "last_name": "Garcia", "dob": "1990-04-12"}.
    """
    reservation = _active(reservation_id)
    people = _passengers(passengers)
    if len(people) != len(reservation.passengers):
        raise ToolError(f"the reservation has {len(reservation.passengers)} passenger(s); the number cannot change")
    if people == reservation.passengers:
        raise ToolError("these are already the reservation's passengers")
    if any(_departed(_flight_date(f["flight_number"], f["date"])) for f in reservation.flights):
        raise ToolError("the trip has already started, so passengers cannot change")
    reservation.passengers = people
    reservation.save(only=["passengers"])
    return _reservation_dict(reservation)


@tool(WRITE)
def send_certificate(user_id: str, amount: int) -> dict:
    """Send a travel certificate to a user as compensation, only as the policy allows.

    Args:
        user_id: The user id, such as 'sofia_kim_4821937'.
        amount: The certificate's value in whole dollars, at most 500.
    """
    user = _user(user_id)
    amount = _whole_dollars(amount, "amount")
    if amount > MAX_CERTIFICATE:
        raise ToolError(f"a certificate is worth at most ${MAX_CERTIFICATE}")
    certificate = PaymentMethod.create(
        id=_new_id(PaymentMethod, "certificate", lambda rng: f"certificate_{rng.randrange(10**6, 10**7)}"),
        user=user.id,
        kind="certificate",
        balance=amount,
    )
    return {"payment_id": certificate.id, "kind": "certificate", "balance": amount, "user_id": user.id}


TOOLS = (
    get_user_details,
    get_reservation_details,
    list_all_airports,
    search_direct_flight,
    search_onestop_flight,
    get_flight_status,
    calculate,
    book_reservation,
    cancel_reservation,
    update_reservation_flights,
    update_reservation_cabin,
    update_reservation_baggages,
    update_reservation_passengers,
    send_certificate,
    transfer_to_human_agents,
)
