"""Invalid settings as one sentence per variable: `CITEBOT_CHUNK_SIZE=5 is invalid: must be an integer
from 32 to 480.` instead of pydantic's multi-line report with a documentation link.

The sentence names the environment variable the user set (CHROMA_PORT or CITEBOT_CHROMA_PORT, as it
was spelled), and says what the field accepts from its type and its ge/gt/le/lt bounds, so it stays
right when a field or a bound changes. A validator that knows better says so with `SettingRejected`, whose
message ends the sentence: `CITEBOT_DATA_DIR=notes.txt is not a usable folder: notes.txt is a file.`
"""

from __future__ import annotations

import os
import types
from collections.abc import Mapping
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import AliasChoices, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

from index.sanitize import clean_line

_SHOWN_CHARS = 40  # of a bad value: enough to recognise it, never a screenful


class SettingRejected(ValueError):
    """A field validator's refusal; the message follows `VARIABLE=value ` in the sentence ('is invalid: ...')."""


def describe_invalid(error: ValidationError, model: type[BaseSettings],
                     environ: Mapping[str, str] | None = None) -> str:
    """One sentence for each invalid setting in `error`, naming the variable and what it accepts."""
    environ = os.environ if environ is None else environ
    sentences = []
    for item in error.errors():
        found = _field(model, str(item["loc"][0])) if item["loc"] else None
        if found is None:
            sentences.append(f"Invalid settings: {item['msg']}.")
            continue
        name, info = found
        variable = _variable(model, name, info, environ)
        rejected = (item.get("ctx") or {}).get("error")
        if isinstance(rejected, SettingRejected):
            sentences.append(clean_line(f"{variable}={_shown(item.get('input'))} {rejected}."))
            continue
        sentences.append(f"{variable}={_shown(item.get('input'))} is invalid: must be {accepts(info)}.")
    return " ".join(sentences)


def accepts(info: FieldInfo) -> str:
    """What a field accepts, as the end of 'must be ...': 'an integer from 32 to 480'."""
    kind = _kind(info.annotation)
    bounds = {type(m).__name__.lower(): getattr(m, type(m).__name__.lower()) for m in info.metadata
              if isinstance(m, annotated_types.Ge | annotated_types.Gt | annotated_types.Le | annotated_types.Lt)}
    low = ("ge", bounds["ge"]) if "ge" in bounds else ("gt", bounds["gt"]) if "gt" in bounds else None
    high = ("le", bounds["le"]) if "le" in bounds else ("lt", bounds["lt"]) if "lt" in bounds else None
    if low and high and low[0] == "ge" and high[0] == "le":
        return f"{kind} from {low[1]} to {high[1]}"
    words = {"ge": "of at least", "gt": "greater than", "le": "of at most", "lt": "less than"}
    parts = [f"{words[op]} {value}" for op, value in (bound for bound in (low, high) if bound)]
    return " ".join([kind, " and ".join(parts)]) if parts else kind


def _kind(annotation: Any) -> str:
    args = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(annotation) in (Union, types.UnionType) and len(args) == 1:
        annotation = args[0]  # Optional[int] accepts what int accepts (or nothing)
    if get_origin(annotation) is Literal:
        return "one of " + ", ".join(str(a) for a in get_args(annotation))
    if annotation is bool:
        return "true or false"
    if annotation is int:
        return "an integer"
    if annotation is float:
        return "a number"
    return "text" if annotation is str else f"a valid {getattr(annotation, '__name__', 'value')}"


def _aliases(info: FieldInfo) -> list[str]:
    alias = info.validation_alias
    if isinstance(alias, AliasChoices):
        return [choice for choice in alias.choices if isinstance(choice, str)]
    return [alias] if isinstance(alias, str) else []


def _field(model: type[BaseSettings], loc: str) -> tuple[str, FieldInfo] | None:
    """The field an error location names: its name, or (for aliased fields) one of its aliases."""
    for name, info in model.model_fields.items():
        if loc == name or loc in _aliases(info):
            return name, info
    return None


def _variable(model: type[BaseSettings], name: str, info: FieldInfo, environ: Mapping[str, str]) -> str:
    """The environment variable behind field `name`, spelled as the user set it when they did."""
    prefix = str(model.model_config.get("env_prefix", ""))
    candidates = _aliases(info) or [f"{prefix}{name}".upper()]
    upper = {key.upper(): key for key in environ}
    for candidate in candidates:
        if candidate.upper() in upper:
            return upper[candidate.upper()]
    return candidates[0]


def _shown(value: Any) -> str:
    text = " ".join(clean_line(str(value)).split())
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "…"
