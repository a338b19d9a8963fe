"""Airline: book, change and cancel flight reservations under a fare and refund policy.

Users with membership tiers and payment methods (credit cards, gift cards, travel certificates),
20 airports, 300 flights over 30 dates with per-date status, seats and prices, and about 1,000
reservations. See README.md for the tools and the policy for the rules.
"""

from ...domains import hand_built

DOMAIN = hand_built(
    __name__, "Airline: book, change and cancel flight reservations; baggage, cabins, refunds, compensation."
)
