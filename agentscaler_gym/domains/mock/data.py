"""Seeded rows: 20 customers with two support tickets each.

``generate(seed)`` is the domain's whole starting state: a dict of rows per table, built from one
``random.Random(seed)`` with no file I/O and no clock, so the same seed gives the same database.
"""

import random

FIRST = ["Ava", "Ben", "Chloe", "Dan", "Eva", "Finn", "Gia", "Hugo", "Ines", "Jon"]
LAST = ["Lee", "Moss", "Nash", "Ortiz", "Park"]
SUBJECTS = ["login fails", "invoice missing", "app crashes", "password reset", "slow sync"]


def generate(seed: int) -> dict:
    """20 customers with 2 tickets each; no file I/O, same seed, same rows."""
    from .models import Customer, Ticket

    rng = random.Random(seed)
    customers, tickets = [], []
    for i in range(20):
        first, last = FIRST[i % 10], LAST[i // 4 % 5]
        customers.append(
            {"id": f"C{i:03d}", "name": f"{first} {last}", "email": f"{first}.{last}{i}@example.com".lower()}
        )
        for _ in range(2):
            tickets.append(
                {
                    "id": len(tickets) + 1,
                    "customer": f"C{i:03d}",
                    "subject": rng.choice(SUBJECTS),
                    "status": rng.choice(["open", "closed"]),
                }
            )
    return {Customer: customers, Ticket: tickets}
