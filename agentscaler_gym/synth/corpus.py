"""Stage 1 of synthesis: an API corpus, normalised to ``ApiSpec``.

Flow: **corpus** -> tool graph -> domains -> schema -> tools -> tasks -> registry.
Every loader yields ``ApiSpec`` and counts what it drops (``Corpus.dropped``); bad input never raises.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ApiSpec:
    """One callable API, in the internal form the synthesis pipeline consumes."""

    name: str  # unique snake_case tool name within a corpus
    description: str
    parameters: dict  # JSON schema object: {"type": "object", "properties": {...}, "required": [...]}
    returns: dict  # JSON schema of the output, {} if undeclared
    category: str  # theme / API title when known
    source: str  # which corpus and where in it (file, API title)


@dataclass
class Corpus:
    apis: list[ApiSpec]
    dropped: collections.Counter = field(default_factory=collections.Counter)  # reason -> count
    name: str = ""


def load_corpus(source: str) -> Corpus:
    """Load ``builtin`` | ``bfcl[:PATH]`` | ``openapi:DIR`` | ``toolbench:PATH`` | ``PATH.json/.jsonl``."""
    raise NotImplementedError(source)
