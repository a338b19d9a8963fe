"""Which phone tools a message asks the user to use: the fast scan equals the plain one on any text."""

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentscaler_gym import user_acts
from agentscaler_gym.user_acts import DEVICE_PHRASES, device_request, device_tools_named, words

TOOLS = [
    "check_status_bar",
    "check_network_status",
    "check_apn_settings",
    "check_data_usage",
    "run_speed_test",
    "toggle_airplane_mode",
    "toggle_mobile_data",
    "toggle_data_roaming",
    "reset_apn_settings",
    "reseat_sim_card",
    "reboot_device",
]
OTHER_TOOLS = ["toggle_wifi", "get_details", "reboot", "data_roaming"]


def plain_device_tools_named(text, tools):
    """The definition: every tool's name, spaced name and phrase pattern searched in full."""
    found = []
    for name in tools:
        spots = [p for p in (text.find(name), text.find(name.replace("_", " "))) if p >= 0]
        phrases = DEVICE_PHRASES.get(name)
        pattern = re.compile("|".join(rf"(?<![\w])(?:{p})" for p in phrases)) if phrases else None
        if pattern and not (name.startswith("toggle_") and not user_acts.TOGGLE_VERBS.search(text)):
            m = pattern.search(text)
            if m:
                spots.append(m.start())
        if spots:
            found.append((min(spots), name))
    found.sort()
    names = [n for _, n in found]
    if "reset_apn_settings" in names and "check_apn_settings" in names and not re.search(r"\bcheck\b", text):
        names.remove("check_apn_settings")
    if "reseat_sim_card" in names and "check_status_bar" in names and not re.search(r"status bar|screen", text):
        names.remove("check_status_bar")
    return names


def plain_device_request(text):
    return not (
        user_acts.SELF_PROPOSAL.search(text)
        or user_acts.ANYTHING_ELSE.search(text)
        or re.search(r"\b(confirm|proceed)\b", text)
    )


PHRASES = [p for phrases in DEVICE_PHRASES.values() for p in phrases]
FILLER = ["please", "your", "the", "phone", "is", "on", "off", "and", "then", "data", "mode", "apn", "sim", "test"]
FILLER += ["check", "screen", "status", "bar", "network", "shall i", "confirm", "proceed", "anything else", "?"]
VERBS = ["turn", "switch", "toggle", "enable", "disable", "activate", "deactivate", "put", "take", "turned"]

token = st.one_of(
    st.sampled_from(FILLER + VERBS),
    st.sampled_from(TOOLS + OTHER_TOOLS).flatmap(lambda n: st.sampled_from([n, n.replace("_", " "), n.upper()])),
    st.sampled_from(PHRASES).flatmap(lambda p: st.from_regex(p, fullmatch=True)),
    st.text(alphabet="abdeilmnoprstu _-'", max_size=5),
)
separator = st.sampled_from([" ", " ", "", "_", "-", ", ", ". ", "'", "\n"])
texts = st.lists(st.tuples(token, separator), max_size=12).map(lambda parts: "".join(a + b for a, b in parts))
tool_sets = st.one_of(
    st.just(TOOLS), st.permutations(TOOLS), st.lists(st.sampled_from(TOOLS + OTHER_TOOLS), unique=True, max_size=8)
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts, tool_sets, st.booleans())
def test_device_tools_named_equals_the_plain_search(text, tools, normalised):
    text = words(text) if normalised else text
    tools = dict.fromkeys(tools)
    assert device_tools_named(text, tools) == plain_device_tools_named(text, tools)
    assert device_request(text) == plain_device_request(text)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(sorted(DEVICE_PHRASES)).flatmap(
        lambda n: st.tuples(st.just(n), st.sampled_from(DEVICE_PHRASES[n]))
    ),
    st.data(),
)
def test_every_phrase_match_holds_a_required_string(name_phrase, data):
    name, phrase = name_phrase
    said = data.draw(st.from_regex(phrase, fullmatch=True))
    m = user_acts._phrases(name).search(f" {said} ")
    assert m is not None
    assert any(s in m.group() for s in user_acts._required(user_acts._phrases(name)))


def test_every_phone_tool_has_a_prefilter():
    """Each phrase pattern yields required strings, so a message naming none skips its search."""
    required = {name: user_acts._required(user_acts._phrases(name)) for name in DEVICE_PHRASES}
    assert all(required.values()), required
    assert required["reboot_device"] == {"restart", "reboot", " off and ", "power"}
    assert required["toggle_data_roaming"] == {"roaming"}
