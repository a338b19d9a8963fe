"""The agent's tools: look customers and tickets up, open and close tickets, transfer.

Each tool is a typed function tagged read or write; its docstring is the text the model reads, and
a :class:`ToolError` it raises is the error the agent sees, with the database left as it was.
"""

from ...tools import READ, WRITE, ToolError, tool
from ..common import lookup
from .models import Customer, Ticket


def _ticket(ticket_id: int) -> Ticket:
    return lookup(Ticket, lambda: f"ticket {ticket_id} not found", id=ticket_id)


def _as_dict(ticket: Ticket) -> dict:
    return {
        "ticket_id": ticket.id,
        "customer_id": ticket.customer_id,
        "subject": ticket.subject,
        "status": ticket.status,
    }


@tool(READ)
def find_customer_by_email(email: str) -> dict:
    """Find a customer by email.

    Args:
        email: The customer's email, such as 'ava.lee0@example.com'.
    """
    customer = lookup(Customer, lambda: f"no customer with email {email!r}", email=email.lower())
    return {"customer_id": customer.id, "name": customer.name}


@tool(READ)
def list_tickets(customer_id: str) -> list:
    """List a customer's tickets.

    Args:
        customer_id: The customer id, such as 'C001'.
    """
    return [_as_dict(t) for t in Ticket.find_all(customer=customer_id)]


@tool(READ)
def get_ticket(ticket_id: int) -> dict:
    """Get a ticket's details.

    Args:
        ticket_id: The ticket number, such as 7.
    """
    return _as_dict(_ticket(ticket_id))


@tool(WRITE)
def open_ticket(customer_id: str, subject: str) -> dict:
    """Open a new ticket for a customer.

    Args:
        customer_id: The customer id, such as 'C001'.
        subject: What the problem is, in a few words.
    """
    lookup(Customer, lambda: f"customer {customer_id!r} not found", id=customer_id)
    return _as_dict(Ticket.create(customer=customer_id, subject=subject, status="open"))


@tool(WRITE)
def close_ticket(ticket_id: int) -> dict:
    """Close an open ticket.

    Args:
        ticket_id: The ticket number, such as 7.
    """
    ticket = _ticket(ticket_id)
    if ticket.status != "open":
        raise ToolError(f"ticket {ticket_id} is {ticket.status}, only open tickets can be closed")
    ticket.status = "closed"
    ticket.save()
    return _as_dict(ticket)


@tool(READ, ends_episode=True)
def transfer_to_human_agents(summary: str) -> str:
    """Hand the conversation to a human agent. Use only when the request is outside the policy.

    Args:
        summary: A short summary of the user's issue.
    """
    return "Transfer successful"


TOOLS = (find_customer_by_email, list_tickets, get_ticket, open_ticket, close_ticket, transfer_to_human_agents)
