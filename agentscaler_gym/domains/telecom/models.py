"""Provider-side tables: what the agent's tools read and write."""

import peewee as pw

from ...database import Model

TODAY = "2025-10-15"  # the simulated date: bills due before it are overdue


class Plan(Model):
    id = pw.CharField(primary_key=True)  # 'plus-30'
    name = pw.CharField()
    monthly_price = pw.FloatField()
    data_limit_gb = pw.FloatField()
    roaming_allowed = pw.BooleanField()
    refuel_price_per_gb = pw.FloatField()


class Customer(Model):
    id = pw.CharField(primary_key=True)  # 'C1000'
    name = pw.CharField()
    date_of_birth = pw.CharField()  # ISO date
    email = pw.CharField()
    account_status = pw.CharField()  # active | on_hold


class PaymentMethod(Model):
    id = pw.CharField(primary_key=True)  # 'PM-48213'
    customer = pw.ForeignKeyField(Customer, backref="payment_methods")
    kind = pw.CharField()  # credit_card | debit_card | bank_account
    last4 = pw.CharField()
    expires = pw.CharField(default="")  # 'MM/YY' for cards, '' for bank accounts


class Line(Model):
    id = pw.CharField(primary_key=True)  # 'L2000'
    phone_number = pw.CharField(unique=True)  # '555-123-4567'
    customer = pw.ForeignKeyField(Customer, backref="lines")
    plan = pw.ForeignKeyField(Plan)
    status = pw.CharField()  # active | suspended
    suspension_reason = pw.CharField(default="")  # non-payment | customer request | lost or stolen
    roaming_enabled = pw.BooleanField(default=False)
    data_used_gb = pw.FloatField(default=0.0)  # this billing cycle
    data_refuel_gb = pw.FloatField(default=0.0)  # extra data bought this cycle
    pending_charges = pw.FloatField(default=0.0)  # added to the next bill


class Bill(Model):
    id = pw.CharField(primary_key=True)  # 'B3000'
    customer = pw.ForeignKeyField(Customer, backref="bills")
    period = pw.CharField()  # 'YYYY-MM'
    amount = pw.FloatField()
    due_date = pw.CharField()  # ISO date
    status = pw.CharField()  # paid | unpaid | overdue
    paid_with = pw.CharField(default="")  # payment method id


MODELS = (Plan, Customer, PaymentMethod, Line, Bill)
