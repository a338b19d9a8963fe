"""Retail tools: look up users, orders and the catalogue; cancel, modify, return and exchange.

Every business rule of ``policy.md`` that data can decide is enforced here (order status, same
product type, availability, whose payment method, gift card balance, one item modification per
order); a broken rule raises :class:`ToolError` and, because a write runs in one transaction,
changes nothing. Money moves are appended to the order's payment history, and gift cards are
debited or credited at once.
"""

from typing import Literal

from ...tools import READ, WRITE, ToolError, tool
from ..common import calculate, lookup
from .models import Order, OrderItem, PaymentMethod, Product, User, Variant

# -- lookups shared by the tools -------------------------------------------------------------


def _user(user_id: str) -> User:
    return lookup(User, lambda: f"user {user_id!r} not found", id=user_id)


def _order(order_id: str) -> Order:
    order_id = order_id if order_id.startswith("#") else "#" + order_id
    return lookup(Order, lambda: f"order {order_id!r} not found; order ids look like '#W0000000'", id=order_id)


def _item(item_id: str) -> Variant:
    return lookup(Variant, lambda: f"item {item_id!r} not found", id=item_id)


def _pending(order_id: str) -> Order:
    order = _order(order_id)
    if order.status != "pending":
        raise ToolError(f"order {order.id} is {order.status}; only pending orders can be changed")
    return order


def _delivered(order_id: str) -> Order:
    order = _order(order_id)
    if order.status != "delivered":
        raise ToolError(f"order {order.id} is {order.status}; only delivered orders can be returned or exchanged")
    return order


def _items(order: Order) -> list[OrderItem]:
    return OrderItem.find_all(order=order.id)


def _method(order: Order, payment_method_id: str) -> PaymentMethod:
    return lookup(
        PaymentMethod,
        lambda: f"payment method {payment_method_id!r} is not one of user {order.user_id}'s payment methods",
        id=payment_method_id,
        user=order.user_id,
    )


def _lines(order: Order, items: list[OrderItem], item_ids: list[str]) -> list[OrderItem]:
    """The order's items with these item ids, in the given order."""
    if not item_ids:
        raise ToolError("item_ids is empty: name at least one item of the order")
    if len(set(item_ids)) != len(item_ids):
        raise ToolError("item_ids lists an item twice")
    by_id = {item.variant_id: item for item in items}
    missing = [i for i in item_ids if i not in by_id]
    if missing:
        raise ToolError(f"item(s) {', '.join(missing)} not in order {order.id}; its item ids are {', '.join(by_id)}")
    return [by_id[i] for i in item_ids]


def _swaps(lines: list[OrderItem], new_item_ids: list[str]) -> list[Variant]:
    """The new variants for ``lines``: same product type, another item, available."""
    if len(new_item_ids) != len(lines):
        raise ToolError(f"give one new item id per item: {len(lines)} item(s), {len(new_item_ids)} new item id(s)")
    swaps = []
    for line, new_id in zip(lines, new_item_ids):
        new = _item(new_id)
        if new.product_id != line.product_id:
            raise ToolError(
                f"item {new_id} is not a {line.name}: an item can only be swapped for the same product type"
            )
        if new.id == line.variant_id:
            raise ToolError(f"item {new_id} is the item already ordered; pick different options")
        if not new.available:
            raise ToolError(f"item {new_id} is not available")
        swaps.append(new)
    return swaps


def _move_money(order: Order, kind: str, amount: float, method: PaymentMethod) -> None:
    """Record a payment or refund on the order; a gift card pays or is credited at once."""
    amount = round(amount, 2)
    if method.source == "gift_card":
        if kind == "payment" and method.balance < amount:
            raise ToolError(f"gift card {method.id} has a balance of {method.balance:.2f}, less than {amount:.2f}")
        method.balance = round(method.balance + (amount if kind == "refund" else -amount), 2)
        method.save()
    order.payment_history = order.payment_history + [{"type": kind, "amount": amount, "payment_method_id": method.id}]


def _settle_difference(order: Order, difference: float, method: PaymentMethod) -> None:
    difference = round(difference, 2)
    if difference:
        _move_money(order, "payment" if difference > 0 else "refund", abs(difference), method)


def _swap(
    order: Order, item_ids: list[str], new_item_ids: list[str], payment_method_id: str
) -> tuple[list[OrderItem], list[tuple[OrderItem, Variant]]]:
    """The order's items and the (line, new variant) pairs of a swap, checked in the order the
    tools state their rules, with the price difference settled on the payment method."""
    items = _items(order)
    lines = _lines(order, items, item_ids)
    swaps = list(zip(lines, _swaps(lines, new_item_ids)))
    method = _method(order, payment_method_id)
    _settle_difference(order, sum(new.price - line.price for line, new in swaps), method)
    return items, swaps


def _address(address1: str, address2: str, city: str, state: str, country: str, zip: str) -> dict:
    fields = {"address1": address1, "address2": address2, "city": city, "state": state, "country": country, "zip": zip}
    empty = [k for k, v in fields.items() if k != "address2" and not v.strip()]
    if empty:
        raise ToolError(f"address field(s) {', '.join(empty)} must not be empty")
    if not (len(zip) == 5 and zip.isdigit()):
        raise ToolError(f"zip must be five digits, got {zip!r}")
    return {k: v.strip() for k, v in fields.items()}


def _order_dict(order: Order, items: list[OrderItem] | None = None) -> dict:
    lines = []
    for item in items if items is not None else _items(order):
        line = {
            "item_id": item.variant_id,
            "product_id": item.product_id,
            "name": item.name,
            "options": item.options,
            "price": item.price,
        }
        if item.request:
            line["request"] = item.request
        if item.new_variant_id:
            line["exchange_for_item_id"] = item.new_variant_id
        lines.append(line)
    details = {
        "order_id": order.id,
        "user_id": order.user_id,
        "status": order.status,
        "placed_on": order.placed_on,
        "address": order.address,
        "items": lines,
        "fulfilments": order.fulfilments,
        "payment_history": order.payment_history,
        "items_modified": order.items_modified,
    }
    if order.cancel_reason:
        details["cancel_reason"] = order.cancel_reason
    return details


def _method_dict(method: PaymentMethod) -> dict:
    details = {"source": method.source}
    if method.source == "credit_card":
        details.update(brand=method.brand, last_four=method.last_four)
    elif method.source == "gift_card":
        details["balance"] = method.balance
    return details


# -- reads -----------------------------------------------------------------------------------


@tool(READ)
def find_user_id_by_email(email: str) -> str:
    """Find a user's id by their email address. Use it to authenticate the user.

    Args:
        email: The user's email, such as 'ava.lee4821@example.com'.
    """
    return lookup(User, lambda: f"no user with email {email!r}", email=email.strip()).id


@tool(READ)
def find_user_id_by_name_zip(first_name: str, last_name: str, zip: str) -> str:
    """Find a user's id by their first name, last name and zip code. Use it to authenticate a user who cannot give their email.

    Args:
        first_name: The user's first name, such as 'Ava'.
        last_name: The user's last name, such as 'Lee'.
        zip: The zip code of the user's address, such as '10012'.
    """
    users = User.find_all(first_name=first_name.strip(), last_name=last_name.strip())
    match = [u for u in users if u.address["zip"] == zip.strip()]
    if not match:
        raise ToolError(f"no user named {first_name} {last_name} with zip code {zip!r}")
    return match[0].id


@tool(READ)
def get_user_details(user_id: str) -> dict:
    """Get a user's profile: name, email, default address, payment methods (gift cards with their balance) and order ids.

    Args:
        user_id: The user id, such as 'ava_lee_4821'.
    """
    user = _user(user_id)
    methods = PaymentMethod.find_all(user=user.id)
    return {
        "user_id": user.id,
        "name": {"first_name": user.first_name, "last_name": user.last_name},
        "email": user.email,
        "address": user.address,
        "payment_methods": {m.id: _method_dict(m) for m in methods},
        "orders": [order.id for order in Order.find_all(user=user.id)],
    }


@tool(READ)
def get_order_details(order_id: str) -> dict:
    """Get an order: status, shipping address, items (item id, product, options, price), fulfilments with tracking ids, and the payment history.

    Args:
        order_id: The order id, with the '#' prefix, such as '#W4829103'.
    """
    return _order_dict(_order(order_id))


@tool(READ)
def get_product_details(product_id: str) -> dict:
    """Get a product type and all its items (variants): options, price and availability by item id.

    Args:
        product_id: The product id, such as '6086499569'. It is not an item id; list_all_product_types gives product ids.
    """
    product = lookup(
        Product,
        lambda: f"product {product_id!r} not found; product ids come from list_all_product_types",
        id=product_id,
    )
    variants = Variant.find_all(product=product.id)
    return {
        "product_id": product.id,
        "name": product.name,
        "variants": {v.id: {"options": v.options, "price": v.price, "available": v.available} for v in variants},
    }


@tool(READ)
def get_item_details(item_id: str) -> dict:
    """Get one item (a variant of a product type): its product, options, price and availability.

    Args:
        item_id: The item id, such as '1008292230'.
    """
    variant = _item(item_id)
    return {
        "item_id": variant.id,
        "product_id": variant.product_id,
        "name": Product.find(id=variant.product_id).name,
        "options": variant.options,
        "price": variant.price,
        "available": variant.available,
    }


@tool(READ)
def list_all_product_types() -> dict:
    """List every product type the store sells, as {product name: product id}."""
    return {product.name: product.id for product in Product.ordered("name")}


@tool(READ, ends_episode=True)
def transfer_to_human_agents(summary: str) -> str:
    """Hand the conversation to a human agent, ending it. Only when the user explicitly asks for a human, or the request cannot be handled with your tools within the policy.

    Args:
        summary: A short summary of the user's issue.
    """
    return "Transfer successful"


# -- writes ----------------------------------------------------------------------------------


@tool(WRITE)
def cancel_pending_order(order_id: str, reason: Literal["no longer needed", "ordered by mistake"]) -> dict:
    """Cancel a pending order. Everything paid is refunded to the method that paid it: gift cards at once, other methods in 5 to 7 business days.

    Args:
        order_id: The order id, such as '#W4829103'.
        reason: Why the user cancels: 'no longer needed' or 'ordered by mistake'.
    """
    order = _pending(order_id)
    net: dict[str, float] = {}
    for entry in order.payment_history:
        sign = 1 if entry["type"] == "payment" else -1
        net[entry["payment_method_id"]] = net.get(entry["payment_method_id"], 0.0) + sign * entry["amount"]
    for method_id, amount in net.items():
        if round(amount, 2) > 0:
            _move_money(order, "refund", amount, PaymentMethod.find(id=method_id))
    order.status, order.cancel_reason = "cancelled", reason
    order.save()
    return _order_dict(order)


@tool(WRITE)
def modify_pending_order_address(
    order_id: str, address1: str, address2: str, city: str, state: str, country: str, zip: str
) -> dict:
    """Change the shipping address of a pending order.

    Args:
        order_id: The order id, such as '#W4829103'.
        address1: Street address, such as '123 Maple Street'.
        address2: Apartment or suite, such as 'Apt 4B'; an empty string if none.
        city: City, such as 'Austin'.
        state: State code, such as 'TX'.
        country: Country, such as 'USA'.
        zip: Five-digit zip code, such as '78701'.
    """
    order = _pending(order_id)
    order.address = _address(address1, address2, city, state, country, zip)
    order.save()
    return _order_dict(order)


@tool(WRITE)
def modify_pending_order_items(
    order_id: str, item_ids: list[str], new_item_ids: list[str], payment_method_id: str
) -> dict:
    """Swap items of a pending order for other items of the same product type (other options). An order's items can be modified only once, so include every swap in one call. The price difference is charged to, or refunded to, the given payment method.

    Args:
        order_id: The order id, such as '#W4829103'.
        item_ids: The item ids in the order to swap, such as ['1008292230'].
        new_item_ids: The new item ids, one per item and in the same order, such as ['1251440593'].
        payment_method_id: The user's payment method that pays or receives the price difference, such as 'gift_card_7245104'.
    """
    order = _pending(order_id)
    if order.items_modified:
        raise ToolError(f"the items of order {order.id} were already modified once; they cannot be modified again")
    items, swaps = _swap(order, item_ids, new_item_ids, payment_method_id)
    for line, new in swaps:
        line.variant, line.options, line.price = new.id, new.options, new.price
        line.save()
    order.items_modified = True
    order.save()
    return _order_dict(order, items)


@tool(WRITE)
def modify_pending_order_payment(order_id: str, payment_method_id: str) -> dict:
    """Pay a pending order with another of the user's payment methods. The old method is refunded (a gift card at once) and the new one charged; a gift card must cover the whole total.

    Args:
        order_id: The order id, such as '#W4829103'.
        payment_method_id: The new payment method, such as 'paypal_3024883'.
    """
    order = _pending(order_id)
    if len(order.payment_history) != 1:
        raise ToolError(f"order {order.id} has more than one payment; its payment method can no longer be changed")
    paid = order.payment_history[0]
    if paid["payment_method_id"] == payment_method_id:
        raise ToolError(f"order {order.id} is already paid with {payment_method_id}")
    method = _method(order, payment_method_id)
    _move_money(order, "payment", paid["amount"], method)
    _move_money(order, "refund", paid["amount"], PaymentMethod.find(id=paid["payment_method_id"]))
    order.save()
    return _order_dict(order)


@tool(WRITE)
def modify_user_address(
    user_id: str, address1: str, address2: str, city: str, state: str, country: str, zip: str
) -> dict:
    """Change a user's default address (existing orders keep theirs).

    Args:
        user_id: The user id, such as 'ava_lee_4821'.
        address1: Street address, such as '123 Maple Street'.
        address2: Apartment or suite, such as 'Apt 4B'; an empty string if none.
        city: City, such as 'Austin'.
        state: State code, such as 'TX'.
        country: Country, such as 'USA'.
        zip: Five-digit zip code, such as '78701'.
    """
    user = _user(user_id)
    user.address = _address(address1, address2, city, state, country, zip)
    user.save()
    return {"user_id": user.id, "address": user.address}


@tool(WRITE)
def return_delivered_order_items(order_id: str, item_ids: list[str], payment_method_id: str) -> dict:
    """Request the return of items of a delivered order. The refund goes to the order's original payment method or to one of the user's gift cards (credited at once). An order can have one return or exchange request.

    Args:
        order_id: The order id, such as '#W4829103'.
        item_ids: The item ids to return, such as ['1008292230', '4983901480'].
        payment_method_id: Where the refund goes: the original payment method or a gift card, such as 'gift_card_7245104'.
    """
    order = _delivered(order_id)
    items = _items(order)
    lines = _lines(order, items, item_ids)
    method = _method(order, payment_method_id)
    if method.id != order.payment_history[0]["payment_method_id"] and method.source != "gift_card":
        raise ToolError(
            f"a refund goes to the original payment method ({order.payment_history[0]['payment_method_id']}) or a gift card"
        )
    _move_money(order, "refund", sum(line.price for line in lines), method)
    for line in lines:
        line.request = "return"
        line.save()
    order.status = "return requested"
    order.save()
    return _order_dict(order, items)


@tool(WRITE)
def exchange_delivered_order_items(
    order_id: str, item_ids: list[str], new_item_ids: list[str], payment_method_id: str
) -> dict:
    """Request an exchange of items of a delivered order for other items of the same product type. The price difference is charged to, or refunded to, the given payment method. An order can have one return or exchange request, so include every item in one call.

    Args:
        order_id: The order id, such as '#W4829103'.
        item_ids: The item ids to exchange, such as ['1008292230'].
        new_item_ids: The new item ids, one per item and in the same order, such as ['1251440593'].
        payment_method_id: The user's payment method that pays or receives the price difference, such as 'credit_card_4829103'.
    """
    order = _delivered(order_id)
    items, swaps = _swap(order, item_ids, new_item_ids, payment_method_id)
    for line, new in swaps:
        line.request, line.new_variant = "exchange", new.id
        line.save()
    order.status = "exchange requested"
    order.save()
    return _order_dict(order, items)


TOOLS = (
    find_user_id_by_email,
    find_user_id_by_name_zip,
    get_user_details,
    get_order_details,
    get_product_details,
    get_item_details,
    list_all_product_types,
    calculate,
    transfer_to_human_agents,
    cancel_pending_order,
    modify_pending_order_address,
    modify_pending_order_items,
    modify_pending_order_payment,
    modify_user_address,
    return_delivered_order_items,
    exchange_delivered_order_items,
)
