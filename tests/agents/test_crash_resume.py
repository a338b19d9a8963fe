"""Outputs that survive odd turns and kills: atomic JSONL, a streamed side file, resume."""

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import agentscaler_gym  # noqa: F401 - registers the ids
from agents import OraclePolicy
from agentscaler_gym.rollout import rollout
from agentscaler_gym.trajectory import (
    EpisodeLog,
    Trajectory,
    TruncatedFileError,
    read_jsonl,
    side_file,
    write_jsonl,
)

MOCK = "AgentScaler/mock-v0"
RETAIL = "AgentScaler/retail-v0"
HUGE_HEX = "0x" + "f" * 5000


def same_run(a, b):
    """Equal trajectories but for wall-clock timings."""
    strip = [{**t.to_dict(), "timings": None} for t in a]
    return strip == [{**t.to_dict(), "timings": None} for t in b]


class OddTurns:
    """A model that cuts an emoji pair and writes a 5,000-digit hex literal in call syntax."""

    def act(self, messages, tools, task=None):
        turn = sum(m["role"] == "assistant" for m in messages)
        if turn == 0:
            return {"role": "assistant", "content": f"get_ticket(ticket_id={HUGE_HEX})"}
        if turn == 1:
            return {"role": "assistant", "content": "Sure \ud83d"}
        return {"role": "assistant", "content": "Goodbye."}


def test_a_lone_surrogate_and_a_huge_hex_literal_do_not_break_the_output(tmp_path):
    out = tmp_path / "run.jsonl"
    result = rollout(MOCK, OddTurns(), episodes=3, out=out)
    back = read_jsonl(out)
    assert len(back) == 3
    assert any("\ud83d" in str(m.get("content")) for m in back[0].messages)  # the text as written
    # the env refuses the literal as an argument (an error the agent reads), so no call carries it
    assert any(m["role"] == "tool" and m["content"].startswith("Error:") for m in back[0].messages)
    assert [t.messages[3:] for t in back] == [t.messages[3:] for t in result]


def test_an_integer_too_long_for_decimal_text_is_written_as_hex(tmp_path):
    path = tmp_path / "run.jsonl"
    (trajectory,) = rollout(MOCK, OraclePolicy(), episodes=1)
    huge = int(HUGE_HEX, 16)
    trajectory.messages.append({"role": "tool", "name": "get_ticket", "content": "", "value": huge})
    write_jsonl([trajectory], path)
    (back,) = read_jsonl(path)
    assert back.messages[-1]["value"] == hex(huge)
    assert back.messages[:-1] == trajectory.messages[:-1]


def test_a_failed_write_leaves_the_previous_file_whole(tmp_path):
    path = tmp_path / "run.jsonl"
    previous = rollout(MOCK, OraclePolicy(), episodes=2)
    write_jsonl(previous, path)
    before = path.read_bytes()

    def broken():
        yield from previous
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_jsonl(broken(), path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["run.jsonl"]  # no temporary file left behind


def test_a_cut_off_file_is_refused_and_eval_will_not_score_it(tmp_path, capsys):
    from agentscaler_gym.cli import main

    path = tmp_path / "run.jsonl"
    write_jsonl(rollout(MOCK, OraclePolicy(), episodes=3), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 40])
    with pytest.raises(TruncatedFileError, match="2 complete"):
        read_jsonl(path)
    assert len(read_jsonl(path, partial=True)) == 2
    assert main(["eval", str(path)]) == 1
    assert "cut off" in capsys.readouterr().err


def test_a_bad_line_in_the_middle_is_named(tmp_path):
    path = tmp_path / "run.jsonl"
    write_jsonl(rollout(MOCK, OraclePolicy(), episodes=2), path)
    lines = path.read_bytes().split(b"\n")
    path.write_bytes(b"\n".join([lines[0][:50], *lines[1:]]))
    with pytest.raises(ValueError, match="line 1"):
        read_jsonl(path)


def test_reading_a_file_whose_run_has_not_finished_warns(tmp_path):
    path = tmp_path / "run.jsonl"
    write_jsonl(rollout(MOCK, OraclePolicy(), episodes=1), path)
    side_file(path).write_text("")
    with pytest.warns(UserWarning, match="has not finished"):
        read_jsonl(path)


def test_episodes_reach_the_side_file_as_they_end(tmp_path):
    out = tmp_path / "run.jsonl"
    seen = []

    def check(t):  # when the engine reports an episode, it is already on disk
        on_disk = read_jsonl(side_file(out), partial=True)
        seen.append(len(on_disk))
        assert on_disk[-1].key == t.key

    result = rollout(MOCK, OraclePolicy(), episodes=7, concurrency=3, out=out, on_episode=check)
    assert seen == list(range(1, 8))
    assert not side_file(out).exists()
    assert same_run(read_jsonl(out), result)


def test_resume_plays_only_what_is_missing_and_gives_the_same_run(tmp_path):
    whole = rollout([MOCK, RETAIL], OraclePolicy(), episodes=6, seed=3)
    out = tmp_path / "run.jsonl"
    with EpisodeLog(out) as log:  # a run killed after 5 episodes, in the middle of the 6th line
        for t in whole[:5]:
            log.append(t)
    with open(side_file(out), "ab") as f:
        f.write(json.dumps(whole[5].to_dict()).encode()[:100])
    played = []
    resumed = rollout(
        [MOCK, RETAIL], OraclePolicy(), episodes=6, seed=3, out=out, resume=True, on_episode=played.append
    )
    assert len(played) == len(whole) - 5 and resumed.stats["resumed"] == 5
    assert same_run(resumed, whole) and same_run(read_jsonl(out), whole)
    assert not side_file(out).exists()


def test_resume_refuses_a_side_file_from_another_plan(tmp_path):
    out = tmp_path / "run.jsonl"
    with EpisodeLog(out) as log:
        log.append(rollout(MOCK, OraclePolicy(), episodes=1, seed=100)[0])
    with pytest.raises(ValueError, match="not in this run's plan"):
        rollout(MOCK, OraclePolicy(), episodes=2, out=out, resume=True)
    assert len(read_jsonl(side_file(out), partial=True)) == 1  # nothing lost


def test_without_resume_the_side_file_of_an_unfinished_run_is_refused_not_overwritten(tmp_path):
    out = tmp_path / "run.jsonl"
    side_file(out).write_text("left over\n")
    with pytest.raises(FileExistsError, match="--resume"):
        rollout(MOCK, OraclePolicy(), episodes=2, out=out)
    assert side_file(out).read_text() == "left over\n"


# -- killed with SIGKILL -------------------------------------------------------------------


def cli(*args):
    return [sys.executable, "-m", "agentscaler_gym.cli", *args]


def kill_after(command, side: Path, lines: int) -> None:
    """Start ``command`` and SIGKILL it once ``side`` holds ``lines`` lines (or let it finish)."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while process.poll() is None:
        if side.exists() and side.read_bytes().count(b"\n") >= lines:
            process.send_signal(signal.SIGKILL)
            break
        time.sleep(0.001)  # leave the CPU to the run
    process.wait()


def check_killed_output(out: Path, previous: bytes) -> list[Trajectory]:
    """The output path holds the previous file or a whole run; the side file every finished episode."""
    assert out.read_bytes() == previous or not side_file(out).exists()
    if not side_file(out).exists():
        return []
    finished = read_jsonl(side_file(out), partial=True)
    assert side_file(out).read_bytes().count(b"\n") == len(finished)  # every whole line readable
    return finished


def test_a_run_killed_at_random_points_resumes_to_the_same_result(tmp_path):
    rng = random.Random(1)
    args = ["run", "--env", MOCK, "--policy", "oracle", "--trials", "12", "--seed", "4"]
    out = tmp_path / "run.jsonl"
    out.write_text("the previous run\n")
    previous = out.read_bytes()
    finished = []
    for _ in range(2):  # killed, resumed and killed again, then resumed to the end
        kill_after(cli(*args, "--out", str(out), "--resume"), side_file(out), rng.randint(1, 200))
        now = check_killed_output(out, previous)
        assert same_run(now[: len(finished)], finished)  # nothing that finished was lost or changed
        finished = now
    subprocess.run(cli(*args, "--out", str(out), "--resume", "--json"), check=True, capture_output=True)
    assert same_run(read_jsonl(out), rollout(MOCK, OraclePolicy(), trials=12, seed=4))
    assert not side_file(out).exists()


def test_collect_killed_at_a_random_point_resumes_to_the_same_data(tmp_path):
    args = ["collect", "--envs", MOCK, "--policy", "oracle", "--samples", "4", "--quiet"]
    subprocess.run(cli(*args, "--out", str(tmp_path / "reference")), check=True, capture_output=True)
    out = tmp_path / "data"
    out.mkdir()
    trajectories = out / "trajectories.jsonl"
    kill_after(cli(*args, "--out", str(out)), side_file(trajectories), random.Random(7).randint(1, 150))
    if trajectories.exists():  # the kill came after the rename
        check_killed_output(trajectories, b"")
    subprocess.run(cli(*args, "--out", str(out), "--resume"), check=True, capture_output=True)
    assert same_run(read_jsonl(trajectories), read_jsonl(tmp_path / "reference" / "trajectories.jsonl"))
    for name in ("sft.jsonl", "card.json"):
        assert (out / name).read_bytes() == (tmp_path / "reference" / name).read_bytes(), name
