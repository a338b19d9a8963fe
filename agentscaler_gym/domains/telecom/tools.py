"""Agent-side tools: the provider's customer-service system (customers, lines, plans, bills)."""

from __future__ import annotations

import re
from typing import Literal

from ...tools import READ, WRITE, ToolError, tool
from ..common import calculate, lookup
from .models import TODAY, Bill, Customer, Line, PaymentMethod, Plan

# -- lookups and renderings ----------------------------------------------------------------------


def _customer(customer_id: str) -> Customer:
    return lookup(Customer, lambda: f"customer {customer_id!r} not found", id=customer_id.strip().upper())


def _line(line_id: str) -> Line:
    return lookup(Line, lambda: f"line {line_id!r} not found; line ids look like 'L2000'", id=line_id.strip().upper())


def _plan(plan_id: str) -> Plan:
    return lookup(
        Plan, lambda: f"plan {plan_id!r} not found; list_plans gives the plan ids", id=plan_id.strip().lower()
    )


def _bill(bill_id: str) -> Bill:
    return lookup(Bill, lambda: f"bill {bill_id!r} not found", id=bill_id.strip().upper())


def normalise_phone(number: str) -> str:
    """'(555) 123-4567', '+1 555 123 4567' and '5551234567' all become '555-123-4567'."""
    digits = re.sub(r"\D", "", number)
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}" if len(digits) == 10 else number.strip()


def _customer_dict(customer: Customer) -> dict:
    return {
        "customer_id": customer.id,
        "name": customer.name,
        "date_of_birth": customer.date_of_birth,
        "email": customer.email,
        "account_status": customer.account_status,
        "lines": [
            {"line_id": line.id, "phone_number": line.phone_number, "status": line.status}
            for line in Line.find_all(customer=customer.id)
        ],
        "payment_methods": [
            {"payment_method_id": m.id, "kind": m.kind, "last4": m.last4, "expires": m.expires}
            for m in PaymentMethod.find_all(customer=customer.id)
        ],
    }


def _line_dict(line: Line) -> dict:
    plan = _plan(line.plan_id)
    allowance = round(plan.data_limit_gb + line.data_refuel_gb, 2)
    return {
        "line_id": line.id,
        "phone_number": line.phone_number,
        "customer_id": line.customer_id,
        "plan_id": line.plan_id,
        "status": line.status,
        "suspension_reason": line.suspension_reason,
        "roaming_enabled": line.roaming_enabled,
        "data_used_gb": line.data_used_gb,
        "data_allowance_gb": allowance,
        "data_remaining_gb": max(0.0, round(allowance - line.data_used_gb, 2)),
        "data_refuel_gb": line.data_refuel_gb,
        "pending_charges": line.pending_charges,
    }


def _plan_dict(plan: Plan) -> dict:
    return {
        "plan_id": plan.id,
        "name": plan.name,
        "monthly_price": plan.monthly_price,
        "data_limit_gb": plan.data_limit_gb,
        "roaming_allowed": plan.roaming_allowed,
        "refuel_price_per_gb": plan.refuel_price_per_gb,
    }


def _bill_dict(bill: Bill) -> dict:
    return {
        "bill_id": bill.id,
        "customer_id": bill.customer_id,
        "period": bill.period,
        "amount": bill.amount,
        "due_date": bill.due_date,
        "status": bill.status,
        "paid_with": bill.paid_with,
    }


# -- business rules shared by the writes ---------------------------------------------------------


def _writable_line(line_id: str, *, active: bool = True) -> Line:
    """The line, if its account may be changed and (by default) the line is active."""
    line = _line(line_id)
    if _customer(line.customer_id).account_status != "active":
        raise ToolError(f"the account of line {line.id} is on hold; no change can be made, transfer to a human agent")
    if active and line.status != "active":
        raise ToolError(f"line {line.id} is {line.status}; resume it first")
    return line


def _no_overdue_bills(customer_id: str, action: str) -> None:
    overdue = [b.id for b in Bill.find_all(customer=customer_id, status="overdue")]
    if overdue:
        raise ToolError(
            f"cannot {action}: the customer has overdue bill(s) {', '.join(overdue)}; they must be paid first"
        )


def card_expired(expires: str) -> bool:
    """A card expires at the end of its 'MM/YY' month; bank accounts ('') never do."""
    if not expires:
        return False
    month, year = expires.split("/")
    return (2000 + int(year), int(month)) < (int(TODAY[:4]), int(TODAY[5:7]))


# -- read tools ----------------------------------------------------------------------------------


@tool(READ)
def get_customer_by_phone(phone_number: str) -> dict:
    """Find the customer who owns a phone number, with their lines and payment methods.

    Args:
        phone_number: The phone number of one of the customer's lines, such as '555-123-4567'.
    """
    line = lookup(
        Line, lambda: f"no line with phone number {phone_number!r}", phone_number=normalise_phone(phone_number)
    )
    return _customer_dict(_customer(line.customer_id))


@tool(READ)
def get_customer_by_id(customer_id: str) -> dict:
    """Get a customer's details, with their lines and payment methods.

    Args:
        customer_id: The customer id, such as 'C1000'.
    """
    return _customer_dict(_customer(customer_id))


@tool(READ)
def get_line_details(line_id: str) -> dict:
    """Get a line's plan, status, roaming setting and data usage for the current billing cycle.

    Args:
        line_id: The line id, such as 'L2000'.
    """
    return _line_dict(_line(line_id))


@tool(READ)
def get_bills_for_customer(customer_id: str) -> list:
    """List a customer's bills, oldest period first.

    Args:
        customer_id: The customer id, such as 'C1000'.
    """
    return [_bill_dict(b) for b in Bill.find_all(customer=_customer(customer_id).id)]


@tool(READ)
def get_bill_details(bill_id: str) -> dict:
    """Get one bill.

    Args:
        bill_id: The bill id, such as 'B3000'.
    """
    return _bill_dict(_bill(bill_id))


@tool(READ)
def list_plans() -> list:
    """List every plan the provider offers, with price, data limit and whether roaming is allowed."""
    return [_plan_dict(p) for p in Plan.find_all()]


@tool(READ)
def get_plan_details(plan_id: str) -> dict:
    """Get one plan.

    Args:
        plan_id: The plan id, such as 'plus-30'.
    """
    return _plan_dict(_plan(plan_id))


# -- write tools ---------------------------------------------------------------------------------


@tool(WRITE)
def change_plan(line_id: str, plan_id: str) -> dict:
    """Move an active line to another plan, from now on.

    Args:
        line_id: The line id, such as 'L2000'.
        plan_id: The new plan's id, such as 'plus-30'.
    """
    line = _writable_line(line_id)
    plan = _plan(plan_id)
    if plan.id == line.plan_id:
        raise ToolError(f"line {line.id} is already on plan {plan.id}")
    if line.roaming_enabled and not plan.roaming_allowed:
        raise ToolError(f"plan {plan.id} does not allow roaming; disable roaming on line {line.id} first")
    _no_overdue_bills(line.customer_id, "change the plan")
    line.plan = plan.id
    line.save()
    return _line_dict(line)


@tool(WRITE)
def suspend_line(line_id: str, reason: Literal["lost or stolen", "customer request"]) -> dict:
    """Suspend an active line: it can no longer call, text or use data until resumed.

    Args:
        line_id: The line id, such as 'L2000'.
        reason: Why the line is suspended.
    """
    line = _writable_line(line_id)
    line.status, line.suspension_reason = "suspended", reason
    line.save()
    return _line_dict(line)


@tool(WRITE)
def resume_line(line_id: str) -> dict:
    """Resume a suspended line. Only possible when the customer has no overdue bill.

    Args:
        line_id: The line id, such as 'L2000'.
    """
    line = _writable_line(line_id, active=False)
    if line.status != "suspended":
        raise ToolError(f"line {line.id} is {line.status}, not suspended")
    _no_overdue_bills(line.customer_id, f"resume line {line.id}")
    line.status, line.suspension_reason = "active", ""
    line.save()
    return _line_dict(line)


@tool(WRITE)
def refuel_data(line_id: str, gb: float) -> dict:
    """Add extra data to an active line for the current cycle, at the plan's refuel price (added to the next bill).

    Args:
        line_id: The line id, such as 'L2000'.
        gb: Gigabytes to add: 0.5 to 5, in steps of 0.5.
    """
    line = _writable_line(line_id)
    if not 0.5 <= gb <= 5 or (gb * 2) % 1:
        raise ToolError(f"gb must be between 0.5 and 5 in steps of 0.5, got {gb}")
    _no_overdue_bills(line.customer_id, "refuel data")
    price = _plan(line.plan_id).refuel_price_per_gb
    line.data_refuel_gb = round(line.data_refuel_gb + gb, 2)
    line.pending_charges = round(line.pending_charges + gb * price, 2)
    line.save()
    return _line_dict(line)


@tool(WRITE)
def enable_roaming(line_id: str) -> dict:
    """Allow an active line to use the network abroad. The line's plan must allow roaming.

    Args:
        line_id: The line id, such as 'L2000'.
    """
    line = _writable_line(line_id)
    if line.roaming_enabled:
        raise ToolError(f"roaming is already enabled on line {line.id}")
    if not _plan(line.plan_id).roaming_allowed:
        raise ToolError(f"plan {line.plan_id} does not allow roaming; the line needs a plan that does")
    line.roaming_enabled = True
    line.save()
    return _line_dict(line)


@tool(WRITE)
def disable_roaming(line_id: str) -> dict:
    """Stop a line from using the network abroad.

    Args:
        line_id: The line id, such as 'L2000'.
    """
    line = _writable_line(line_id, active=False)
    if not line.roaming_enabled:
        raise ToolError(f"roaming is already disabled on line {line.id}")
    line.roaming_enabled = False
    line.save()
    return _line_dict(line)


@tool(WRITE)
def pay_bill(bill_id: str, payment_method_id: str) -> dict:
    """Pay an unpaid or overdue bill in full with one of the customer's payment methods.

    Args:
        bill_id: The bill id, such as 'B3000'.
        payment_method_id: The customer's payment method id, such as 'PM-10000'.
    """
    bill = _bill(bill_id)
    if _customer(bill.customer_id).account_status != "active":
        raise ToolError("the account is on hold; no payment can be taken, transfer to a human agent")
    if bill.status == "paid":
        raise ToolError(f"bill {bill.id} is already paid")
    method = lookup(
        PaymentMethod,
        lambda: f"payment method {payment_method_id!r} does not belong to the customer of bill {bill.id}",
        id=payment_method_id.strip().upper(),
        customer=bill.customer_id,
    )
    if card_expired(method.expires):
        raise ToolError(f"the card {method.id} expired at the end of {method.expires}; use another payment method")
    bill.status, bill.paid_with = "paid", method.id
    bill.save()
    return _bill_dict(bill)


@tool(READ, ends_episode=True)
def transfer_to_human_agents(reason: Literal["account on hold", "request outside policy", "fault not solved"]) -> str:
    """Hand the conversation to a human agent. Use only when the policy says so.

    Args:
        reason: Why the customer needs a human agent.
    """
    return "Transfer successful"


TOOLS = (
    get_customer_by_phone,
    get_customer_by_id,
    get_line_details,
    get_bills_for_customer,
    get_bill_details,
    list_plans,
    get_plan_details,
    change_plan,
    suspend_line,
    resume_line,
    refuel_data,
    enable_roaming,
    disable_roaming,
    pay_bill,
    transfer_to_human_agents,
    calculate,
)
