"""Dataclass trees to JSON and back, and the atomic file write the world is saved with.

The world is plain dataclasses so that the JSON file reads like the data it holds; fields whose metadata
says `runtime=True` (clocks, caches) are skipped on save and get their defaults on load.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
import types
import typing
from pathlib import Path
from typing import Any

RUNTIME = {"runtime": True}
"""Field metadata for values that live only in memory."""


def to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: to_jsonable(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not f.metadata.get("runtime")
        }
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value


def from_jsonable(cls: Any, data: Any) -> Any:
    """Rebuild `cls` (a dataclass, or a dict/list/Optional of one) from `to_jsonable` output."""
    if data is None:
        return None
    origin = typing.get_origin(cls)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(cls) if a is not type(None)]
        return from_jsonable(inner[0], data) if len(inner) == 1 else data
    if origin is dict:
        _, value_type = typing.get_args(cls)
        return {k: from_jsonable(value_type, v) for k, v in data.items()}
    if origin is list:
        (item_type,) = typing.get_args(cls)
        return [from_jsonable(item_type, v) for v in data]
    if dataclasses.is_dataclass(cls):
        hints = typing.get_type_hints(cls)
        kwargs = {
            f.name: from_jsonable(hints[f.name], data[f.name])
            for f in dataclasses.fields(cls)
            if not f.metadata.get("runtime") and f.name in data
        }
        return cls(**kwargs)
    return data


def write_atomic(path: Path, text: str) -> None:
    """Temp file in the same directory, fsync, `os.replace`, mode 0600: a crash never leaves half a world."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def dump_json(value: Any) -> str:
    return json.dumps(to_jsonable(value), indent=1, sort_keys=False) + "\n"
