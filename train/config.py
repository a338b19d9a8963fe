"""Run configs: a dataclass documented once, read from YAML, overridden on the command line.

Each field's help lives in ``field(metadata={"help": ...})``. TRL's ``TrlParser`` (an
``HfArgumentParser``) turns every field into a flag with that help (``--max-length`` and
``--max_length`` alike) and layers ``--config FILE`` (YAML; an ``env:`` mapping in it sets
environment variables) under the flags that were given. A nested field, such as the SFT stages,
takes YAML on the command line too: ``--stages "{name: a, data: [d]}" "{name: b, data: [e]}"``.
TRL is imported inside :func:`parse_config`, so importing this module stays light.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Sequence
from typing import TypeVar

import yaml

C = TypeVar("C")


def parse_config(cls: type[C], argv: Sequence[str] | None, prog: str, description: str) -> C:
    """``cls`` from ``--config FILE`` and the flags in ``argv`` (default: ``sys.argv[1:]``), flags winning.

    An unknown flag exits with a usage error; an unknown field in the file raises ``ValueError``.
    """
    from trl import TrlParser

    parser = TrlParser(cls, prog=prog, description=description)
    parser.add_argument(
        "--config", default=argparse.SUPPRESS, help="YAML file with any of the fields below; flags override it"
    )
    for action in parser._actions:
        if dataclasses.is_dataclass(action.type):  # HfArgumentParser would call the class on the text
            action.type = yaml.safe_load
    args = sys.argv[1:] if argv is None else argv
    # TrlParser reads the file only from the two-word form
    args = [part for arg in args for part in (arg.split("=", 1) if arg.startswith("--config=") else (arg,))]
    config, unknown_fields, unknown_flags = parser.parse_args_and_config(
        args, return_remaining_strings=True, separate_remaining_strings=True
    )
    if unknown_flags:
        parser.error(f"unrecognized arguments: {' '.join(unknown_flags)}")
    if unknown_fields:
        known = sorted(f.name for f in dataclasses.fields(cls))
        names = [flag.removeprefix("--") for flag in unknown_fields[::2]]  # TRL hands them back as flag, value
        raise ValueError(f"{cls.__name__}: unknown field(s) {names} in the config file; known: {known}")
    return config


def training_arguments(config) -> dict:
    """The ``TrainingArguments`` fields every run sets alike from its config (``batch_size``,
    ``gradient_accumulation_steps``, ``learning_rate``, ``logging_steps``, ``seed``,
    ``gradient_checkpointing``, ``bf16``): bf16 where CUDA supports it unless the config says, the
    CPU without CUDA, no checkpoint saving, no reporting. Torch is imported here."""
    import torch

    cuda = torch.cuda.is_available()
    return {
        "per_device_train_batch_size": config.batch_size,
        "gradient_accumulation_steps": config.gradient_accumulation_steps,
        "learning_rate": config.learning_rate,
        "logging_steps": config.logging_steps,
        "bf16": config.bf16 if config.bf16 is not None else cuda and torch.cuda.is_bf16_supported(),
        "use_cpu": not cuda,
        "seed": config.seed,
        "gradient_checkpointing": config.gradient_checkpointing,
        "save_strategy": "no",
        "report_to": "none",
    }
