"""User-side tools: what the customer can check and change on their own phone.

The agent cannot call these; it asks the customer to. Each names the phone by the number of the
SIM in it. What the phone shows is computed from its own row only (see ``device_models``).
"""

from __future__ import annotations

from ...tools import READ, WRITE, tool
from ..common import lookup
from .device_models import CARRIER, CARRIER_APN, DATA_BLOCKS, DATA_CAP, SUSPENDED, Device
from .tools import normalise_phone

_BASE_MBPS = {"5G": 240.0, "LTE": 60.0}


def _device(phone_number: str) -> Device:
    return lookup(
        Device, lambda: f"no phone with the number {phone_number!r}", phone_number=normalise_phone(phone_number)
    )


def _abroad(device: Device) -> bool:
    return device.location != "home"


def _no_service(device: Device) -> str | None:
    """Why the phone cannot use the network at all, or None."""
    if device.airplane_mode:
        return "airplane mode is on"
    if not device.sim_seated:
        return "no SIM card detected"
    if device.network_block == SUSPENDED:
        return "emergency calls only: the network refused the SIM"
    return None


def _no_data(device: Device) -> str | None:
    """Why the phone has no mobile data, or None."""
    if _no_service(device):
        return _no_service(device)
    if not device.mobile_data:
        return "mobile data is off"
    if _abroad(device) and not device.data_roaming:
        return "data roaming is off"
    if device.apn_name != CARRIER_APN:
        return "connected to the network but no internet (the APN was not accepted)"
    if device.network_block in DATA_BLOCKS:
        return f"the network blocks data: {device.network_block}"
    return None


def _status_bar(device: Device) -> str:
    if device.airplane_mode:
        return "airplane icon, no signal bars"
    if not device.sim_seated:
        return "'No SIM', no signal bars"
    if device.network_block == SUSPENDED:
        return "'SOS only', no signal bars"
    parts = [f"{device.signal_bars}/4 signal bars", device.network_type]
    if _abroad(device):
        parts.append("roaming indicator R")
    parts.append("mobile data arrows" if _no_data(device) is None else "no mobile data indicator")
    return ", ".join(parts)


def _save(device: Device, message: str) -> str:
    device.save()
    return f"{message} Status bar: {_status_bar(device)}."


def _register(device: Device) -> None:
    """The phone registers with the network again and gets a fresh answer."""
    device.network_block = ""


def _attach_data(device: Device) -> None:
    """The phone asks the network for data again: data blocks get a fresh answer."""
    if device.network_block in DATA_BLOCKS:
        device.network_block = ""


# -- read tools ----------------------------------------------------------------------------------


@tool(READ)
def check_status_bar(phone_number: str) -> str:
    """Look at the icons in your phone's status bar: signal, network type, airplane mode, data.

    Args:
        phone_number: The phone number of the SIM in your phone, such as '555-123-4567'.
    """
    return f"Status bar: {_status_bar(_device(phone_number))}."


@tool(READ)
def check_network_status(phone_number: str) -> str:
    """Open your phone's network settings page: carrier, registration, signal and data connection.

    Args:
        phone_number: The phone number of the SIM in your phone, such as '555-123-4567'.
    """
    device = _device(phone_number)
    service = _no_service(device)
    where = f", roaming in {device.location}" if _abroad(device) else ""
    lines = [
        f"Carrier: {CARRIER}{where}",
        f"Network: {service}"
        if service
        else f"Network: registered on {device.network_type}, signal {device.signal_bars}/4",
        f"Mobile data: {'on' if device.mobile_data else 'off'}; data roaming: {'on' if device.data_roaming else 'off'}",
        f"Data connection: {_no_data(device) or 'connected'}",
    ]
    return "\n".join(lines)


@tool(READ)
def check_apn_settings(phone_number: str) -> str:
    """Open your phone's access point name (APN) settings.

    Args:
        phone_number: The phone number of the SIM in your phone, such as '555-123-4567'.
    """
    device = _device(phone_number)
    return f"APN name: {device.apn_name!r}" if device.apn_name else "APN name: (none set)"


@tool(READ)
def check_data_usage(phone_number: str) -> str:
    """Open your phone's data usage page for the current cycle.

    Args:
        phone_number: The phone number of the SIM in your phone, such as '555-123-4567'.
    """
    device = _device(phone_number)
    text = f"Mobile data used this cycle: {device.data_used_gb} GB. Mobile data is {'on' if device.mobile_data else 'off'}."
    if device.network_block == DATA_CAP:
        text += f" Notification from {CARRIER}: your data allowance is used up; data is paused."
    return text


@tool(READ)
def run_speed_test(phone_number: str) -> str:
    """Run a speed test over mobile data.

    Args:
        phone_number: The phone number of the SIM in your phone, such as '555-123-4567'.
    """
    device = _device(phone_number)
    problem = _no_data(device)
    if problem:
        return f"Speed test failed: no internet connection ({problem})."
    download = _BASE_MBPS[device.network_type] * device.signal_bars / 4 * (0.4 if _abroad(device) else 1.0)
    latency = 22 + 12 * (4 - device.signal_bars) + (90 if _abroad(device) else 0)
    quality = "excellent" if download >= 50 else "good" if download >= 10 else "fair"
    return f"Download {download:.1f} Mbps, upload {download / 6:.1f} Mbps, latency {latency} ms ({quality})."


# -- write tools ---------------------------------------------------------------------------------


@tool(WRITE)
def toggle_airplane_mode(phone_number: str) -> str:
    """Switch airplane mode on or off. Switching it off makes the phone register with the network again.

    Args:
        phone_number: The phone number of the SIM in your phone, such as '555-123-4567'.
    """
    device = _device(phone_number)
    device.airplane_mode = not device.airplane_mode
    if not device.airplane_mode:
        _register(device)
    return _save(device, f"Airplane mode is now {'ON' if device.airplane_mode else 'OFF'}.")


@tool(WRITE)
def toggle_mobile_data(phone_number: str) -> str:
    """Switch mobile data on or off.

    Args:
        phone_number: The phone number of the SIM in your phone, such as '555-123-4567'.
    """
    device = _device(phone_number)
    device.mobile_data = not device.mobile_data
    if device.mobile_data:
        _attach_data(device)
    return _save(device, f"Mobile data is now {'ON' if device.mobile_data else 'OFF'}.")


@tool(WRITE)
def toggle_data_roaming(phone_number: str) -> str:
    """Switch data roaming on or off (mobile data outside your home country).

    Args:
        phone_number: The phone number of the SIM in your phone, such as '555-123-4567'.
    """
    device = _device(phone_number)
    device.data_roaming = not device.data_roaming
    if device.data_roaming and _abroad(device):
        _attach_data(device)
    return _save(device, f"Data roaming is now {'ON' if device.data_roaming else 'OFF'}.")


@tool(WRITE)
def reset_apn_settings(phone_number: str) -> str:
    """Reset the access point name (APN) settings to the carrier's default.

    Args:
        phone_number: The phone number of the SIM in your phone, such as '555-123-4567'.
    """
    device = _device(phone_number)
    device.apn_name = CARRIER_APN
    _attach_data(device)
    return _save(device, f"APN settings reset to the {CARRIER} default.")


@tool(WRITE)
def reseat_sim_card(phone_number: str) -> str:
    """Take the SIM card out and put it back in firmly; the phone registers with the network again.

    Args:
        phone_number: The phone number of the SIM in your phone, such as '555-123-4567'.
    """
    device = _device(phone_number)
    device.sim_seated = True
    _register(device)
    return _save(device, "The SIM card is back in place.")


@tool(WRITE)
def reboot_device(phone_number: str) -> str:
    """Restart the phone; it registers with the network again. Settings are kept.

    Args:
        phone_number: The phone number of the SIM in your phone, such as '555-123-4567'.
    """
    device = _device(phone_number)
    _register(device)
    return _save(device, "The phone restarted.")


DEVICE_TOOLS = (
    check_status_bar,
    check_network_status,
    check_apn_settings,
    check_data_usage,
    run_speed_test,
    toggle_airplane_mode,
    toggle_mobile_data,
    toggle_data_roaming,
    reset_apn_settings,
    reseat_sim_card,
    reboot_device,
)
