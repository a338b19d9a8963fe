"""Airline fare rules: what a booking costs and what the airline pays back.

The tools charge by them, the data generator prices the seed reservations by them, and the task
source computes gold amounts by them, so all three agree. Every amount is in whole dollars per
passenger: travel insurance costs :data:`INSURANCE_FEE`; each checked bag above the free allowance
(:func:`free_bags`, by membership and cabin) costs :data:`BAG_FEE`.
"""

BAG_FEE = 50
INSURANCE_FEE = 30
FREE_BAGS = {  # free checked bags per passenger
    "regular": {"basic_economy": 0, "economy": 1, "business": 2},
    "silver": {"basic_economy": 1, "economy": 2, "business": 3},
    "gold": {"basic_economy": 2, "economy": 3, "business": 4},
}
COMPENSATION = {"cancelled": 100, "delayed": 50}  # certificate dollars per passenger (policy)
INSURED_REASONS = ("health", "weather")  # cancellation reasons travel insurance covers


def free_bags(membership: str, cabin: str) -> int:
    """Free checked bags per passenger for a membership tier in a cabin."""
    return FREE_BAGS[membership][cabin]


def fare_total(prices: list[int], passengers: int, insurance: bool, nonfree_bags: int) -> int:
    """What a booking costs: the fares of every segment for every passenger, insurance and extra bags."""
    return sum(prices) * passengers + INSURANCE_FEE * passengers * bool(insurance) + BAG_FEE * nonfree_bags
