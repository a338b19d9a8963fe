"""The help desk's two tables: customers and their tickets.

Each is a peewee model on :class:`agentscaler_gym.database.Model` with a single-column primary key;
``MODELS`` lists them in creation order (a ticket refers to its customer).
"""

import peewee as pw

from ...database import Model


class Customer(Model):
    id = pw.CharField(primary_key=True)
    name = pw.CharField()
    email = pw.CharField(unique=True)


class Ticket(Model):
    id = pw.AutoField()
    customer = pw.ForeignKeyField(Customer, backref="tickets")
    subject = pw.CharField()
    status = pw.CharField()  # open | closed


MODELS = (Customer, Ticket)
