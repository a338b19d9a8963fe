"""Retail tables: users and their payment methods, the catalogue, orders and their items.

Dict and list columns are JSON text with sorted keys, so equal content is equal text and the
state match compares meaning, not formatting.
"""

import peewee as pw

from ...database import Model
from ..common import JSONField


class User(Model):
    id = pw.CharField(primary_key=True)  # "ava_lee_4821"
    first_name = pw.CharField(collation="NOCASE")
    last_name = pw.CharField(collation="NOCASE")
    email = pw.CharField(unique=True, collation="NOCASE")
    address = JSONField()  # {address1, address2, city, state, country, zip}

    class Meta:
        indexes = ((("last_name", "first_name"), False),)


class PaymentMethod(Model):
    id = pw.CharField(primary_key=True)  # "credit_card_4829103", "paypal_...", "gift_card_..."
    user = pw.ForeignKeyField(User, backref="payment_methods")
    source = pw.CharField()  # credit_card | paypal | gift_card
    brand = pw.CharField(null=True)  # credit cards only
    last_four = pw.CharField(null=True)  # credit cards only
    balance = pw.FloatField(null=True)  # gift cards only, in dollars


class Product(Model):
    id = pw.CharField(primary_key=True)  # ten digits
    name = pw.CharField(unique=True, collation="NOCASE")


class Variant(Model):
    """One buyable item of a product type: a set of options with a price."""

    id = pw.CharField(primary_key=True)  # the "item id", ten digits
    product = pw.ForeignKeyField(Product, backref="variants")
    options = JSONField()  # {"color": "blue", "size": "M"}
    price = pw.FloatField()
    available = pw.BooleanField()


class Order(Model):
    id = pw.CharField(primary_key=True)  # "#W4829103"
    user = pw.ForeignKeyField(User, backref="orders")
    address = JSONField()
    status = pw.CharField()  # pending | processed | delivered | cancelled | return requested | exchange requested
    placed_on = pw.CharField()  # ISO date
    fulfilments = JSONField()  # [{"tracking_id": "...", "item_ids": [...]}]
    payment_history = JSONField()  # [{"type": "payment" | "refund", "amount": 12.5, "payment_method_id": "..."}]
    items_modified = pw.BooleanField(default=False)
    cancel_reason = pw.CharField(null=True)


class OrderItem(Model):
    """One line of an order. Each order holds at most one item per product type."""

    id = pw.CharField(primary_key=True)  # "#W4829103/2": order id and line number
    order = pw.ForeignKeyField(Order, backref="items")
    product = pw.ForeignKeyField(Product, index=False)
    variant = pw.ForeignKeyField(Variant, index=False)
    name = pw.CharField()  # the product name, as shown on the order
    options = JSONField()
    price = pw.FloatField()
    request = pw.CharField(null=True)  # return | exchange, once requested
    new_variant = pw.ForeignKeyField(Variant, null=True, index=False)  # the item an exchange asks for


MODELS = (User, PaymentMethod, Product, Variant, Order, OrderItem)
