"""Stage 1 of synthesis: every corpus loader yields clean, unique ApiSpecs and counts what it drops."""

from __future__ import annotations

import json
import re
import tarfile
import zipfile
from collections import Counter, defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentscaler_gym.synth.corpus import APIS_DIR, ApiSpec, load_corpus, snake

READ_VERBS = {"get", "list", "search", "find", "check", "lookup", "track"}  # check_in_* is a write


def is_read(name: str) -> bool:
    return name.split("_")[0] in READ_VERBS and not name.startswith("check_in")


TYPES = {"string", "integer", "number", "boolean", "array", "object"}


def by_name(corpus) -> dict[str, ApiSpec]:
    return {api.name: api for api in corpus.apis}


def write_json(path, data) -> str:
    path.write_text(json.dumps(data))
    return str(path)


def fn(name, description="Does a thing.", **properties) -> dict:
    props = {k: {"type": v, "description": f"The {k}."} for k, v in properties.items()}
    return {
        "name": name,
        "description": description,
        "parameters": {"type": "object", "properties": props, "required": list(props)[:1]},
    }


# ---------------------------------------------------------------------------------------------
# The built-in corpus


THEMES = sorted(p.stem for p in APIS_DIR.glob("*.json"))  # one file per theme


@pytest.fixture(scope="module")
def builtin():
    return load_corpus("builtin")


def test_builtin_corpus_has_over_300_apis_in_over_20_themes_and_drops_none(builtin):
    assert len(builtin.apis) >= 300
    assert len(THEMES) >= 20
    assert set(builtin.by_category()) == set(THEMES)
    assert not builtin.dropped
    assert all(len(apis) >= 12 for apis in builtin.by_category().values())


def test_builtin_names_are_unique_snake_case_without_renaming(builtin):
    names = [api.name for api in builtin.apis]
    assert len(set(names)) == len(names)
    for theme in THEMES:
        for api in builtin.by_category()[theme]:
            assert re.fullmatch(r"[a-z][a-z0-9_]*", api.name)
            assert api.source == f"builtin:{theme}.json"
    # no built-in name needed a theme prefix to be unique: themes name their tools distinctly
    assert not [n for n in names if any(n.startswith(t + "_") for t in THEMES)]


def test_builtin_specs_document_every_parameter_and_output(builtin):
    for api in builtin.apis:
        assert api.description.endswith(".") and len(api.description) > 20, api.name
        props = api.parameters["properties"]
        assert props and set(api.parameters["required"]) <= set(props), api.name
        for name, prop in props.items():
            assert prop["type"] in TYPES and prop["description"], (api.name, name)
            if prop["type"] == "array":
                assert prop["items"]["type"] in TYPES, (api.name, name)
        assert api.returns["type"] == "object" and api.returns["properties"], api.name


def test_every_builtin_theme_has_reads_and_writes(builtin):
    for theme, apis in builtin.by_category().items():
        verbs = Counter("read" if is_read(api.name) else "write" for api in apis)
        assert verbs["read"] >= 4 and verbs["write"] >= 4, (theme, verbs)


def test_every_builtin_theme_shares_id_keys_and_status_enums(builtin):
    for theme, apis in builtin.by_category().items():
        users = defaultdict(int)
        for api in apis:
            for name in api.parameters["properties"]:
                if name.endswith("_id"):
                    users[name] += 1
        shared = [name for name, count in users.items() if count >= 3]
        assert len(shared) >= 2, (theme, dict(users))
        enums = [
            name
            for api in apis
            for schema in (api.parameters, api.returns)
            for name, prop in schema["properties"].items()
            if "enum" in prop and "status" in name
        ]
        assert enums, theme


def test_builtin_parameters_use_every_scalar_type_and_arrays(builtin):
    used = Counter(prop["type"] for api in builtin.apis for prop in api.parameters["properties"].values())
    assert {"string", "integer", "number", "boolean", "array"} <= set(used)
    formats = {prop.get("format") for api in builtin.apis for prop in api.parameters["properties"].values()}
    assert {"date", "date-time"} <= formats


def test_builtin_load_is_deterministic(builtin):
    assert load_corpus("builtin").apis == builtin.apis


# ---------------------------------------------------------------------------------------------
# OpenAI-style function lists


def test_openai_json_accepts_bare_wrapped_and_tools_forms(tmp_path):
    wrapped = {"type": "function", "function": fn("getWeather", city="string")}
    path = write_json(
        tmp_path / "fns.json",
        [fn("add_numbers", a="integer", b="number"), wrapped, {"tools": [fn("send_email", to="string")]}],
    )
    corpus = load_corpus(path)
    assert [api.name for api in corpus.apis] == ["add_numbers", "get_weather", "send_email"]
    assert corpus.apis[0].parameters == {
        "type": "object",
        "properties": {
            "a": {"type": "integer", "description": "The a."},
            "b": {"type": "number", "description": "The b."},
        },
        "required": ["a"],
    }
    assert corpus.apis[0].returns == {} and corpus.apis[0].source == "file:fns.json"
    assert not corpus.dropped


def test_openai_loader_snake_cases_parameters_and_keeps_required_in_step(tmp_path):
    spec = {
        "name": "Orders.getByUser",
        "description": "Orders of a user.",
        "parameters": {
            "type": "object",
            "properties": {"userId": {"type": "string"}, "pageSize": {"type": "int"}},
            "required": ["userId"],
        },
        "returns": {"type": "object", "properties": {"orderIds": {"type": "array", "items": {"type": "string"}}}},
    }
    api = load_corpus(write_json(tmp_path / "a.json", [spec])).apis[0]
    assert api.name == "orders_get_by_user"
    assert api.parameters["properties"] == {
        "user_id": {"type": "string", "description": ""},
        "page_size": {"type": "integer", "description": ""},
    }
    assert api.parameters["required"] == ["user_id"]
    assert api.returns["properties"]["order_ids"]["items"]["type"] == "string"


def test_openai_loader_drops_unusable_specs_with_counted_reasons(tmp_path):
    specs = [
        fn("ok", x="string"),
        fn("ok", x="string"),  # duplicate: same name and parameters
        fn("no_params"),  # declares an empty parameter object: a call with no arguments
        {"name": "undeclared", "description": "Parameters not stated."},
        {**fn("no_desc", x="string"), "description": ""},
        fn("anything", x="any"),
        fn("with_file", x="file"),
        "not a spec",
        {"description": "nameless", "parameters": {}},
        {**fn("bad_params", x="string"), "parameters": ["x"]},
    ]
    corpus = load_corpus(write_json(tmp_path / "mixed.json", specs))
    assert [api.name for api in corpus.apis] == ["ok", "no_params"]
    assert corpus.apis[1].parameters == {"type": "object", "properties": {}, "required": []}
    assert corpus.dropped == Counter({
        "duplicate": 1, "no parameters": 1, "no description": 1, "unsupported type: any": 1,
        "unsupported type: file": 1, "malformed entry": 3,
    })  # fmt: skip


def test_an_unusable_output_schema_is_left_out_not_a_reason_to_drop(tmp_path):
    specs = [
        {**fn("a", x="string"), "returns": {"type": "any"}},
        {**fn("b", x="string"), "returns": {"$ref": "#/nowhere"}},
        {
            **fn("c", x="string"),
            "returns": {"type": "object", "properties": {"ok": {"type": "string"}, "odd": {"type": "any"}}},
        },
    ]
    corpus = load_corpus(write_json(tmp_path / "r.json", specs))
    assert [api.returns for api in corpus.apis[:2]] == [{}, {}]
    assert corpus.apis[2].returns["properties"] == {"ok": {"type": "string", "description": ""}}


def test_jsonl_bad_lines_are_counted_and_the_rest_kept(tmp_path):
    lines = [
        json.dumps(fn("first", q="string")),
        '{"name": "trunc',
        json.dumps({"type": "function", "function": fn("second", q="string")}),
    ]
    path = tmp_path / "fns.jsonl"
    path.write_text("\n".join(lines) + "\n")
    corpus = load_corpus(str(path))
    assert [api.name for api in corpus.apis] == ["first", "second"]
    assert corpus.dropped == Counter({"malformed entry": 1})


def test_truncated_json_file_is_one_malformed_file(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text(json.dumps([fn("a", x="string"), fn("b", x="string")])[:-30])
    corpus = load_corpus(str(path))
    assert corpus.apis == [] and corpus.dropped == Counter({"malformed file": 1})


def test_lines_nested_past_the_recursion_limit_are_counted_skips(tmp_path):
    path = tmp_path / "deep.jsonl"
    lines = ["[" * 100_000, '{"tools": ' * 2_000 + "[]" + "}" * 2_000, json.dumps(fn("get_thing", thing_id="string"))]
    path.write_text("\n".join(lines) + "\n")
    corpus = load_corpus(str(path))
    assert [a.name for a in corpus.apis] == ["get_thing"]
    assert corpus.dropped == Counter({"malformed entry": 2})
    whole = tmp_path / "deep.json"
    whole.write_text("[" * 100_000)
    assert load_corpus(str(whole)).dropped == Counter({"malformed file": 1})


def test_missing_source_is_counted_not_raised(tmp_path):
    corpus = load_corpus(str(tmp_path / "nowhere.json"))
    assert corpus.apis == [] and corpus.dropped == Counter({"unreadable source: FileNotFoundError": 1})


def test_same_name_with_different_parameters_is_a_near_duplicate_kept_once(tmp_path):
    corpus = load_corpus(
        write_json(
            tmp_path / "f.json", [fn("lookup", a="string"), fn("lookup", b="string"), fn("lookup_2", c="string")]
        )
    )
    assert [api.name for api in corpus.apis] == ["lookup", "lookup_2"]
    assert corpus.apis[0].parameters["properties"].keys() == {"a"}
    assert corpus.dropped == Counter({"near-duplicate: same name": 1})


def test_same_name_in_two_categories_gets_a_distinct_name():
    from agentscaler_gym.synth.corpus import _collect

    def load(add):
        add.add("lookup", "Find a pet.", {"type": "object", "properties": {"a": {"type": "string"}}}, None, "pets")
        add.add("lookup", "Find a car.", {"type": "object", "properties": {"b": {"type": "string"}}}, None, "cars")

    apis = _collect("x", load).apis
    assert [api.name for api in apis] == ["lookup", "cars_lookup"]
    assert [api.own_name for api in apis] == ["", "lookup"]  # the slug is a namespace


def test_long_names_are_cut_to_64_characters_and_stay_distinct(tmp_path):
    long = "fetch_" + "very_" * 20
    corpus = load_corpus(write_json(tmp_path / "f.json", [fn(long + "a", x="string"), fn(long + "b", x="string")]))
    names = [api.name for api in corpus.apis]
    assert all(len(n) <= 64 for n in names) and len(set(names)) == 2


@pytest.mark.parametrize(
    "text, expected",
    [
        ("getUserByID", "get_user_by_id"),
        ("math.hypot", "math_hypot"),
        ("X-Request-Id", "x_request_id"),
        ("get_/pets/{petId}", "get_pets_pet_id"),
        ("$$", ""),
    ],
)
def test_snake_case_names(text, expected):
    assert snake(text) == expected


def documents(leaves, keys: list[str], *, list_size: int, max_leaves: int):
    """JSON-like trees: ``leaves`` nested in lists and in objects keyed by ``keys`` (a loader's own words)."""
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=list_size) | st.dictionaries(st.sampled_from(keys), inner, max_size=5),
        max_leaves=max_leaves,
    )


FUNCTION_KEYS = [
    "name",
    "description",
    "parameters",
    "type",
    "properties",
    "items",
    "required",
    "enum",
    "function",
    "x",
]
json_values = documents(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    FUNCTION_KEYS,
    list_size=4,
    max_leaves=30,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(json_values, max_size=4))
def test_arbitrary_json_never_crashes_the_function_loader(tmp_path, records):
    corpus = load_corpus(write_json(tmp_path / "fuzz.json", records))
    for api in corpus.apis:
        assert api.parameters["type"] == "object" and api.parameters["properties"] and api.description


# ---------------------------------------------------------------------------------------------
# BFCL


def bfcl_members() -> dict[str, str]:
    simple = [
        {
            "id": "simple_0",
            "question": [],
            "function": [
                {
                    "name": "geometry.area_circle",
                    "description": "Area of a circle.",
                    "parameters": {
                        "type": "dict",
                        "properties": {
                            "radius": {"type": "float", "description": "Radius."},
                            "units": {"type": "string", "description": "Units."},
                        },
                        "required": ["radius"],
                    },
                }
            ],
        },
        {
            "id": "simple_1",
            "question": [],
            "function": [
                {
                    "name": "plot",
                    "description": "Plot points.",
                    "parameters": {
                        "type": "dict",
                        "properties": {
                            "point": {"type": "tuple", "items": {"type": "integer"}, "description": "A point."},
                            "style": {
                                "type": "dict",
                                "properties": {"color": {"type": "string"}},
                                "description": "Style.",
                            },
                        },
                        "required": ["point"],
                    },
                }
            ],
        },
        {
            "id": "simple_2",
            "question": [],
            "function": [
                {
                    "name": "eval_anything",
                    "description": "Evaluate.",
                    "parameters": {
                        "type": "dict",
                        "properties": {"value": {"type": "any", "description": "Anything."}},
                        "required": [],
                    },
                }
            ],
        },
    ]
    multiple = [
        {
            "id": "multiple_0",
            "function": [
                simple[0]["function"][0],
                {
                    "name": "now",
                    "description": "Current time.",
                    "parameters": {"type": "dict", "properties": {}, "required": []},
                },
            ],
        }
    ]
    ticket = [
        {
            "name": "close_ticket",
            "description": "Close a ticket.",
            "parameters": {
                "type": "dict",
                "properties": {"ticket_id": {"type": "integer", "description": "Ticket."}},
                "required": ["ticket_id"],
            },
            "response": {"type": "dict", "properties": {"status": {"type": "string", "description": "Outcome."}}},
        }
    ]
    multi_turn = [{"id": "multi_turn_base_0", "question": [], "involved_classes": ["TicketAPI"]}]
    jsonl = lambda records: "\n".join(json.dumps(r) for r in records) + "\n"  # noqa: E731
    return {
        "bfcl_eval/data/BFCL_v4_simple_python.json": jsonl(simple),
        "bfcl_eval/data/BFCL_v4_multiple.json": jsonl(multiple),
        "bfcl_eval/data/BFCL_v4_multi_turn_base.json": jsonl(multi_turn),
        "bfcl_eval/data/BFCL_v4_format_sensitivity.json": json.dumps({"simple_python": ["simple_python_1"]}, indent=2),
        "bfcl_eval/data/multi_turn_func_doc/ticket_api.json": jsonl(ticket),
        "bfcl_eval/data/possible_answer/BFCL_v4_simple_python.json": jsonl([{"id": "simple_0", "ground_truth": []}]),
        "bfcl_eval/__init__.py": "",
    }


def bfcl_wheel(path):
    """A BFCL wheel at ``path`` holding :func:`bfcl_members`."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in bfcl_members().items():
            archive.writestr(name, text)
    return path


def test_bfcl_wheel_maps_python_types_and_reads_function_docs(tmp_path):
    wheel = bfcl_wheel(tmp_path / "bfcl_eval-1.0-py3-none-any.whl")
    corpus = load_corpus(f"bfcl:{wheel}")
    apis = by_name(corpus)
    assert list(apis) == ["geometry_area_circle", "now", "plot", "close_ticket"]
    area = apis["geometry_area_circle"].parameters
    assert area["properties"]["radius"]["type"] == "number" and area["required"] == ["radius"]
    point = apis["plot"].parameters["properties"]
    assert point["point"] == {
        "type": "array",
        "description": "A point.",
        "items": {"type": "integer", "description": ""},
    }
    assert point["style"]["type"] == "object" and point["style"]["properties"]["color"]["type"] == "string"
    assert apis["close_ticket"].returns["properties"]["status"]["type"] == "string"
    assert apis["close_ticket"].category == "ticket_api" and apis["plot"].category == ""
    assert apis["plot"].source == "bfcl:bfcl_eval/data/BFCL_v4_simple_python.json"
    assert corpus.dropped == Counter({"unsupported type: any": 1, "duplicate": 1})
    assert apis["now"].parameters["properties"] == {}  # a function of no arguments is kept


def test_bfcl_folder_and_wheel_give_the_same_corpus(tmp_path):
    folder = tmp_path / "unpacked"
    wheel = bfcl_wheel(tmp_path / "bfcl.whl")
    for name, text in bfcl_members().items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    from_folder, from_wheel = load_corpus(f"bfcl:{folder}"), load_corpus(f"bfcl:{wheel}")
    assert from_folder.apis == from_wheel.apis and from_folder.dropped == from_wheel.dropped


# ---------------------------------------------------------------------------------------------
# OpenAPI 3 and Swagger 2

PETSTORE = {
    "openapi": "3.0.3",
    "info": {"title": "Pet Store", "version": "1"},
    "paths": {
        "/pets/{petId}": {
            "parameters": [{"$ref": "#/components/parameters/PetId"}],
            "get": {
                "operationId": "getPetById",
                "summary": "Get a pet",
                "description": "Returns one pet.",
                "parameters": [
                    {"name": "Authorization", "in": "header", "schema": {"type": "string"}},
                    {"name": "X-Trace", "in": "header", "description": "Trace id."},
                ],
                "responses": {"200": {"$ref": "#/components/responses/PetResponse"}},
            },
            "patch": {
                "summary": "Update a pet",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PetUpdate"}}},
                },
                "responses": {
                    "201": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}},
                    }
                },
            },
        },
        "/pets": {
            "get": {
                "operationId": "listPets",
                "summary": "List pets",
                "parameters": [
                    {
                        "name": "status",
                        "in": "query",
                        "schema": {"type": "array", "items": {"type": "string", "enum": ["available", "sold"]}},
                    },
                    {"name": "limit", "in": "query", "schema": {"type": ["integer", "null"], "default": 20}},
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}
                            }
                        },
                    }
                },
            },
            "post": {
                "operationId": "aliasLoop",
                "summary": "Broken",
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}},
                "responses": {},
            },
            "put": {
                "operationId": "missingRef",
                "summary": "Broken",
                "parameters": [{"$ref": "#/components/parameters/Nope"}],
                "responses": {},
            },
            "delete": {
                "operationId": "noWords",
                "parameters": [{"name": "id", "in": "query", "schema": {"type": "string"}}],
                "responses": {},
            },
        },
        "/trees": {
            "post": {
                "operationId": "plantTree",
                "summary": "Plant a tree",
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {"type": "object", "properties": {"root": {"$ref": "#/components/schemas/Node"}}}
                        }
                    }
                },
                "responses": {},
            },
        },
    },
    "components": {
        "parameters": {
            "PetId": {
                "name": "petId",
                "in": "path",
                "required": True,
                "description": "Pet id.",
                "schema": {"type": "integer"},
            }
        },
        "responses": {
            "PetResponse": {
                "description": "ok",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}},
            }
        },
        "schemas": {
            "Pet": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string"},
                    "ownerInfo": {"$ref": "#/components/schemas/Owner"},
                    "status": {"type": "string", "enum": ["available", "sold"]},
                },
            },
            "Owner": {"type": "object", "properties": {"email": {"type": "string", "format": "email"}}},
            "PetUpdate": {
                "allOf": [
                    {"$ref": "#/components/schemas/Owner"},
                    {"type": "object", "required": ["nickname"], "properties": {"nickname": {"type": "string"}}},
                ]
            },
            "Node": {
                "type": "object",
                "properties": {"label": {"type": "string"}, "parent": {"$ref": "#/components/schemas/Node"}},
            },
            "A": {"$ref": "#/components/schemas/B"},
            "B": {"$ref": "#/components/schemas/A"},
        },
    },
}

SWAGGER = """
swagger: "2.0"
info: {title: Clinic API, version: "1"}
paths:
  /appointments:
    post:
      operationId: bookAppointment
      summary: Book an appointment.
      parameters:
        - {name: body, in: body, required: true, schema: {$ref: "#/definitions/Booking"}}
      responses:
        200: {description: ok, schema: {$ref: "#/definitions/Appointment"}}
  /appointments/{appointment_id}/files:
    post:
      operationId: uploadFile
      summary: Attach a file.
      consumes: [multipart/form-data]
      parameters:
        - {name: appointment_id, in: path, required: true, type: string}
        - {name: file, in: formData, type: file}
      responses: {}
  /patients:
    get:
      operationId: searchPatients
      description: Search patients by name.
      parameters:
        - {name: names, in: query, type: array, items: {type: string}, collectionFormat: csv}
        - {name: active, in: query, type: boolean}
      responses: {}
definitions:
  Booking:
    type: object
    required: [patientId]
    properties:
      patientId: {type: string, description: Patient.}
      slot: {type: string, format: date-time}
  Appointment:
    type: object
    properties:
      appointmentId: {type: string}
"""


@pytest.fixture
def openapi_dir(tmp_path):
    folder = tmp_path / "apis"
    (folder / "petstore.io").mkdir(parents=True)
    write_json(folder / "petstore.io" / "openapi.json", PETSTORE)
    (folder / "clinic.yaml").write_text(SWAGGER)
    (folder / "broken.yaml").write_text("openapi: 3.0.0\npaths: {\n  /x: [unclosed\n")
    write_json(folder / "package.json", {"name": "not-an-api"})
    return folder


def test_openapi3_operations_with_refs_become_specs(openapi_dir):
    corpus = load_corpus(f"openapi:{openapi_dir}")
    apis = by_name(corpus)
    get_pet = apis["get_pet_by_id"]
    assert get_pet.description == "Get a pet. Returns one pet."
    assert get_pet.parameters == {
        "type": "object",
        "properties": {
            "pet_id": {"type": "integer", "description": "Pet id."},
            "x_trace": {"type": "string", "description": "Trace id."},
        },
        "required": ["pet_id"],
    }
    assert get_pet.returns["properties"]["owner_info"]["properties"]["email"] == {
        "type": "string",
        "description": "",
        "format": "email",
    }
    assert get_pet.category == "Pet Store" and get_pet.source == "openapi:petstore.io/openapi.json"
    update = apis["patch_pets_pet_id"]  # no operationId: method and path
    assert set(update.parameters["properties"]) == {"pet_id", "email", "nickname"}
    assert update.parameters["required"] == ["pet_id", "nickname"]
    listing = apis["list_pets"].parameters["properties"]
    assert listing["status"]["items"]["enum"] == ["available", "sold"]
    assert listing["limit"] == {"type": "integer", "description": "", "default": 20}
    assert apis["list_pets"].returns["items"]["properties"]["status"]["enum"] == ["available", "sold"]


def test_openapi_recursive_schema_is_cut_and_alias_cycles_are_dropped(openapi_dir):
    corpus = load_corpus(f"openapi:{openapi_dir}")
    root = by_name(corpus)["plant_tree"].parameters["properties"]["root"]
    assert root["properties"]["label"]["type"] == "string"
    assert root["properties"]["parent"] == {
        "type": "object",
        "description": "",
    }  # the recursion stops at the repeated $ref
    assert "alias_loop" not in by_name(corpus) and "missing_ref" not in by_name(corpus)
    assert corpus.dropped["cyclic $ref"] == 1
    assert corpus.dropped["unresolved $ref"] == 1
    assert corpus.dropped["no description"] == 1
    assert corpus.dropped["malformed file"] == 1  # broken.yaml
    assert corpus.dropped["not an OpenAPI document"] == 1  # package.json


def test_swagger2_body_form_and_query_parameters(openapi_dir):
    corpus = load_corpus(f"openapi:{openapi_dir}")
    apis = by_name(corpus)
    book = apis["book_appointment"]
    assert book.parameters["properties"]["slot"] == {"type": "string", "description": "", "format": "date-time"}
    assert book.parameters["required"] == ["patient_id"]
    assert book.returns["properties"]["appointment_id"]["type"] == "string"
    search = apis["search_patients"]
    assert search.parameters["properties"]["names"]["items"]["type"] == "string"
    assert search.parameters["properties"]["active"]["type"] == "boolean"
    assert "upload_file" not in apis and corpus.dropped["unsupported type: file"] == 1


def test_openapi_tarball_streams_to_the_same_corpus(openapi_dir, tmp_path):
    tarball = tmp_path / "apis.tgz"
    with tarfile.open(tarball, "w:gz") as archive:
        for file in sorted(openapi_dir.rglob("*")):
            archive.add(file, arcname=file.relative_to(openapi_dir).as_posix(), recursive=False)
    from_dir, from_tar = load_corpus(f"openapi:{openapi_dir}"), load_corpus(f"openapi:{tarball}")
    assert from_tar.apis == from_dir.apis and from_tar.dropped == from_dir.dropped


def test_openapi_load_is_deterministic(openapi_dir):
    first, second = load_corpus(f"openapi:{openapi_dir}"), load_corpus(f"openapi:{openapi_dir}")
    assert first.apis == second.apis and first.dropped == second.dropped


def test_same_operation_in_two_apis_is_prefixed_with_the_api_slug(tmp_path):
    folder = tmp_path / "two"
    folder.mkdir()
    for title, param in (("Alpha Store", "a"), ("Beta Store", "b")):
        doc = {
            "openapi": "3.0.0",
            "info": {"title": title},
            "paths": {
                "/items": {
                    "get": {
                        "operationId": "listItems",
                        "summary": "List items.",
                        "parameters": [{"name": param, "in": "query", "schema": {"type": "string"}}],
                        "responses": {},
                    }
                }
            },
        }
        write_json(folder / f"{param}.json", doc)
    assert [api.name for api in load_corpus(f"openapi:{folder}").apis] == ["list_items", "beta_store_list_items"]


OPENAPI_KEYS = (
    "$ref type properties items allOf oneOf schema parameters name in requestBody content application/json "
    "responses 200 get post summary required S"
).split()
openapi_values = documents(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=6)
    | st.sampled_from(["#/components/schemas/S", "#/x", "object", "array"]),
    OPENAPI_KEYS,
    list_size=3,
    max_leaves=40,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(paths=st.dictionaries(st.sampled_from(["/a", "/b/{id}"]), openapi_values, max_size=2), components=openapi_values)
def test_arbitrary_openapi_documents_never_crash_the_loader(tmp_path, paths, components):
    doc = {"openapi": "3.0.0", "info": {"title": "Fuzz"}, "paths": paths, "components": {"schemas": {"S": components}}}
    corpus = load_corpus(f"openapi:{write_json(tmp_path / 'fuzz.json', doc)}")
    assert all(api.parameters["properties"] for api in corpus.apis)


# ---------------------------------------------------------------------------------------------
# ToolBench


def toolbench_tool(name, apis) -> dict:
    return {"tool_name": name, "tool_description": f"{name} data.", "category_name": "Weather", "api_list": apis}


def tb_api(name, description="Get data.", required=(), optional=()) -> dict:
    param = lambda n, t: {"name": n, "type": t, "description": f"{n}.", "default": ""}  # noqa: E731
    return {
        "name": name,
        "description": description,
        "method": "GET",
        "required_parameters": [param(*p) for p in required],
        "optional_parameters": [param(*p) for p in optional],
    }


def test_toolbench_tools_map_types_and_prefix_clashing_names(tmp_path):
    folder = tmp_path / "tools" / "Weather"
    folder.mkdir(parents=True)
    write_json(
        folder / "open_meteo.json",
        toolbench_tool(
            "Open Meteo",
            [
                tb_api(
                    "Get Forecast",
                    required=[("city", "STRING"), ("days", "NUMBER")],
                    optional=[("metric", "BOOLEAN"), ("date", "DATE (YYYY-MM-DD)")],
                ),
                tb_api("search", required=[("q", "STRING")]),
                tb_api("upload", required=[("photo", "FILE")]),
                tb_api("ping"),
                tb_api("silent", description="", required=[("q", "STRING")]),
            ],
        ),
    )
    write_json(
        folder / "storm_watch.json", toolbench_tool("Storm Watch", [tb_api("search", required=[("region", "ENUM")])])
    )
    (folder / "junk.json").write_text(json.dumps({"tool_name": "no api list"}))
    corpus = load_corpus(f"toolbench:{tmp_path / 'tools'}")
    apis = by_name(corpus)
    assert list(apis) == ["get_forecast", "search", "storm_watch_search"]
    props = apis["get_forecast"].parameters["properties"]
    assert {k: v["type"] for k, v in props.items()} == {
        "city": "string",
        "days": "number",
        "metric": "boolean",
        "date": "string",
    }
    assert props["date"]["format"] == "date" and "default" not in props["days"]  # '' is no number
    assert apis["get_forecast"].parameters["required"] == ["city", "days"]
    assert (
        apis["search"].category == "Open Meteo"
        and apis["search"].source == "toolbench:Weather/open_meteo.json:Open Meteo"
    )
    assert corpus.dropped == Counter(
        {"unsupported type: file": 1, "no parameters": 1, "no description": 1, "malformed entry": 1}
    )


def test_bfcl_multi_turn_reads_only_the_multi_turn_function_docs(tmp_path):
    wheel = bfcl_wheel(tmp_path / "bfcl_eval-1.0-py3-none-any.whl")
    corpus = load_corpus(f"bfcl_multi_turn:{wheel}")
    assert [(api.name, api.category) for api in corpus.apis] == [("close_ticket", "ticket_api")]
    assert not corpus.dropped


def test_openapi_operations_keep_their_http_method(openapi_dir):
    apis = by_name(load_corpus(f"openapi:{openapi_dir}"))
    assert apis["get_pet_by_id"].method == "GET"
    assert apis["patch_pets_pet_id"].method == "PATCH"
    assert apis["list_pets"].method == "GET"
    assert apis["book_appointment"].method == "POST"


@pytest.mark.parametrize(
    "name, snake_name, own",
    [
        ("hotel_booking.book", "hotel_booking_book", "book"),
        ("concert_booking.book_ticket", "concert_booking_book_ticket", "book_ticket"),
        ("users.profile.set", "users_profile_set", "set"),
        ("ReleasesApi.post_release", "releases_api_post_release", "post_release"),
        ("Hotels_2_BookHouse", "hotels_2_book_house", "book_house"),
        ("rental_cars_3_reserve_car", "rental_cars_3_reserve_car", "reserve_car"),
        ("get_10_players", "get_10_players", ""),
        ("book_hotel", "book_hotel", ""),
        ("memory_clear", "memory_clear", ""),
    ],
)
def test_a_namespaced_name_keeps_the_function_s_own_name(tmp_path, name, snake_name, own):
    (api,) = load_corpus(write_json(tmp_path / "f.json", [fn(name, x="string")])).apis
    assert (api.name, api.own_name, api.method) == (snake_name, own, "")
