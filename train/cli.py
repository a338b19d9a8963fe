"""``agentscaler collect``: the SFT data generation command (same as ``python -m train.generate_sft``)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    from .generate_sft import add_arguments, run

    parser = subparsers.add_parser(
        "collect", help="roll out a policy, keep episodes passing the three filters, export an SFT dataset"
    )
    add_arguments(parser).set_defaults(func=run)
