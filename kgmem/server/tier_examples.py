"""Examples of the memory-tier and distillation routes, merged into
``kgmem.server.examples``: a conversation's old turns archived and distilled."""

from __future__ import annotations

from typing import Any

T0 = "2024-05-01T09:00:00Z"
T1 = "2024-08-01T03:00:00Z"

POLICY: dict[str, Any] = {
    "working_hours": 24.0,
    "promote_min_facts": 1,
    "promote_verified_only": False,
    "promote_min_recalls": 3,
    "decay_half_life_days": 30.0,
    "recall_half_life_days": 14.0,
    "decay_floor": 0.05,
    "archive_after_days": 90.0,
    "archive_idle_days": 30.0,
    "archive_tiers": ["episodic"],
    "track_recalls": True,
}
EPISODE: dict[str, Any] = {
    "uid": "ep-1",
    "label": "Episode",
    "properties": {"text": "Ana: The venue confirmed forty seats.", "session": "s1"},
    "location": None,
    "has_embedding": False,
    "graph_id": 1125899906842625,
    "created_at": T0,
    "updated_at": T0,
}
TIER: dict[str, Any] = {
    "uid": "ep-1",
    "tier": "episodic",
    "occurred_at": T0,
    "recalls": 2,
    "last_recalled_at": T0,
    "promoted_at": None,
    "promoted_because": None,
    "archived_at": T1,
}
SUMMARY: dict[str, Any] = {
    "uid": "summary:3f2a9c41d0e6b7a85c12",
    "kind": "summary",
    "text": "Ana: We moved the launch to Friday. Ana: The venue confirmed forty seats.",
    "episodes": ["ep-0", "ep-1", "ep-2"],
    "sources": ["ana"],
}

REQUESTS: dict[str, Any] = {
    "set_tier_policy": {
        "decay_half_life_days": 30,
        "recall_half_life_days": 14,
        "archive_after_days": 90,
        "archive_idle_days": 30,
    },
    "apply_tier_policy": {"now": T1},
    "archive_episodes": {"uids": ["ep-1"]},
    "restore_episodes": {"uids": ["ep-1"]},
    "search_archive": {"text": "how many seats", "k": 5},
    "distill": {"method": "extractive", "window": 20, "keep": 0.25, "archive_sources": True},
}

RESPONSES: dict[str, Any] = {
    "get_tier_policy": POLICY,
    "set_tier_policy": POLICY,
    "apply_tier_policy": {
        "promoted": ["ep-7"],
        "archived": ["ep-1"],
        "counts": {"working": 4, "episodic": 120, "semantic": 31, "archived": 1},
        "at": T1,
    },
    "episode_tiers": [TIER],
    "archive_episodes": {"uids": ["ep-1"]},
    "restore_episodes": {"uids": ["ep-1"]},
    "search_archive": [{"episode": EPISODE, "score": 0.61}],
    "distill": {
        "method": "extractive",
        "items": [SUMMARY],
        "episodes_in": 3,
        "tokens_in": 41,
        "tokens_out": 19,
        "llm_tokens": 0,
        "archived": ["ep-0", "ep-1", "ep-2"],
        "notes": [],
    },
    "provenance": {
        "uid": SUMMARY["uid"],
        "text": SUMMARY["text"],
        "method": "extractive",
        "episodes": ["ep-0", "ep-2"],
        "forgotten": 1,
        "sources": {"ana": 0.92},
        "support": 0.666667,
        "trust": 0.613333,
        "properties": {
            "group": "s1",
            "occurred_at": T0,
            "sentences": [{"text": "Ana: We moved the launch to Friday.", "episode": "ep-0"}],
        },
    },
}
