"""Source groups: which APIs come from one source, and which sources share a theme.

A domain should hold the tools of one real-world service, so synthesis groups APIs by source
before any similarity clustering, and the coherence measure asks the same question of a finished
domain. The *source group* of an API is:

- its category when the corpus names one: the API title of an OpenAPI document, the theme file of
  the built-in corpus, the API file of BFCL's multi-turn function docs, a ToolBench tool;
- otherwise (single functions: BFCL's question files, plain function lists) its *function family*:
  the first two content words of its name, verbs (computations such as ``hypot`` included),
  stopwords, numbers and generic words left out (``calculate_compound_interest`` -> ``compound
  interest``, ``alarm_1_add_alarm`` -> ``alarm``, ``math.hypot`` -> ``math``,
  ``hilton_hotel_check_availability`` -> ``hilton hotel``).

The *theme words* of a group are the content words of its name. Groups are *the same theme* when
one theme word is common to all of them (``compound interest`` and ``simple interest`` are;
``car rental`` and ``restaurant reservations`` are not). A domain whose tools come from groups
that are not the same theme *mixes sources*: that is the coherence measure
(:func:`mixes_sources`), and what :func:`cluster_labels` keeps from happening.

Families are small (most BFCL functions are alone in theirs), so families are pooled under one
theme word each before clustering: the word of the family that most families share
(``interest`` for ``compound interest``); every family in a pool holds that word, so a domain cut
from one pool is one theme by the definition above. A named category is never pooled.
"""

from __future__ import annotations

import collections
from collections.abc import Iterable, Sequence
from typing import Any

from .words import (
    COMPUTE_WORDS,
    CREATE_VERBS,
    DELETE_VERBS,
    GET_VERBS,
    LIST_VERBS,
    MUTATING_VERBS,
    STOPWORDS,
    UPDATE_VERBS,
    singular,
    words,
)

# words that name no theme: what a name says about the call, the data shape or the corpus
GENERIC = frozenset(
    """
    api apis service services v1 v2 v3 info information detail details data item items record records
    result results new current all by id ids function tool tools request response query search find
    check calculate compute estimate determine analyze analyse generate make run perform execute
    convert predict evaluate identify count total top latest recent specific custom default basic
    simple advanced main general common quick full my user users client manager management
    """.split()
)
_VERBS = GET_VERBS | LIST_VERBS | CREATE_VERBS | UPDATE_VERBS | DELETE_VERBS | MUTATING_VERBS | COMPUTE_WORDS
FAMILY_WORDS = 2  # content words of a function's name that name its family


def theme_words(group: str) -> list[str]:
    """The content words of a group name, singular, in order (``Memory KV`` -> ``['memory', 'kv']``)."""
    out: list[str] = []
    for w in words(group):
        w = singular(w)
        if len(w) > 1 and not w.isdigit() and w not in STOPWORDS and w not in GENERIC and w not in _VERBS:
            if w not in out:
                out.append(w)
    return out


def family(name: str) -> str:
    """A function's family: the first content words of its name (``get_team_stats_top`` -> ``team stat``)."""
    return " ".join(theme_words(name)[:FAMILY_WORDS])


def source_group(api: Any) -> str:
    """The source group of an :class:`~agentscaler_gym.synth.corpus.ApiSpec` (see the module docstring)."""
    category = (api.category or "").strip()
    return category if category else family(api.name)


def same_theme(groups: Iterable[str]) -> bool:
    """Whether these source groups share a theme: one theme word common to all of them (one group always does)."""
    distinct = sorted(set(groups))
    if len(distinct) <= 1:
        return True
    common = set(theme_words(distinct[0]))
    for group in distinct[1:]:
        common &= set(theme_words(group))
    return bool(common)


def mixes_sources(groups: Iterable[str]) -> bool:
    """The coherence measure of one domain, given the source groups of its tools."""
    return not same_theme(groups)


def cluster_labels(apis: Sequence[Any]) -> tuple[list[str], list[str]]:
    """Per API, its source group and the label of the pool it is clustered in.

    A named category is its own pool (``category:<title>``); a family joins the pool of its theme
    word shared by most families (``theme:<word>``; ties: the word earlier in the name); an API
    whose name has no content word is a pool of its own (``api:<name>``), which stays a lone tool.
    """
    groups = [source_group(a) for a in apis]
    named = [bool((a.category or "").strip()) for a in apis]
    families = {g for g, n in zip(groups, named) if not n}
    spread = collections.Counter(w for g in families for w in theme_words(g))
    labels: list[str] = []
    for api, group, is_named in zip(apis, groups, named):
        if is_named:
            labels.append(f"category:{group}")
            continue
        ws = theme_words(group)
        if not ws:
            labels.append(f"api:{api.name}")
            continue
        labels.append("theme:" + max(ws, key=lambda w: (spread[w], -ws.index(w))))
    return groups, labels
