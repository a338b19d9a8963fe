"""Retail customer service: users, orders and a catalogue; cancel, modify, return and exchange.

See README.md in this folder for the environment card and policy.md for the agent's rules.
"""

from ...domains import hand_built

DOMAIN = hand_built(
    __name__, "Online store: authenticate, then cancel or modify pending orders, return or exchange delivered ones."
)
