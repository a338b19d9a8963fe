"""Seeded retail data: 500 users, 50 product types with 600 variants, about 1,000 orders.

``generate(seed)`` returns ``{Model: [row dicts]}``; it reads no file and no clock (dates are before
:data:`TODAY`), so the same seed gives the same rows.
"""

import itertools
import random

from .models import Order, OrderItem, PaymentMethod, Product, User, Variant

TODAY = "2025-06-01"
USERS = 500
VARIANTS_PER_PRODUCT = 12
STATUS_WEIGHTS = {
    "pending": 28,
    "processed": 14,
    "delivered": 38,
    "cancelled": 8,
    "return requested": 6,
    "exchange requested": 6,
}
CANCEL_REASONS = ("no longer needed", "ordered by mistake")

# name, base price, options (every combination is a possible variant)
CATALOGUE = (
    (
        "T-Shirt",
        25,
        {
            "color": ["black", "white", "blue", "red", "green"],
            "size": ["S", "M", "L", "XL", "XXL"],
            "material": ["cotton", "polyester"],
        },
    ),
    (
        "Running Shoes",
        110,
        {
            "color": ["black", "white", "red", "yellow"],
            "size": ["7", "8", "9", "10", "11", "12"],
            "material": ["mesh", "leather", "synthetic"],
        },
    ),
    (
        "Hiking Boots",
        180,
        {"size": ["7", "8", "9", "10", "11", "12"], "material": ["leather", "synthetic"], "waterproof": ["yes", "no"]},
    ),
    (
        "Backpack",
        70,
        {
            "color": ["black", "grey", "green", "navy"],
            "size": ["small", "medium", "large"],
            "material": ["nylon", "polyester", "leather"],
        },
    ),
    (
        "Water Bottle",
        22,
        {
            "capacity": ["500ml", "750ml", "1000ml"],
            "material": ["stainless steel", "plastic", "glass"],
            "color": ["black", "blue", "red", "green"],
        },
    ),
    (
        "Laptop",
        1300,
        {
            "screen size": ["13-inch", "15-inch", "17-inch"],
            "processor": ["i5", "i7", "i9"],
            "ram": ["8GB", "16GB", "32GB"],
            "storage": ["256GB SSD", "512GB SSD", "1TB SSD"],
        },
    ),
    (
        "Smartphone",
        800,
        {
            "color": ["black", "gold", "silver", "blue"],
            "storage": ["64GB", "128GB", "256GB"],
            "screen size": ["5.8-inch", "6.1-inch", "6.5-inch"],
        },
    ),
    (
        "Wireless Earbuds",
        120,
        {
            "color": ["black", "white", "blue"],
            "battery life": ["4 hours", "6 hours", "8 hours"],
            "water resistance": ["IPX4", "IPX7", "none"],
        },
    ),
    (
        "Headphones",
        150,
        {
            "type": ["over-ear", "on-ear", "in-ear"],
            "connectivity": ["wired", "wireless"],
            "color": ["black", "white", "red", "blue"],
        },
    ),
    (
        "Smart Watch",
        300,
        {
            "color": ["black", "silver", "gold", "rose gold"],
            "band material": ["silicone", "leather", "metal"],
            "display": ["AMOLED", "LCD"],
        },
    ),
    (
        "Tablet",
        450,
        {
            "screen size": ["8-inch", "10-inch", "12-inch"],
            "storage": ["32GB", "64GB", "128GB"],
            "color": ["black", "silver", "gold"],
        },
    ),
    (
        "E-Reader",
        140,
        {
            "screen size": ["6-inch", "7-inch", "8-inch"],
            "connectivity": ["Wi-Fi", "Wi-Fi + Cellular"],
            "storage": ["8GB", "32GB"],
        },
    ),
    (
        "Bluetooth Speaker",
        90,
        {
            "color": ["black", "blue", "red", "green"],
            "battery life": ["10 hours", "20 hours"],
            "water resistance": ["yes", "no"],
        },
    ),
    (
        "Gaming Mouse",
        60,
        {
            "color": ["black", "white", "RGB"],
            "sensor type": ["optical", "laser"],
            "connectivity": ["wired", "wireless"],
        },
    ),
    (
        "Mechanical Keyboard",
        130,
        {
            "switch type": ["linear", "tactile", "clicky"],
            "backlight": ["none", "white", "RGB"],
            "size": ["full size", "80%", "60%"],
        },
    ),
    (
        "Desk Lamp",
        45,
        {
            "color": ["black", "white", "silver"],
            "brightness": ["low", "medium", "high"],
            "power source": ["AC adapter", "USB", "battery"],
        },
    ),
    (
        "Office Chair",
        350,
        {
            "material": ["mesh", "leather", "fabric"],
            "color": ["black", "gray", "blue"],
            "armrest": ["fixed", "adjustable", "none"],
        },
    ),
    (
        "Coffee Maker",
        120,
        {
            "color": ["black", "stainless steel", "white"],
            "capacity": ["1 cup", "4 cups", "8 cups", "12 cups"],
            "type": ["drip", "espresso", "single serve"],
        },
    ),
    (
        "Electric Kettle",
        45,
        {
            "capacity": ["1L", "1.5L", "1.7L"],
            "material": ["plastic", "stainless steel", "glass"],
            "color": ["white", "black", "silver"],
        },
    ),
    (
        "Air Purifier",
        220,
        {
            "room size": ["small", "medium", "large"],
            "filter type": ["HEPA", "ionic", "carbon"],
            "features": ["quiet operation", "smart sensors", "night mode"],
        },
    ),
    (
        "Vacuum Cleaner",
        260,
        {
            "type": ["upright", "canister", "robotic", "cordless"],
            "bagged/bagless": ["bagged", "bagless"],
            "features": ["pet hair removal", "HEPA filter", "cordless"],
        },
    ),
    (
        "Blender",
        80,
        {
            "capacity": ["500ml", "1L", "1.5L", "2L"],
            "material": ["plastic", "glass"],
            "speed settings": ["low", "medium", "high"],
        },
    ),
    (
        "Yoga Mat",
        35,
        {
            "thickness": ["4mm", "6mm", "8mm"],
            "material": ["PVC", "natural rubber", "TPE"],
            "color": ["blue", "purple", "green", "pink"],
        },
    ),
    (
        "Dumbbell Set",
        160,
        {
            "weight range": ["5-25 lbs", "30-50 lbs", "55-75 lbs"],
            "material": ["iron", "rubber", "urethane"],
            "set type": ["fixed", "adjustable"],
        },
    ),
    (
        "Bicycle",
        700,
        {
            "frame size": ["small", "medium", "large"],
            "color": ["black", "red", "blue", "green"],
            "type": ["road", "mountain", "hybrid"],
        },
    ),
    (
        "Cycling Helmet",
        75,
        {"size": ["S", "M", "L"], "color": ["black", "white", "red", "blue"], "ventilation": ["low", "medium", "high"]},
    ),
    (
        "Tent",
        240,
        {
            "size": ["2-person", "4-person", "6-person"],
            "color": ["green", "orange", "blue"],
            "season": ["3-season", "4-season"],
        },
    ),
    (
        "Sleeping Bag",
        110,
        {
            "temperature rating": ["summer", "3-season", "winter"],
            "size": ["regular", "long"],
            "insulation": ["down", "synthetic"],
        },
    ),
    (
        "Camping Stove",
        65,
        {"fuel type": ["propane", "butane", "wood"], "burners": ["1", "2"], "color": ["black", "silver", "green"]},
    ),
    (
        "Sunglasses",
        95,
        {
            "frame color": ["black", "brown", "silver", "gold"],
            "lens color": ["black", "green", "brown", "blue"],
            "lens type": ["polarized", "non-polarized"],
        },
    ),
    (
        "Wristwatch",
        210,
        {
            "strap material": ["leather", "metal", "silicone"],
            "dial color": ["black", "white", "blue"],
            "case size": ["38mm", "42mm"],
        },
    ),
    (
        "Wallet",
        40,
        {
            "material": ["leather", "canvas", "nylon"],
            "color": ["black", "brown", "blue"],
            "style": ["bifold", "trifold", "card holder"],
        },
    ),
    (
        "Handbag",
        150,
        {
            "size": ["small", "medium", "large"],
            "material": ["leather", "faux leather", "canvas"],
            "color": ["black", "brown", "red", "beige"],
        },
    ),
    (
        "Jacket",
        160,
        {
            "size": ["S", "M", "L", "XL"],
            "color": ["black", "navy", "olive", "red"],
            "type": ["rain", "windbreaker", "puffer"],
        },
    ),
    (
        "Hoodie",
        55,
        {"size": ["S", "M", "L", "XL"], "color": ["black", "grey", "navy", "red"], "style": ["pullover", "zip-up"]},
    ),
    (
        "Jeans",
        70,
        {"waist": ["28", "30", "32", "34", "36"], "length": ["30", "32", "34"], "fit": ["slim", "regular", "relaxed"]},
    ),
    (
        "Sneakers",
        85,
        {"size": ["7", "8", "9", "10", "11"], "color": ["white", "black", "grey"], "material": ["canvas", "leather"]},
    ),
    (
        "Socks",
        15,
        {"size": ["S", "M", "L"], "material": ["cotton", "wool", "bamboo"], "pack size": ["3-pack", "6-pack"]},
    ),
    (
        "Bed Sheets",
        90,
        {
            "size": ["twin", "full", "queen", "king"],
            "material": ["cotton", "linen", "microfiber"],
            "color": ["white", "grey", "blue", "beige"],
        },
    ),
    (
        "Pillow",
        50,
        {
            "size": ["standard", "queen", "king"],
            "filling": ["memory foam", "down", "polyester"],
            "firmness": ["soft", "medium", "firm"],
        },
    ),
    (
        "Cookware Set",
        230,
        {
            "material": ["stainless steel", "nonstick", "cast iron"],
            "pieces": ["5", "10", "12"],
            "color": ["black", "red", "silver"],
        },
    ),
    (
        "Knife Set",
        120,
        {
            "pieces": ["6", "10", "14"],
            "handle material": ["wood", "plastic", "steel"],
            "blade material": ["stainless steel", "carbon steel", "ceramic"],
        },
    ),
    (
        "Action Camera",
        320,
        {"resolution": ["1080p", "4K", "5K"], "waterproof": ["yes", "no"], "color": ["black", "silver"]},
    ),
    (
        "Digital Camera",
        650,
        {"resolution": ["20MP", "24MP", "30MP"], "zoom": ["3x", "5x", "10x"], "storage": ["SD card", "CF card"]},
    ),
    (
        "Fleece Blanket",
        40,
        {
            "size": ["throw", "twin", "queen"],
            "color": ["grey", "navy", "red", "cream"],
            "pattern": ["solid", "striped", "plaid"],
        },
    ),
    (
        "Garden Hose",
        35,
        {
            "length": ["25ft", "50ft", "100ft"],
            "material": ["rubber", "vinyl", "latex"],
            "color": ["green", "black", "blue"],
        },
    ),
    (
        "Grill",
        420,
        {
            "type": ["charcoal", "gas", "electric"],
            "size": ["portable", "medium", "full-size"],
            "features": ["side burner", "rotisserie", "none"],
        },
    ),
    (
        "Perfume",
        85,
        {
            "scent family": ["floral", "woody", "citrus", "oriental"],
            "size": ["30ml", "50ml", "100ml"],
            "gender": ["women", "men", "unisex"],
        },
    ),
    (
        "Skateboard",
        95,
        {
            "deck material": ["maple", "bamboo", "plastic"],
            "length": ["28 inch", "31 inch", "34 inch"],
            "design": ["plain", "graphic", "custom"],
        },
    ),
    (
        "Luggage Set",
        280,
        {
            "piece count": ["2-piece", "3-piece", "4-piece"],
            "color": ["black", "blue", "red", "silver"],
            "material": ["hardshell", "softshell"],
        },
    ),
)

FIRST_NAMES = (
    "Ava",
    "Liam",
    "Olivia",
    "Noah",
    "Emma",
    "Mason",
    "Sophia",
    "Lucas",
    "Isabella",
    "Ethan",
    "Mia",
    "Aiden",
    "Amelia",
    "Yusuf",
    "Harper",
    "Omar",
    "Evelyn",
    "Mei",
    "Chen",
    "Priya",
    "Arjun",
    "Fatima",
    "Mohamed",
    "Sofia",
    "Mateo",
    "Lei",
    "Yara",
    "Daiki",
    "Aarav",
    "Ivan",
    "Anya",
    "Raj",
    "Lina",
    "Juan",
    "Elena",
    "Kenji",
    "Zara",
    "Nadia",
    "Nora",
    "James",
    "Grace",
    "Daniel",
    "Chloe",
    "Ravi",
    "Hana",
    "Carlos",
    "Lucia",
    "Ahmed",
    "Ingrid",
    "Tariq",
)
LAST_NAMES = (
    "Smith",
    "Johnson",
    "Garcia",
    "Martinez",
    "Lee",
    "Kim",
    "Nguyen",
    "Patel",
    "Khan",
    "Silva",
    "Brown",
    "Davis",
    "Lopez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Moore",
    "Taylor",
    "Jackson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Walker",
    "Hall",
    "Young",
    "Allen",
    "Wright",
    "Scott",
    "Green",
    "Baker",
    "Adams",
    "Nelson",
    "Hill",
    "Ramirez",
    "Campbell",
    "Mitchell",
    "Roberts",
    "Carter",
    "Phillips",
    "Evans",
    "Turner",
    "Torres",
    "Parker",
    "Collins",
    "Edwards",
    "Stewart",
    "Sanchez",
    "Morris",
    "Rossi",
)
STREETS = (
    "Maple Street",
    "Oak Avenue",
    "Cedar Lane",
    "Elm Street",
    "Pine Road",
    "Willow Way",
    "Lakeview Drive",
    "Hillcrest Road",
    "Sunset Boulevard",
    "River Road",
    "Park Avenue",
    "Main Street",
    "Broadway",
    "Highland Avenue",
    "Chestnut Street",
    "Spruce Court",
    "Laurel Lane",
    "Meadow Lane",
    "Forest Avenue",
    "Church Street",
)
CITIES = (  # city, state, zip prefix (three digits)
    ("New York", "NY", "100"),
    ("Brooklyn", "NY", "112"),
    ("Boston", "MA", "021"),
    ("Philadelphia", "PA", "191"),
    ("Washington", "DC", "200"),
    ("Atlanta", "GA", "303"),
    ("Miami", "FL", "331"),
    ("Chicago", "IL", "606"),
    ("Detroit", "MI", "482"),
    ("Minneapolis", "MN", "554"),
    ("Denver", "CO", "802"),
    ("Austin", "TX", "787"),
    ("Houston", "TX", "770"),
    ("Dallas", "TX", "752"),
    ("Phoenix", "AZ", "850"),
    ("Seattle", "WA", "981"),
    ("Portland", "OR", "972"),
    ("San Francisco", "CA", "941"),
    ("Los Angeles", "CA", "900"),
    ("San Diego", "CA", "921"),
    ("Columbus", "OH", "432"),
    ("Charlotte", "NC", "282"),
    ("Nashville", "TN", "372"),
    ("Fort Worth", "TX", "761"),
    ("San Antonio", "TX", "782"),
    ("Jacksonville", "FL", "322"),
    ("Indianapolis", "IN", "462"),
    ("Las Vegas", "NV", "891"),
)
CARD_BRANDS = ("visa", "mastercard", "amex", "discover")


def generate(seed: int) -> dict:
    """Every table's rows for ``seed``."""
    rng = random.Random(seed)
    ids = _Ids(rng)
    products, variants = _catalogue(rng, ids)
    users, methods = _users(rng, ids)
    orders, items = _orders(rng, ids, users, methods, products, variants)
    return {User: users, PaymentMethod: methods, Product: products, Variant: variants, Order: orders, OrderItem: items}


class _Ids:
    """Random numeric ids, unique within the dataset."""

    def __init__(self, rng: random.Random):
        self.rng, self.used = rng, set()

    def digits(self, n: int) -> str:
        while True:
            value = str(self.rng.randrange(10 ** (n - 1), 10**n))
            if value not in self.used:
                self.used.add(value)
                return value


def random_address(rng: random.Random) -> dict:
    city, state, prefix = rng.choice(CITIES)
    second = rng.choice(("", "", f"Apt {rng.randint(1, 40)}{rng.choice('ABCD')}", f"Suite {rng.randint(100, 999)}"))
    return {
        "address1": f"{rng.randint(10, 9999)} {rng.choice(STREETS)}",
        "address2": second,
        "city": city,
        "state": state,
        "country": "USA",
        "zip": f"{prefix}{rng.randint(1, 99):02d}",
    }


def _catalogue(rng: random.Random, ids: _Ids) -> tuple[list, list]:
    products, variants = [], []
    for name, base, options in CATALOGUE:
        product_id = ids.digits(10)
        products.append({"id": product_id, "name": name})
        combos = list(itertools.product(*options.values()))
        chosen = rng.sample(combos, min(VARIANTS_PER_PRODUCT, len(combos)))
        for k, combo in enumerate(chosen):
            variants.append(
                {
                    "id": ids.digits(10),
                    "product": product_id,
                    "options": dict(zip(options, combo)),
                    "price": round(base * rng.uniform(0.85, 1.25), 2),
                    "available": k < 2 or rng.random() < 0.75,  # every product keeps two buyable variants
                }
            )
    return products, variants


def _users(rng: random.Random, ids: _Ids) -> tuple[list, list]:
    users, methods, seen = [], [], set()
    while len(users) < USERS:
        first, last, address = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES), random_address(rng)
        if (first, last, address["zip"]) in seen:  # name + zip must identify one user
            continue
        seen.add((first, last, address["zip"]))
        number = ids.digits(4)
        user_id = f"{first}_{last}_{number}".lower()
        email = f"{first}.{last}{number}@{rng.choice(('example.com', 'example.org', 'example.net'))}".lower()
        users.append({"id": user_id, "first_name": first, "last_name": last, "email": email, "address": address})
        sources = rng.sample(("credit_card", "paypal", "gift_card"), rng.choice((1, 2, 2, 3)))
        if rng.random() < 0.2 and "credit_card" in sources:
            sources.append("credit_card")  # a second card
        for source in sorted(sources):
            method = {"id": f"{source}_{ids.digits(7)}", "user": user_id, "source": source}
            if source == "credit_card":
                method.update(brand=rng.choice(CARD_BRANDS), last_four=f"{rng.randrange(10000):04d}")
            elif source == "gift_card":
                method["balance"] = float(rng.randint(0, 300))
            methods.append(method)
    return users, methods


def _orders(rng, ids, users, methods, products, variants) -> tuple[list, list]:
    by_user: dict[str, list] = {}
    for m in methods:
        by_user.setdefault(m["user"], []).append(m)
    by_product: dict[str, list] = {}
    for v in variants:
        by_product.setdefault(v["product"], []).append(v)
    names = {p["id"]: p["name"] for p in products}
    orders, items = [], []
    statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    for user in users:
        for _ in range(1 + (rng.random() < 0.6) + (rng.random() < 0.4)):
            order_id = f"#W{ids.digits(7)}"
            status = rng.choices(statuses, weights)[0]
            chosen = rng.sample(products, rng.choices((1, 2, 3, 4, 5), (30, 30, 20, 12, 8))[0])
            lines = []
            for n, product in enumerate(chosen, 1):
                v = rng.choice(by_product[product["id"]])
                lines.append(
                    {
                        "id": f"{order_id}/{n}",
                        "order": order_id,
                        "product": product["id"],
                        "variant": v["id"],
                        "name": names[product["id"]],
                        "options": v["options"],
                        "price": v["price"],
                        "request": None,
                        "new_variant": None,
                    }
                )
            method = rng.choice(by_user[user["id"]])
            total = round(sum(line["price"] for line in lines), 2)
            order = {
                "id": order_id,
                "user": user["id"],
                "status": status,
                "fulfilments": [],
                "cancel_reason": None,
                "items_modified": False,
                "address": user["address"] if rng.random() < 0.85 else random_address(rng),
                "placed_on": f"2025-{rng.randint(1, 5):02d}-{rng.randint(1, 28):02d}"
                if status != "pending"
                else f"2025-05-{rng.randint(20, 31)}",
                "payment_history": [{"type": "payment", "amount": total, "payment_method_id": method["id"]}],
            }
            _apply_status(rng, ids, order, lines, by_product, method)
            orders.append(order)
            items.extend(lines)
    return orders, items


def _apply_status(rng, ids, order, lines, by_product, method) -> None:
    """Give an order the history its status implies: shipments, refunds, requests, a past modification."""
    status, history = order["status"], order["payment_history"]
    if status in ("processed", "delivered", "return requested", "exchange requested"):
        cut = rng.randint(1, len(lines)) if len(lines) > 2 else len(lines)
        groups = [lines[:cut], lines[cut:]]
        order["fulfilments"] = [
            {"tracking_id": ids.digits(12), "item_ids": [x["variant"] for x in g]} for g in groups if g
        ]
    if status == "cancelled":
        order["cancel_reason"] = rng.choice(CANCEL_REASONS)
        history.append({"type": "refund", "amount": history[0]["amount"], "payment_method_id": method["id"]})
    elif status == "return requested":
        returned = rng.sample(lines, rng.randint(1, len(lines)))
        for line in returned:
            line["request"] = "return"
        amount = round(sum(x["price"] for x in returned), 2)
        history.append({"type": "refund", "amount": amount, "payment_method_id": method["id"]})
    elif status in ("exchange requested", "pending"):
        if status == "pending" and rng.random() > 0.12:
            return
        line = rng.choice(lines)
        other = rng.choice([v for v in by_product[line["product"]] if v["id"] != line["variant"] and v["available"]])
        difference = round(other["price"] - line["price"], 2)
        if status == "pending":  # an earlier item modification, which the policy allows once
            line.update(variant=other["id"], options=other["options"], price=other["price"])
            order["items_modified"] = True
        else:
            line.update(request="exchange", new_variant=other["id"])
        if difference:
            kind = "payment" if difference > 0 else "refund"
            history.append({"type": kind, "amount": abs(difference), "payment_method_id": method["id"]})
