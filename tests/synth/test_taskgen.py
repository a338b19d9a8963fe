"""Synthesized tasks that need agency: searches by what a person knows, answers that feed later
calls, held-out tool sequences, and a bounded share of read-only tasks."""

from pathlib import Path

import agentscaler_gym
from agentscaler_gym.synth.folder import build_domain, load_domain_folder
from agentscaler_gym.synth.spec import DomainSpec
from agentscaler_gym.synth.taskgen import FEWEST, TaskSettings, _select, generate_tasks
from agentscaler_gym.tasks import ASSISTANT, Scenario, Task, ToolCall

BUILTIN = Path(agentscaler_gym.__file__).parent / "synth" / "builtin"


def spec_of(name):
    return DomainSpec.read(BUILTIN / name / "domain.json")


def sequences(tasks):
    return [tuple(c["name"] for c in t["gold_calls"]) for t in tasks]


def test_a_patient_is_found_by_name_and_date_of_birth_and_the_id_comes_from_the_answer():
    domain = load_domain_folder(BUILTIN / "healthcare_appointments")
    seat = domain.seats()[ASSISTANT]
    found = 0
    for task in domain.task_list("train") + domain.task_list("test"):
        first = task.gold_calls[0]
        if first.name != "find_patient":
            continue
        said = (task.scenario.opening + " " + " ".join(task.scenario.known.values())).lower()
        assert not any(v.lower() in said for v in first.arguments.values() if str(v).startswith("PAT-"))
        answer = seat.call(first.name, dict(first.arguments)).text
        later = [str(v) for c in task.gold_calls[1:] for v in c.arguments.values()]
        patient = [v for v in later if v.startswith("PAT-") and v in answer]
        if patient:
            assert patient[0].lower() not in said  # the user never says the id: the search gives it
            assert task.scenario.known.get("date of birth") or task.scenario.known.get("last name")
            found += 1
    assert found >= 3


def test_a_record_is_picked_from_its_parent_list_by_what_the_user_says_about_it():
    """banking: the user's accounts are listed and the one the user describes is acted on."""
    spec = spec_of("banking")
    tasks, _ = generate_tasks(spec, build_domain(spec, {}), 0, TaskSettings(count=24))
    domain = build_domain(spec, tasks)
    seat = domain.seats()[ASSISTANT]
    picked = 0
    for task in domain.task_list("train") + domain.task_list("test"):
        calls = list(task.gold_calls)
        for call, nxt in zip(calls, calls[1:] + [None]):  # replayed in order, as the measures do
            rows = seat.db.run(domain.tools[call.name], dict(call.arguments))
            if call.name != "list_accounts" or nxt is None or len(rows) < 2:
                continue
            used = [r for r in rows if r["account_id"] in nxt.arguments.values()]
            if used:
                told = [
                    c
                    for c, v in used[0].items()
                    if f"'{v}'" in task.scenario.opening and sum(r[c] == v for r in rows) == 1
                ]
                assert told, task.scenario.opening  # the opening names a fact only that account has
                picked += 1
        seat.db.reset()
    assert picked >= 2


def test_distinct_tool_sequences_keep_growing_with_the_task_count():
    counts = distinct_sequences("banking", (40, 400))
    assert counts[1] >= 3 * counts[0] // 2 and counts[1] >= 150


def test_a_walk_goes_on_when_the_next_tool_refuses_the_record():
    """gym_fitness: a member's state allows only some of the transitions that can take it (a frozen
    member cannot be frozen again); a walk tries another instead of ending, so sequences keep coming."""
    counts = distinct_sequences("gym_fitness", (40, 160))
    assert counts[1] >= 3 * counts[0] and counts[1] >= 3 * 160 // 4


def test_test_tasks_hold_sequences_train_never_shows():
    spec = spec_of("it_helpdesk")
    tasks, _ = generate_tasks(spec, build_domain(spec, {}), 0, TaskSettings(count=30))
    train = set(sequences(tasks["train"]))
    assert len(tasks["test"]) >= len(tasks["train"] + tasks["test"]) // 4
    assert not any(s in train for s in sequences(tasks["test"]))


def test_gold_lengths_stay_within_the_walk_length():
    spec = spec_of("human_resources")
    tasks, _ = generate_tasks(spec, build_domain(spec, {}), 0, TaskSettings(count=40, walk_length=(2, 6)))
    lengths = {len(t["gold_calls"]) for t in tasks["train"] + tasks["test"]}
    assert min(lengths) >= 2 and max(lengths) <= 6 and len(lengths) >= 3


def _task(i, read):
    call = ToolCall("t", {"i": i})
    return Task(f"t-{i}", "f", Scenario("hi", "x", {}, ""), (call,), ("answer",) if read else ())


def test_read_only_tasks_are_at_most_their_share_unless_a_domain_has_too_few_writes():
    found = [(0, _task(i, read=i % 2 == 0)) for i in range(60)]
    chosen = _select(found, 24, 0.4)
    assert len(chosen) == 24 and sum(bool(t.outputs) for t in chosen) <= 0.4 * 24
    reads_only = [(0, _task(i, read=True)) for i in range(30)]
    assert len(_select(reads_only, 24, 0.4)) == FEWEST  # a domain that only reads: a few tasks
    few_writes = [(0, _task(i, read=i > 1)) for i in range(30)]
    chosen = _select(few_writes, 24, 0.4)
    assert len(chosen) == FEWEST and sum(not t.outputs for t in chosen) == 2
    best_first = _select([(2, _task(0, False)), (0, _task(1, False))], 1, 0.4)
    assert [t.id for t in best_first] == ["t-1"]


def distinct_sequences(name: str, counts: tuple[int, ...]) -> list[int]:
    """Distinct gold tool sequences of a built-in domain's tasks at each task count."""
    spec = spec_of(name)
    domain = build_domain(spec, {})
    out = []
    for n in counts:
        tasks, _ = generate_tasks(spec, domain, 0, TaskSettings(count=n))
        out.append(len(set(sequences(tasks["train"] + tasks["test"]))))
    return out
