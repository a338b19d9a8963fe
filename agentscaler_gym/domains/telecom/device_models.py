"""User-side table: the customer's phone, one row per line (keyed by the SIM's phone number).

The phone cannot see the provider's database. What it knows of the network is what the network
told it at its last registration: ``network_block``. A new registration (reboot, airplane mode
off, SIM reseated) or a new data attach (also mobile data or data roaming switched on) asks the
network again; the simulation assumes the provider side has been fixed by then, and the reward
still checks that it was.
"""

import peewee as pw

from ...database import Model

CARRIER = "FastNet"
CARRIER_APN = "internet.fastnet"
SUSPENDED = "line suspended"
DATA_CAP = "data allowance used up"
NO_ROAMING = "roaming not enabled"
DATA_BLOCKS = (DATA_CAP, NO_ROAMING)  # lifted by a new data attach; SUSPENDED needs a new registration


class Device(Model):
    phone_number = pw.CharField(primary_key=True)
    model = pw.CharField()
    network_type = pw.CharField()  # best radio the phone supports: 5G | LTE
    location = pw.CharField()  # 'home' or the country the phone is in
    signal_bars = pw.IntegerField()  # 1-4 at the current location
    airplane_mode = pw.BooleanField(default=False)
    mobile_data = pw.BooleanField(default=True)
    data_roaming = pw.BooleanField(default=False)
    sim_seated = pw.BooleanField(default=True)
    apn_name = pw.CharField()
    data_used_gb = pw.FloatField(default=0.0)  # the phone's own counter for this cycle
    network_block = pw.CharField(default="")  # '' | line suspended | data allowance used up | roaming not enabled


MODELS = (Device,)
