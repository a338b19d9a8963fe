import peewee as pw

from ...database import Model
from ..common import JSONField


class Airport(Model):
    iata = pw.CharField(primary_key=True)  # 'JFK'
    city = pw.CharField()


class User(Model):
    id = pw.CharField(primary_key=True)  # 'mia_garcia_4821'
    first_name = pw.CharField()
    last_name = pw.CharField()
    email = pw.CharField()
    dob = pw.CharField()  # 'YYYY-MM-DD'
    membership = pw.CharField()  # regular | silver | gold
    address = JSONField()  # {street, city, state, zip}
    saved_passengers = JSONField()  # [{first_name, last_name, dob}]


class PaymentMethod(Model):
    id = pw.CharField(primary_key=True)  # 'credit_card_4821937' | 'gift_card_...' | 'certificate_...'
    user = pw.ForeignKeyField(User, backref="payment_methods")
    kind = pw.CharField()  # credit_card | gift_card | certificate
    brand = pw.CharField(null=True)  # credit cards: visa | mastercard | amex
    last_four = pw.CharField(null=True)  # credit cards
    balance = pw.IntegerField(null=True)  # gift card balance or certificate amount, whole dollars


class Flight(Model):
    """A scheduled route, flown on every date of the schedule."""

    flight_number = pw.CharField(primary_key=True)  # 'SA118'
    origin = pw.ForeignKeyField(Airport, column_name="origin")
    destination = pw.ForeignKeyField(Airport, column_name="destination")
    departure_time = pw.CharField()  # 'HH:MM', local to the whole network (one clock)
    arrival_time = pw.CharField()  # same day: the schedule has no overnight flights

    class Meta:
        indexes = ((("origin", "destination"), False),)


class FlightDate(Model):
    """One flight on one date: its status, seats left and price per cabin."""

    id = pw.CharField(primary_key=True)  # 'SA118:2024-05-20'
    flight = pw.ForeignKeyField(Flight)
    date = pw.CharField(index=True)  # 'YYYY-MM-DD'
    status = pw.CharField()  # available | delayed | cancelled | flying | landed
    delay_minutes = pw.IntegerField(default=0)
    seats = JSONField()  # {cabin: seats left}
    prices = JSONField()  # {cabin: dollars per passenger}


class Reservation(Model):
    id = pw.CharField(primary_key=True)  # 'Q4ZK7B'
    user = pw.ForeignKeyField(User, backref="reservations")
    origin = pw.CharField()
    destination = pw.CharField()
    trip_type = pw.CharField()  # one_way | round_trip
    cabin = pw.CharField()  # basic_economy | economy | business
    flights = JSONField()  # [{flight_number, date, origin, destination, price}], price per passenger
    passengers = JSONField()  # [{first_name, last_name, dob}]
    total_baggages = pw.IntegerField()
    nonfree_baggages = pw.IntegerField()
    insurance = pw.BooleanField()
    created_at = pw.CharField()  # 'YYYY-MM-DDTHH:MM:SS'
    payment_history = JSONField()  # [{payment_id, amount}], refunds negative
    status = pw.CharField()  # active | cancelled


MODELS = (Airport, User, PaymentMethod, Flight, FlightDate, Reservation)
