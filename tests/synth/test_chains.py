"""Answers that feed later calls when tools take natural values, not ids: a ticket booked for the
artist of the concert found, a hotel booked like the one found; and lookup-only domains kept small."""

import pytest

from agentscaler_gym.synth.corpus import ApiSpec
from agentscaler_gym.synth.folder import build_domain
from agentscaler_gym.synth.quality import task_measures
from agentscaler_gym.synth.schema import value_links
from agentscaler_gym.synth.spec import ColumnSpec, EntitySpec
from agentscaler_gym.synth.taskgen import LOOKUP_ONLY, TaskSettings, dependency_graph, generate_tasks
from agentscaler_gym.tasks import ASSISTANT

S = {"type": "string", "description": "text"}
N = {"type": "integer", "description": "how many"}


def api(name, props, required=None, category="concerts"):
    params = {"type": "object", "properties": props, "required": list(props) if required is None else required}
    return ApiSpec(name, f"{name}.", params, {}, category, "t")


CONCERTS = [
    api("search_concerts", {"location": S, "genre": S, "artist_name": S, "date": S}, ["location"]),
    api("get_concert", {"concert_id": S}),
    api("book_ticket", {"artist": S, "city": S, "quantity": N}),
    api("cancel_ticket", {"ticket_id": S}),
]
HOTELS = [
    api("search_hotels", {"location": S, "stars": N, "hotel_name": S}, ["location"], "hotels"),
    api("get_hotel", {"hotel_id": S}, None, "hotels"),
    api("book_hotel", {"hotel_name": S, "location": S, "check_in_date": S, "nights": N}, None, "hotels"),
]


def column(name, kind="string", **more):
    return ColumnSpec(name, kind, **more)


def entity(name, *columns):
    return EntitySpec(name, f"{name}_id", (column(f"{name}_id"), *columns))


def test_text_columns_that_name_the_same_thing_are_linked_and_traits_are_not():
    entities = [
        entity("concert", column("artist_name")),
        entity("ticket", column("artist"), column("colour")),
        entity("hotel", column("name"), column("colour")),
        entity("booking", column("hotel_name"), column("check_in", rules={"format": "date"})),
        entity("code", column("hotel_name", unique=True)),
        entity("guest", column("first_name")),
        entity("doctor", column("first_name")),
    ]
    links = value_links(entities)
    assert links[("ticket", "artist")] == {"concert": "artist_name"}
    assert links[("concert", "artist_name")] == {"ticket": "artist"}
    assert links[("booking", "hotel_name")] == {"hotel": "name"}  # a hotel's name is what a booking names
    assert ("ticket", "colour") not in links and ("hotel", "colour") not in links  # a trait names nothing
    assert ("code", "hotel_name") not in links  # a unique column is a record's own key
    assert ("guest", "first_name") not in links  # a guest and a doctor are not the same person


@pytest.fixture(scope="module")
def concerts(synthesize):
    return synthesize(CONCERTS)


def test_a_ticket_is_booked_for_the_artist_of_the_concert_the_search_answered(concerts):
    spec = concerts.spec
    assert "book_ticket" in dependency_graph(spec)["search_concerts"]
    tables = spec.data.tables
    artists = {row[3] for row in tables["concert"]}  # concert_id, location, genre, artist_name, date
    assert {row[1] for row in tables["ticket"]} <= artists  # seeded tickets are for artists that play
    domain = build_domain(spec, concerts.tasks)
    seat = domain.seats()[ASSISTANT]
    chained = 0
    for task in domain.task_list("train") + domain.task_list("test"):
        said = (task.scenario.opening + " " + " ".join(task.scenario.known.values())).lower()
        answers = ""
        for call in task.gold_calls:
            artist = call.arguments.get("artist")
            assert call.name != "book_ticket" or artist in artists  # a ticket for an artist who plays
            if call.name == "book_ticket" and artist.lower() not in said and artist in answers:
                chained += 1
                break
            answers += seat.call(call.name, dict(call.arguments)).text
        seat.db.reset()
    assert chained >= 5
    assert task_measures(domain, spec)["true_dependency"] >= len(domain.task_list("train")) // 2


def test_a_hotel_is_booked_like_the_one_the_search_found(synthesize):
    result = synthesize(HOTELS)
    domain = build_domain(result.spec, result.tasks)
    seat = domain.seats()[ASSISTANT]
    booked = 0
    for task in domain.task_list("train") + domain.task_list("test"):
        calls = list(task.gold_calls)
        for search, book in zip(calls, calls[1:]):
            if (search.name, book.name) != ("search_hotels", "book_hotel"):
                continue
            found = seat.call(search.name, dict(search.arguments)).text
            said = (task.scenario.opening + " " + " ".join(task.scenario.known.values())).lower()
            name = book.arguments["hotel_name"]
            if name in found and name.lower() not in said:
                assert "with the same hotel name" in task.scenario.opening
                booked += 1
            seat.db.reset()
    assert booked >= 2


def test_a_domain_that_only_reads_gives_two_tasks_to_each_split(synthesize):
    lookups = CONCERTS[:2] + [api("find_concerts_by_artist", {"artist_name": S})]
    result = synthesize(lookups)
    tasks, _ = generate_tasks(result.spec, build_domain(result.spec, {}), 0, TaskSettings(count=24))
    assert len(tasks["train"]) == len(tasks["test"]) == 2 == LOOKUP_ONLY // 2
    assert {len(t) for t in result.tasks.values()} == {2}  # and validation keeps them all


def test_a_walk_never_repeats_a_lookup_it_made(concerts):
    reads = {t.name for t in concerts.spec.tools if t.kind == "read"}
    for task in concerts.tasks["train"] + concerts.tasks["test"]:
        lookups = [(c["name"], sorted(c["arguments"].items())) for c in task["gold_calls"] if c["name"] in reads]
        assert len(lookups) == len({repr(x) for x in lookups}), task["gold_calls"]
