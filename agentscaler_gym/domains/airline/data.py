"""Seeded data: 20 US airports, 300 flights over 30 dates, 500 users and about 1,000 reservations.

Everything is derived from one ``random.Random(seed)`` and the fixed clock :data:`NOW`; there is no
file I/O. Flights before :data:`NOW` have landed (a few were cancelled), today's are landed, flying,
delayed or still to come, and the next two days carry most of the disruptions, so reservations
touched by a cancelled or delayed flight exist for compensation tasks.
"""

import math
import random
from datetime import date, datetime, timedelta

from .fares import fare_total, free_bags

NOW = datetime(2024, 5, 15, 15, 0)
TODAY = NOW.date().isoformat()
FIRST_DATE, DAYS = date(2024, 5, 1), 30
CABINS = ("basic_economy", "economy", "business")

# iata: (city, state, latitude, longitude)
AIRPORTS = {
    "ATL": ("Atlanta", "GA", 33.64, -84.43),
    "BOS": ("Boston", "MA", 42.36, -71.01),
    "CLT": ("Charlotte", "NC", 35.21, -80.94),
    "ORD": ("Chicago", "IL", 41.98, -87.90),
    "DFW": ("Dallas", "TX", 32.90, -97.04),
    "DEN": ("Denver", "CO", 39.86, -104.67),
    "DTW": ("Detroit", "MI", 42.21, -83.35),
    "IAH": ("Houston", "TX", 29.98, -95.34),
    "LAS": ("Las Vegas", "NV", 36.08, -115.15),
    "LAX": ("Los Angeles", "CA", 33.94, -118.41),
    "MIA": ("Miami", "FL", 25.79, -80.29),
    "MSP": ("Minneapolis", "MN", 44.88, -93.22),
    "JFK": ("New York", "NY", 40.64, -73.78),
    "EWR": ("Newark", "NJ", 40.69, -74.17),
    "MCO": ("Orlando", "FL", 28.43, -81.31),
    "PHL": ("Philadelphia", "PA", 39.87, -75.24),
    "PHX": ("Phoenix", "AZ", 33.43, -112.01),
    "SAN": ("San Diego", "CA", 32.73, -117.19),
    "SFO": ("San Francisco", "CA", 37.62, -122.38),
    "SEA": ("Seattle", "WA", 47.45, -122.31),
}

FIRST_NAMES = (
    "Aarav Amelia Ava Benjamin Camila Carlos Chen Daniel Diego Elena Emma Ethan Fatima Grace Hannah Hiro "
    "Isabella James Jasmine Kai Layla Liam Lucas Maya Mei Mia Mohamed Noah Nora Olivia Omar Priya Raj "
    "Sofia Sophia Tariq Valentina William Yara Yusuf Zoe"
).split()
LAST_NAMES = (
    "Ahmed Anderson Brown Chen Davis Garcia Gonzalez Hernandez Ito Jackson Johnson Khan Kim Kovacs Lee "
    "Lopez Martin Martinez Miller Moore Nguyen Patel Perez Rossi Sanchez Santos Silva Singh Smith Taylor "
    "Thomas Thompson Wang White Williams Wilson Wright Yamamoto Young Zhang"
).split()
STREETS = "Maple Oak Pine Cedar Elm Lake Hill Park River Sunset Willow Forest Highland Spring Main".split()
STREET_KINDS = ("Street", "Avenue", "Lane", "Drive", "Road", "Court")


def generate(seed: int) -> dict:
    """Every table's rows for ``seed``; same seed, same rows."""
    from .models import Airport, Flight, FlightDate, PaymentMethod, Reservation, User

    rng = random.Random(seed)
    flights = _flights(rng)
    flight_dates = _flight_dates(rng, flights)
    users, payment_methods = _users(rng)
    reservations = _reservations(rng, users, payment_methods, flights, {fd["id"]: fd for fd in flight_dates})
    airports = [{"iata": code, "city": city} for code, (city, *_rest) in AIRPORTS.items()]
    return {
        Airport: airports,
        User: users,
        PaymentMethod: payment_methods,
        Flight: flights,
        FlightDate: flight_dates,
        Reservation: reservations,
    }


def dates() -> list[str]:
    return [(FIRST_DATE + timedelta(days=i)).isoformat() for i in range(DAYS)]


def minutes(hhmm: str) -> int:
    hours, mins = hhmm.split(":")
    return int(hours) * 60 + int(mins)


def _hhmm(total_minutes: int) -> str:
    return f"{total_minutes // 60:02d}:{total_minutes % 60:02d}"


def _miles(a: str, b: str) -> float:
    _, _, lat1, lon1 = AIRPORTS[a]
    _, _, lat2, lon2 = AIRPORTS[b]
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    cos = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return 3959 * math.acos(min(1.0, cos))


# -- flights -------------------------------------------------------------------------------------


def _flights(rng: random.Random) -> list[dict]:
    """300 flights: both directions of random airport pairs at least 200 miles apart, some twice a day."""
    codes = list(AIRPORTS)
    pairs = [(a, b) for i, a in enumerate(codes) for b in codes[i + 1 :] if _miles(a, b) >= 200]
    rng.shuffle(pairs)
    legs = [leg for a, b in pairs[:110] for leg in ((a, b), (b, a))]
    legs += rng.sample(legs, 300 - len(legs))
    flights = []
    for number, (origin, destination) in enumerate(sorted(legs), start=101):
        duration = 5 * round((40 + _miles(origin, destination) / 8) / 5)  # ~480 mph plus taxi, whole 5 minutes
        departure = 5 * rng.randrange(5 * 12, (23 * 60 - duration) // 5)
        flights.append(
            {
                "flight_number": f"SA{number}",
                "origin": origin,
                "destination": destination,
                "departure_time": _hhmm(departure),
                "arrival_time": _hhmm(departure + duration),
            }
        )
    return flights


def _flight_dates(rng: random.Random, flights: list[dict]) -> list[dict]:
    rows = []
    for flight in flights:
        economy = 90 + _miles(flight["origin"], flight["destination"]) * 0.11
        for day in dates():
            factor = rng.uniform(0.75, 1.35)  # demand on the day
            prices = {
                "basic_economy": round(economy * factor * rng.uniform(0.55, 0.7)),
                "economy": round(economy * factor),
                "business": round(economy * factor * rng.uniform(2.4, 3.4)),
            }
            seats = {"basic_economy": rng.randint(0, 14), "economy": rng.randint(0, 24), "business": rng.randint(0, 10)}
            status, delay = _status(rng, flight, day)
            rows.append(
                {
                    "id": f"{flight['flight_number']}:{day}",
                    "flight": flight["flight_number"],
                    "date": day,
                    "status": status,
                    "delay_minutes": delay,
                    "seats": seats,
                    "prices": prices,
                }
            )
    return rows


def _status(rng: random.Random, flight: dict, day: str) -> tuple[str, int]:
    """Status and delay (minutes) of a flight on a date, as seen at :data:`NOW`."""
    roll = rng.random()
    delay = 0
    if day < TODAY:
        if roll < 0.03:
            return "cancelled", 0
        return "landed", rng.choice((0, 0, 0, 10, 25, 45, 90))
    days_ahead = (date.fromisoformat(day) - NOW.date()).days
    if days_ahead <= 2:
        if roll < 0.1:
            return "cancelled", 0
        if roll < 0.3:
            delay = 5 * rng.randint(6, 48)
    elif roll < 0.01:
        return "cancelled", 0
    if days_ahead == 0:
        now = NOW.hour * 60 + NOW.minute
        if minutes(flight["arrival_time"]) + delay <= now:
            return "landed", delay
        if minutes(flight["departure_time"]) + delay <= now:
            return "flying", delay
    return ("delayed" if delay else "available"), delay


# -- users ---------------------------------------------------------------------------------------


def _users(rng: random.Random) -> tuple[list[dict], list[dict]]:
    users, methods, taken = [], [], set()

    def new_id(prefix: str) -> str:
        while True:
            candidate = f"{prefix}_{rng.randrange(10**6, 10**7)}"
            if candidate not in taken:
                taken.add(candidate)
                return candidate

    for _ in range(500):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        user_id = new_id(f"{first}_{last}".lower())
        city, state, *_ = AIRPORTS[rng.choice(list(AIRPORTS))]
        users.append(
            {
                "id": user_id,
                "first_name": first,
                "last_name": last,
                "email": f"{first}.{last}{rng.randrange(10, 100)}@example.com".lower(),
                "dob": _dob(rng, 1950, 2004),
                "membership": rng.choices(("regular", "silver", "gold"), (5, 3, 2))[0],
                "address": {
                    "street": f"{rng.randrange(1, 9999)} {rng.choice(STREETS)} {rng.choice(STREET_KINDS)}",
                    "city": city,
                    "state": state,
                    "zip": f"{rng.randrange(10000, 99999)}",
                },
                "saved_passengers": [
                    _person(rng, last if rng.random() < 0.5 else None) for _ in range(rng.choice((0, 1, 1, 2, 3)))
                ],
            }
        )
        cards = 1 if rng.random() < 0.92 else 0
        cards += rng.random() < 0.3
        for _ in range(cards):
            methods.append(
                {
                    "id": new_id("credit_card"),
                    "user": user_id,
                    "kind": "credit_card",
                    "brand": rng.choice(("visa", "mastercard", "amex")),
                    "last_four": f"{rng.randrange(10000):04d}",
                }
            )
        if cards == 0 or rng.random() < 0.4:
            methods.append(
                {"id": new_id("gift_card"), "user": user_id, "kind": "gift_card", "balance": rng.randrange(20, 500)}
            )
        for _ in range(rng.choice((0, 0, 0, 1, 1, 2))):
            methods.append(
                {
                    "id": new_id("certificate"),
                    "user": user_id,
                    "kind": "certificate",
                    "balance": rng.choice((50, 100, 150, 200, 250, 500)),
                }
            )
    return users, methods


def _dob(rng: random.Random, first_year: int, last_year: int) -> str:
    day = date(first_year, 1, 1) + timedelta(days=rng.randrange((last_year - first_year) * 365))
    return day.isoformat()


def _person(rng: random.Random, last_name: str | None = None) -> dict:
    return {
        "first_name": rng.choice(FIRST_NAMES),
        "last_name": last_name or rng.choice(LAST_NAMES),
        "dob": _dob(rng, 1940, 2020),
    }


# -- reservations --------------------------------------------------------------------------------


def _reservations(rng, users, payment_methods, flights, flight_dates) -> list[dict]:
    by_origin: dict[str, list[dict]] = {}
    for flight in flights:
        by_origin.setdefault(flight["origin"], []).append(flight)
    methods: dict[str, list[dict]] = {}
    for method in payment_methods:
        methods.setdefault(method["user"], []).append(method)
    all_dates, rows, taken = dates(), [], set()
    for user in users:
        for _ in range(rng.choice((0, 1, 1, 2, 2, 2, 3, 3, 4))):
            # A few trips start in the disrupted days around today, so compensation cases exist.
            first_day = rng.choice(all_dates[13:18] if rng.random() < 0.2 else all_dates[:-2])
            outbound = _itinerary(rng, by_origin, rng.choice(list(AIRPORTS)), first_day, None)
            if outbound is None:
                continue
            origin, destination = outbound[0]["origin"], outbound[-1]["destination"]
            segments = [(f, first_day) for f in outbound]
            trip_type = "one_way"
            if rng.random() < 0.45:
                back_day = (date.fromisoformat(first_day) + timedelta(days=rng.randint(1, 7))).isoformat()
                back = _itinerary(rng, by_origin, destination, back_day, origin) if back_day in all_dates else None
                if back:
                    segments += [(f, back_day) for f in back]
                    trip_type = "round_trip"
            cabin = rng.choices(CABINS, (25, 55, 20))[0]
            passengers = [{k: user[k] for k in ("first_name", "last_name", "dob")}] if rng.random() < 0.85 else []
            passengers += rng.sample(
                user["saved_passengers"], min(len(user["saved_passengers"]), rng.choice((0, 0, 1, 2)))
            )
            if not passengers or rng.random() < 0.1:
                passengers.append(_person(rng))
            n = len(passengers)
            legs = [
                {
                    "flight_number": f["flight_number"],
                    "date": day,
                    "origin": f["origin"],
                    "destination": f["destination"],
                    "price": flight_dates[f"{f['flight_number']}:{day}"]["prices"][cabin],
                }
                for f, day in segments
            ]
            total_bags = rng.randint(0, 2 * n)
            nonfree = max(0, total_bags - free_bags(user["membership"], cabin) * n)
            insurance = rng.random() < 0.35
            total = fare_total([leg["price"] for leg in legs], n, insurance, nonfree)
            departure = datetime.fromisoformat(f"{first_day}T{outbound[0]['departure_time']}")
            created = _created_at(rng, departure)
            status = "cancelled" if departure > NOW and rng.random() < 0.08 else "active"
            history = _payments(rng, methods[user["id"]], total, taken)
            if status == "cancelled":
                history += [{"payment_id": p["payment_id"], "amount": -p["amount"]} for p in history]
            rid = _reservation_id(rng, taken)
            rows.append(
                {
                    "id": rid,
                    "user": user["id"],
                    "origin": origin,
                    "destination": destination,
                    "trip_type": trip_type,
                    "cabin": cabin,
                    "flights": legs,
                    "passengers": passengers,
                    "total_baggages": total_bags,
                    "nonfree_baggages": nonfree,
                    "insurance": insurance,
                    "created_at": created.isoformat(),
                    "payment_history": history,
                    "status": status,
                }
            )
    return rows


def _itinerary(rng, by_origin, origin: str, day: str, destination: str | None) -> list[dict] | None:
    """A direct flight, or two with at least an hour between them, from ``origin`` (to ``destination``)."""
    direct = [f for f in by_origin[origin] if destination in (None, f["destination"])]
    if direct and rng.random() < 0.65:
        return [rng.choice(direct)]
    connections = [
        (first, second)
        for first in by_origin[origin]
        for second in by_origin[first["destination"]]
        if second["destination"] != origin and destination in (None, second["destination"])
        if minutes(second["departure_time"]) >= minutes(first["arrival_time"]) + 60
    ]
    if connections:
        return list(rng.choice(connections))
    return [rng.choice(direct)] if direct else None


def _created_at(rng: random.Random, departure: datetime) -> datetime:
    if departure > NOW and rng.random() < 0.1:
        return NOW - timedelta(minutes=rng.randrange(30, 23 * 60))  # booked within the last day
    latest = min(departure - timedelta(hours=12), NOW - timedelta(hours=25))
    return (latest - timedelta(minutes=rng.randrange(0, 60 * 24 * 60))).replace(second=0)


def _payments(rng, methods: list[dict], total: int, taken: set) -> list[dict]:
    cards = [m for m in methods if m["kind"] == "credit_card"]
    gift_cards = [m for m in methods if m["kind"] == "gift_card"]
    payer = rng.choice(cards) if cards and (not gift_cards or rng.random() < 0.75) else rng.choice(gift_cards)
    if rng.random() < 0.15 and total > 100:
        # A certificate since used up: its id no longer appears among the user's payment methods.
        certificate = f"certificate_{rng.randrange(10**6, 10**7)}"
        while certificate in taken:
            certificate = f"certificate_{rng.randrange(10**6, 10**7)}"
        taken.add(certificate)
        part = rng.choice((50, 100))
        return [{"payment_id": certificate, "amount": part}, {"payment_id": payer["id"], "amount": total - part}]
    return [{"payment_id": payer["id"], "amount": total}]


def _reservation_id(rng: random.Random, taken: set) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    while True:
        candidate = "".join(rng.choice(alphabet) for _ in range(6))
        if candidate not in taken:
            taken.add(candidate)
            return candidate
