"""The memory-tier and distillation operations as data; see ``calls``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import httpx
from pydantic_core import to_jsonable_python

from kgmem.client import wire
from kgmem.client.calls import NS, Call, as_type
from kgmem.client.wire import segment
from kgmem.model import Entity, JsonValue
from kgmem.tier_model import (
    Distillation,
    DistillRequest,
    EpisodeTier,
    Provenance,
    TierPolicy,
    TierReport,
)


def _ns(ns: str) -> str:
    return f"{NS}/{segment(ns)}"


def get_policy(ns: str) -> Call[TierPolicy]:
    return Call("GET", f"{_ns(ns)}/tiers/policy", as_type(TierPolicy))


def set_policy(ns: str, policy: TierPolicy | Mapping[str, JsonValue]) -> Call[TierPolicy]:
    # Whole, None included: a rule set to None is off, where one left out takes its default.
    body = to_jsonable_python(policy if isinstance(policy, TierPolicy) else dict(policy))
    return Call("PUT", f"{_ns(ns)}/tiers/policy", as_type(TierPolicy), json=body)


def apply(ns: str, now: datetime | None) -> Call[TierReport]:
    body = {"now": now.isoformat()} if now else {}
    return Call("POST", f"{_ns(ns)}/tiers/apply", as_type(TierReport), json=body)


def episode_tiers(
    ns: str, uids: Sequence[str] | None, archived: bool | None, limit: int
) -> Call[list[EpisodeTier]]:
    params: dict[str, Any] = {"limit": limit}
    if uids:
        params["uid"] = list(uids)
    if archived is not None:
        params["archived"] = str(archived).lower()
    return Call("GET", f"{_ns(ns)}/tiers/episodes", as_type(list[EpisodeTier]), params=params)


def _moved(r: httpx.Response) -> list[str]:
    return list(r.json()["uids"])


def archive(ns: str, uids: Sequence[str]) -> Call[list[str]]:
    return Call("POST", f"{_ns(ns)}/tiers/archive", _moved, json={"uids": list(uids)})


def restore(ns: str, uids: Sequence[str]) -> Call[list[str]]:
    return Call("POST", f"{_ns(ns)}/tiers/restore", _moved, json={"uids": list(uids)})


def _archive_hits(r: httpx.Response) -> list[tuple[Entity, float]]:
    return [(wire.decode(Entity, h["episode"]), float(h["score"])) for h in r.json()]


def search_archive(ns: str, text: str, k: int) -> Call[list[tuple[Entity, float]]]:
    body = {"text": text, "k": k}
    return Call("POST", f"{_ns(ns)}/tiers/archive/search", _archive_hits, json=body)


def distill(ns: str, request: DistillRequest) -> Call[Distillation]:
    return Call("POST", f"{_ns(ns)}/distill", as_type(Distillation), json=wire.body(request))


def provenance(ns: str, uid: str) -> Call[Provenance]:
    path = f"{_ns(ns)}/distilled/{segment(uid)}/provenance"
    return Call("GET", path, as_type(Provenance))
