"""TransformersPolicy on the tiny offline models: full episodes, batching, determinism, token counts."""

import pytest

import agentscaler_gym  # noqa: F401
from agents import Request
from agentscaler_gym.rollout import rollout

MOCK = "AgentScaler/mock-v0"


@pytest.fixture(scope="module")
def tool_policy(tiny_tool_model):
    from agents.hf import TransformersPolicy

    return TransformersPolicy(tiny_tool_model, max_new_tokens=48)


def test_tiny_model_uses_trls_qwen3_template_and_qwen_special_tokens(tiny_model):
    from transformers import AutoTokenizer
    from trl.chat_template_utils import qwen3_chat_template

    tok = AutoTokenizer.from_pretrained(tiny_model)
    assert tok.chat_template == qwen3_chat_template
    assert (tok.eos_token, tok.pad_token, tok.padding_side) == ("<|im_end|>", "<|endoftext|>", "left")
    for token in ("<tool_call>", "</tool_call>", "<think>"):
        assert len(tok(token, add_special_tokens=False).input_ids) == 1


def test_tool_model_drives_full_episodes_with_well_formed_tool_calls(tool_policy):
    result = rollout(MOCK, tool_policy, episodes=4, concurrency=4, max_turns=3)
    assert len(result) == 4 and result.stats["errors"] == 0
    for t in result:
        first = next(m for m in t.messages if m["role"] == "assistant")
        assert first.get("tool_calls"), first  # parsed from <tool_call> JSON
        assert t.verification and "state_match" in t.verification
        assert t.tokens["requests"] == t.turns and t.tokens["completion"] > 0
        assert t.policy.endswith(str(tool_policy.name))


def test_greedy_decoding_gives_the_same_episodes_every_run(tool_policy):
    first = rollout(MOCK, tool_policy, episodes=2, max_turns=2)
    second = rollout(MOCK, tool_policy, episodes=2, max_turns=2)
    assert [t.messages for t in first] == [t.messages for t in second]


def test_prompt_tokens_count_the_rendered_prompt_without_padding(tool_policy, tiny_tool_model):
    import gymnasium as gym

    from agents.hf import render_prompt

    env = gym.make(MOCK).unwrapped
    requests = []
    for i in range(2):
        _, info = env.reset(options={"task_index": i})
        requests.append(Request(list(env.messages), info["tools"]))
    requests[1].messages[1]["content"] += " It is urgent, please hurry." * 3  # a longer prompt: padding in the batch
    answers = tool_policy.act_batch(requests)
    for request, answer in zip(requests, answers):
        expected = len(
            tool_policy.tokenizer(render_prompt(tool_policy.tokenizer, request), add_special_tokens=False).input_ids
        )
        assert answer["usage"]["prompt_tokens"] == expected


def test_sampling_is_seeded(tiny_model):
    from agents.hf import TransformersPolicy

    request = Request([{"role": "user", "content": "Hi, please close my ticket 7."}], [])
    runs = [
        TransformersPolicy(tiny_model, max_new_tokens=12, temperature=1.0, seed=s).act_batch([request])[0]["content"]
        for s in (1, 1, 2)
    ]
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_a_loaded_model_needs_its_tokenizer(tiny_model):
    from transformers import AutoModelForCausalLM

    from agents.hf import TransformersPolicy

    with pytest.raises(ValueError, match="tokenizer"):
        TransformersPolicy(AutoModelForCausalLM.from_pretrained(tiny_model))
