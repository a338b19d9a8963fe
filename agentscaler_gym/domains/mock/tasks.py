"""Tasks: four families over a seeded choice of customers, 40 for train and 20 for test.

Each task holds the user's opening, what the scripted user knows (the customer's email and name),
the gold calls whose changes the episode must reproduce, and any output the agent must say.
"""

import random

from ...tasks import Scenario, Task, ToolCall
from .models import Customer, Ticket


def make_tasks(domain) -> dict:
    """Four families (open, close, status, refuse_close) over a seeded choice of customers."""
    rows = domain.rows
    customers, tickets = rows[Customer], rows[Ticket]
    by_customer = {}
    for t in tickets:
        by_customer.setdefault(t["customer"], []).append(t)
    rng = random.Random(1)
    tasks = []
    for i in range(60):
        c = customers[rng.randrange(len(customers))]
        known = {"email": c["email"], "name": c["name"]}
        find = ToolCall("find_customer_by_email", {"email": c["email"]})
        ticket = rng.choice(by_customer[c["id"]])
        family = ["open", "close", "status"][i % 3]
        if family == "close" and ticket["status"] != "open":
            family = "refuse_close"
        tid = ticket["id"]
        if family == "open":
            subject = rng.choice(["printer offline", "refund request", "cannot export"])
            calls = (find, ToolCall("open_ticket", {"customer_id": c["id"], "subject": subject}))
            scenario = Scenario(
                f"Hi, I need a new ticket: {subject}.", f"Open a ticket with subject '{subject}'.", known
            )
            outputs = ()
        elif family in ("close", "refuse_close"):
            calls = (find, ToolCall("get_ticket", {"ticket_id": tid}))
            if family == "close":
                calls += (ToolCall("close_ticket", {"ticket_id": tid}),)
            scenario = Scenario(f"Please close my ticket {tid}.", f"Close ticket {tid}.", known)
            outputs = () if family == "close" else (ticket["status"],)  # why it cannot be closed
        else:
            calls = (find, ToolCall("get_ticket", {"ticket_id": tid}))
            scenario = Scenario(f"What is the status of ticket {tid}?", f"Learn the status of ticket {tid}.", known)
            outputs = (ticket["status"],)
        tasks.append(Task(f"{family}-{i:03d}", family, scenario, calls, outputs))
    return {"train": tasks[:40], "test": tasks[40:]}
