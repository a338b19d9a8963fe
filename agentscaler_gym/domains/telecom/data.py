"""Seeded data: customers, lines, plans, bills and payment methods, and the phone of every line.

Both databases come from one world built per seed, so a phone agrees with its line: the phone of
a suspended line was refused by the network, the phone of an over-limit line had its data cut, a
phone abroad sits on a line whose roaming may be off. Other phones carry a fault of their own
(airplane mode on, mobile data off, a wrong APN, a loose SIM). No file I/O.
"""

from __future__ import annotations

import functools
import random

from .device_models import CARRIER_APN, DATA_CAP, NO_ROAMING, SUSPENDED, Device
from .models import Bill, Customer, Line, PaymentMethod, Plan

CUSTOMERS = 600
PLANS = (
    # id, name, monthly price, data limit (GB), roaming allowed, refuel price per GB
    ("basic-5", "Basic 5", 25.0, 5.0, False, 5.0),
    ("student-10", "Student 10", 30.0, 10.0, False, 4.0),
    ("standard-15", "Standard 15", 40.0, 15.0, True, 4.0),
    ("travel-20", "Travel 20", 50.0, 20.0, True, 3.0),
    ("plus-30", "Plus 30", 55.0, 30.0, True, 3.0),
    ("max-60", "Max 60", 70.0, 60.0, True, 2.0),
)
PERIODS = (("2025-07", "2025-08-20"), ("2025-08", "2025-09-20"), ("2025-09", "2025-10-20"))
FIRST = (
    "Ava",
    "Ben",
    "Chloe",
    "Dev",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Isla",
    "Jonas",
    "Keira",
    "Luis",
    "Maya",
    "Nikhil",
    "Olivia",
    "Pavel",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Umar",
    "Vera",
    "Wen",
    "Yusuf",
)
LAST = (
    "Abbott",
    "Brooks",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Gupta",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quispe",
    "Rossi",
    "Silva",
    "Tanaka",
)
PHONES = (
    ("Pixel 8", "5G"),
    ("iPhone 15", "5G"),
    ("Galaxy S23", "5G"),
    ("Moto G Power", "LTE"),
    ("iPhone 11", "LTE"),
    ("Galaxy A14", "LTE"),
)
COUNTRIES = ("France", "Japan", "Mexico", "Italy", "Canada", "Spain", "Brazil", "Germany")
BROKEN_APNS = ("wap.fastnet", "internet.oldnet", "fastnet.mms", "")
# What is wrong on a regular customer's line or phone, with weights.
FAULTS = {"none": 40, "airplane": 7, "data_off": 7, "apn": 7, "sim": 7, "abroad": 14, "over_limit": 10, "paused": 5}


def generate(seed: int) -> dict:
    """The provider's rows."""
    return _world(seed)[0]


def generate_devices(seed: int) -> dict:
    """The phones' rows, one per line."""
    return _world(seed)[1]


@functools.lru_cache(maxsize=4)
def _world(seed: int) -> tuple[dict, dict]:
    rng = random.Random(seed)
    plans = [
        dict(zip(("id", "name", "monthly_price", "data_limit_gb", "roaming_allowed", "refuel_price_per_gb"), p))
        for p in PLANS
    ]
    numbers = iter(rng.sample(range(2_000_000, 10_000_000), CUSTOMERS * 3))
    rows: dict = {Plan: plans, Customer: [], PaymentMethod: [], Line: [], Bill: []}
    devices = []
    for i in range(CUSTOMERS):
        profile = rng.choices(("regular", "delinquent", "on_hold"), (88, 8, 4))[0]
        customer = _customer(rng, i, profile)
        rows[Customer].append(customer)
        methods = _payment_methods(rng, customer["id"], len(rows[PaymentMethod]))
        rows[PaymentMethod] += methods
        line_count = rng.choices((1, 2, 3), (6, 3, 1))[0] if profile == "regular" else 1
        lines = []
        for _ in range(line_count):
            fault = {"delinquent": "suspended", "on_hold": "none"}.get(profile) or rng.choices(*zip(*FAULTS.items()))[0]
            number = f"{next(numbers):07d}"
            line, device = _line_and_device(
                rng,
                f"L{2000 + len(rows[Line])}",
                f"555-{number[:3]}-{number[3:]}",
                customer["id"],
                rng.choice(plans),
                fault,
            )
            lines.append(line)
            rows[Line].append(line)
            devices.append(device)
        rows[Bill] += _bills(rng, customer["id"], lines, plans, profile, methods[0]["id"], len(rows[Bill]))
    return rows, {Device: devices}


def _customer(rng: random.Random, i: int, profile: str) -> dict:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    born = f"{rng.randint(1950, 2005)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return {
        "id": f"C{1000 + i}",
        "name": f"{first} {last}",
        "date_of_birth": born,
        "email": f"{first}.{last}{i}@example.com".lower(),
        "account_status": "on_hold" if profile == "on_hold" else "active",
    }


def _payment_methods(rng: random.Random, customer_id: str, start: int) -> list[dict]:
    kinds = ["credit_card"] + rng.sample(["debit_card", "bank_account"], rng.randint(0, 2))
    methods = []
    for kind in kinds:
        expires = "" if kind == "bank_account" else f"{rng.randint(1, 12):02d}/{rng.randint(24, 29)}"
        methods.append(
            {
                "id": f"PM-{10000 + start + len(methods)}",
                "customer": customer_id,
                "kind": kind,
                "last4": f"{rng.randint(0, 9999):04d}",
                "expires": expires,
            }
        )
    return methods


def _line_and_device(rng: random.Random, line_id: str, number: str, customer_id: str, plan: dict, fault: str):
    limit = plan["data_limit_gb"]
    line = {
        "id": line_id,
        "phone_number": number,
        "customer": customer_id,
        "plan": plan["id"],
        "status": "active",
        "roaming_enabled": plan["roaming_allowed"] and rng.random() < 0.25,
        "suspension_reason": "",
        "data_used_gb": round(limit * rng.uniform(0.05, 0.85), 1),
        "data_refuel_gb": 0.0,
        "pending_charges": 0.0,
    }
    if rng.random() < 0.15:
        line["data_refuel_gb"] = 1.0
        line["pending_charges"] = plan["refuel_price_per_gb"]
    model, network = rng.choice(PHONES)
    device = {
        "phone_number": number,
        "model": model,
        "network_type": network,
        "location": "home",
        "signal_bars": rng.choice((2, 3, 3, 4, 4)),
        "airplane_mode": False,
        "mobile_data": True,
        "data_roaming": False,
        "sim_seated": True,
        "apn_name": CARRIER_APN,
        "network_block": "",
    }
    if fault == "airplane":
        device["airplane_mode"] = True
    elif fault == "data_off":
        device["mobile_data"] = False
    elif fault == "apn":
        device["apn_name"] = rng.choice(BROKEN_APNS)
    elif fault == "sim":
        device["sim_seated"] = False
    elif fault == "over_limit":
        line["data_used_gb"] = round(limit + line["data_refuel_gb"] + rng.uniform(0.0, 0.8), 1)
        device["network_block"] = DATA_CAP
    elif fault in ("suspended", "paused"):
        line["status"] = "suspended"
        line["suspension_reason"] = "non-payment" if fault == "suspended" else "customer request"
        device["network_block"] = SUSPENDED
    elif fault == "abroad":
        device["location"] = rng.choice(COUNTRIES)
        device["signal_bars"] = rng.choice((2, 3, 4))
        line["roaming_enabled"] = plan["roaming_allowed"] and rng.random() < 0.35
        if not line["roaming_enabled"] and rng.random() < 0.35:  # the phone tried, the network said no
            device["data_roaming"] = True
            device["network_block"] = NO_ROAMING
    device["data_used_gb"] = line["data_used_gb"]
    return line, device


def _bills(
    rng: random.Random, customer_id: str, lines: list[dict], plans: list[dict], profile: str, autopay: str, start: int
) -> list[dict]:
    price = {p["id"]: p["monthly_price"] for p in plans}
    base = sum(price[line["plan"]] for line in lines)
    overdue = {0: (), 1: ("2025-08",), 2: ("2025-07", "2025-08")}[rng.randint(1, 2) if profile == "delinquent" else 0]
    bills = []
    for period, due in PERIODS:
        amount = round(base + rng.choice((0.0, 0.0, 4.99, 7.5, 12.25)), 2)
        if period in overdue:
            status = "overdue"
        elif period == PERIODS[-1][0]:
            status = "unpaid" if profile == "delinquent" or rng.random() < 0.5 else "paid"
        else:
            status = "paid"
        bills.append(
            {
                "id": f"B{3000 + start + len(bills)}",
                "customer": customer_id,
                "period": period,
                "amount": amount,
                "due_date": due,
                "status": status,
                "paid_with": autopay if status == "paid" else "",
            }
        )
    return bills
