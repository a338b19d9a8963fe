"""The ``agentscaler`` command.

    agentscaler list                                   env ids, task counts, tools
    agentscaler show ID --task T                       a task and its gold calls

Other subcommands live beside the code they drive: ``synth``, ``view``, ``eval``, ``run`` (alias
``rollout``, in :mod:`agents.cli`, which builds the policies), ``collect`` and ``mcp`` (in
:mod:`agentscaler_gym.integrations.mcp`). Each module in ``EXTENSIONS`` adds its own with
``register(subparsers)``; they are named, not imported, here.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys

EXTENSIONS = (
    "agentscaler_gym.synth.cli",
    "agentscaler_gym.rollout_cli",
    "agents.cli",
    "train.cli",
    "agentscaler_gym.integrations.mcp",
)


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    return args.func(args) or 0


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="agentscaler", description="Verifiable tool-use environments for LLM agents.")
    sub = parser.add_subparsers(metavar="COMMAND")

    p = sub.add_parser("list", help="list registered env ids with their task counts")
    p.add_argument("--json", action="store_true", help="one JSON object per env")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", help="show a task and its gold calls")
    p.add_argument("env")
    p.add_argument("--task", required=True)
    p.set_defaults(func=cmd_show)

    for name in EXTENSIONS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):  # the extension itself is absent
                continue
            raise
        module.register(sub)
    return parser


def cmd_list(args: argparse.Namespace) -> int:
    from agentscaler_gym.registry import domain_of, entries

    rows = []
    for env_id in entries():
        domain = domain_of(env_id)
        splits = {name: len(tasks) for name, tasks in domain.splits().items()}
        rows.append(
            {
                "id": env_id,
                "tools": len(domain.tools),
                "user_tools": len(domain.user.tools) if domain.user else 0,
                "tasks": splits,
            }
        )
    if args.json:
        for row in rows:
            print(json.dumps(row))
    else:
        width = max(len(r["id"]) for r in rows)
        for r in rows:
            splits = " ".join(f"{k}={v}" for k, v in r["tasks"].items())
            user = f" +{r['user_tools']} user tools" if r["user_tools"] else ""
            print(f"{r['id']:<{width}}  {r['tools']:>3} tools{user}  {splits}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from agentscaler_gym.registry import domain_of

    domain = domain_of(args.env)
    task = domain.task(args.task)
    print(json.dumps(task.to_dict(), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
