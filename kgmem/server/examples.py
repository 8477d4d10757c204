"""Request and response examples for every operation, keyed by operation id.

They appear in the OpenAPI document (so /docs, /redoc and generated clients show
them); a contract test checks each against its schema. An example shows a realistic
exchange around one small memory: Alice works at Acme and lives in Paris.
"""

from __future__ import annotations

from typing import Any

from kgmem.server import agent_examples, tier_examples

T0 = "2024-05-01T09:00:00Z"

NAMESPACE = {
    "name": "demo",
    "description": "Team memory",
    "created_at": T0,
    "text_config": "english",
}
ENTITY = {
    "uid": "alice",
    "label": "Person",
    "properties": {"name": "Alice Smith", "aliases": ["Ali"]},
    "location": {"lat": 48.8566, "lon": 2.3522},
    "has_embedding": True,
    "graph_id": 844424930131969,
    "created_at": T0,
    "updated_at": T0,
}
FACT = {
    "uid": "f-alice-acme",
    "subject": "alice",
    "predicate": "WORKS_AT",
    "object": "acme",
    "properties": {"role": "engineer"},
    "status": "current",
    "valid_from": "2024-01-01T00:00:00Z",
    "valid_to": None,
    "recorded_at": T0,
    "expired_at": None,
    "confidence": 0.9,
    "text": "Alice works at Acme",
    "sources": ["hr-db"],
    "episodes": ["ep-1"],
    "graph_id": 1125899906842625,
    "trust": 0.82,
    "verification": "verified",
}
CLAIM = {
    "source": "hr-db",
    "reliability": 0.9,
    "value": "acme",
    "fact": "f-alice-acme",
    "confidence": 0.9,
    "observed_at": T0,
}
VALUE_KIND = {
    "predicate": "WORKS_AT",
    "kind": "category",
    "declared": False,
    "values": 180,
    "share": 1.0,
    "evidence": "180 values, 12 distinct, 1.2 words on average: short labels, compared as strings",
}
CALIBRATION = {
    "predicate": "WORKS_AT",
    "calibrated": False,
    "facts": 180,
    "reason": "too few claims to calibrate: 180 claimed facts, 200 needed; "
    "trust is the estimator's uncalibrated score",
}
VERIFICATION = {
    "fact": "f-alice-acme",
    "subject": "alice",
    "predicate": "WORKS_AT",
    "value": "acme",
    "functional": True,
    "trust": 0.82,
    "support": 0.9,
    "contradiction": 0,
    "consensus": 1.0,
    "status": "verified",
    "chosen": True,
    "sources_for": [CLAIM],
    "sources_against": [],
    "scored_at": T0,
    "basis": {"rests_on": "consensus", "sources": 1, "claims": 1, "prior": 0.9},
    "withdrawn": [
        {
            "source": "old-crm",
            "value": "acme",
            "fact": "f-alice-acme",
            "confidence": None,
            "observed_at": T0,
            "withdrawn_at": T0,
        }
    ],
    "value_kind": VALUE_KIND,
    "calibration": CALIBRATION,
}
SOURCE = {
    "uid": "hr-db",
    "name": "HR database",
    "kind": "database",
    "prior_reliability": 0.9,
    "reliability": 0.93,
    "claims": 120,
    "copying": 0.0,
    "scored_at": T0,
}
OUTCOME = {
    "uid": "ep-1",
    "status": "done",
    "error": None,
    "entities": [
        {
            "uid": "alice",
            "created": False,
            "method": "caller",
            "score": 1.0,
            "label": "Person",
            "name": "Alice Smith",
        },
        {
            "uid": "acme",
            "created": True,
            "method": "new",
            "score": 1.0,
            "label": "Organization",
            "name": "Acme",
        },
    ],
    "facts": ["f-alice-acme"],
    "closed": [],
    "tokens": 0,
    "notes": [],
}
EPISODE_IN = {
    "text": "Alice joined Acme as an engineer last Monday.",
    "reference_time": T0,
    "speaker": "alice",
    "session": "chat-42",
    "entities": [{"name": "Alice Smith", "label": "Person", "uid": "alice"}],
    "facts": [
        {
            "subject": "Alice Smith",
            "predicate": "WORKS_AT",
            "object": "Acme",
            "valid_from": "last Monday",
        }
    ],
}
CYPHER_OUT = {
    "columns": ["person", "employer"],
    "rows": [["Alice Smith", "Acme"]],
    "truncated": False,
    "timings": {"plan_ms": 0.4, "database_ms": 2.1, "decode_ms": 0.1, "total_ms": 2.8},
    "rewrites": [],
}
PIPELINE = {
    "extractors": ["structured", "known_entities"],
    "stages": ["dates"],
    "llm_budget_tokens": None,
    "llm_tokens_spent": 0,
}
MERGE = {
    "id": 7,
    "kept": "alice",
    "merged": "alice-smith",
    "evidence": {"reason": "same person", "method": "caller"},
    "merged_at": T0,
    "undone_at": None,
}
IMPORT_JOB = {
    "id": "job-3f2a",
    "namespace": "demo",
    "filename": "people.nt.gz",
    "status": "running",
    "records": 12000,
    "bytes_read": 1048576,
    "bytes_total": 4194304,
    "embedded": 0,
    "created_at": 1714554000.0,
    "finished_at": None,
    "report": None,
    "error": None,
}
HEALTH = {
    "status": "ok",
    "version": "0.1.0",
    "database": {
        "ok": True,
        "state": "up",
        "restart_attempt": 0,
        "restarts": 0,
        "error": None,
        "embedded": True,
        "server_version": "16.4",
        "extensions": {"age": "1.5.0", "vector": "0.8.0"},
    },
    "keyword_search": "bm25",
    "keyword_index": "ok",
    "embedding": {
        "provider": "local",
        "model": "all-MiniLM-L6-v2",
        "dimension": 384,
        "loaded": True,
        "backend": "onnx",
    },
}

EPISODE_TEXT = {"text": "Alice moved to Lyon.", "session": "chat-42"}

REQUESTS: dict[str, Any] = {
    "create_namespace": {"name": "demo", "description": "Team memory"},
    "upsert_entity": {
        "label": "Person",
        "properties": {"name": "Alice Smith"},
        "location": {"lat": 48.8566, "lon": 2.3522},
    },
    "add_fact": {
        "subject": "alice",
        "predicate": "WORKS_AT",
        "object": "acme",
        "valid_from": "2024-01-01T00:00:00Z",
        "source": "hr-db",
        "text": "Alice works at Acme",
    },
    "close_fact": {"valid_to": "2024-06-30T00:00:00Z"},
    "patch_entity": {"properties": {"title": "CTO"}, "location": {"lat": 52.52, "lon": 13.405}},
    "write_batch": {
        "entities": [{"uid": "acme", "label": "Organization", "properties": {"name": "Acme"}}],
        "facts": [{"subject": "alice", "predicate": "WORKS_AT", "object": "acme"}],
    },
    "search": {
        "text": "who works at Acme",
        "k": 5,
        "time": {"valid_at": T0},
        "types": ["entities", "facts"],
    },
    "build_memory_context": {"query": "Where does Alice work?", "budget_tokens": 400},
    "add_episode": EPISODE_IN,
    "add_episodes": {
        "episodes": [EPISODE_IN, {"text": "Alice moved to Paris.", "session": "chat-42"}]
    },
    "set_pipeline": {"extractors": ["structured", "known_entities"], "stages": ["dates"]},
    "merge_entities": {"keep": "alice", "merge": "alice-smith", "reason": "same person"},
    "verify_statement": {"subject": "alice", "predicate": "WORKS_AT", "value": "acme"},
    "run_cypher": {
        "query": "MATCH (p:Person)-[:WORKS_AT]->(o) RETURN p.name AS person, o.name AS employer",
        "mode": "read",
    },
    "run_named_query": {"params": {"uid": "alice"}, "limit": 10},
    "start_import": {"file": "people.nt.gz", "format": "ntriples", "on_error": "skip"},
    **agent_examples.REQUESTS,
    **tier_examples.REQUESTS,
}

RESPONSES: dict[str, Any] = {
    "health": HEALTH,
    "readyz": {"ready": True, "database": "up", "embedding_loaded": True},
    "livez": "ok\n",
    "metrics": "# TYPE kgmem_cache_hits_total counter\nkgmem_cache_hits_total 12\n",
    "list_namespaces": [NAMESPACE],
    "create_namespace": NAMESPACE,
    "get_namespace": NAMESPACE,
    "namespace_stats": {
        "name": "demo",
        "vertices": {"Person": 2, "Organization": 1},
        "edges": {"WORKS_AT": 2},
        "facts_current": 2,
        "facts_closed": 1,
        "embedded_entities": 3,
        "embedded_facts": 2,
        "bytes": 98304,
        "structural_edges": 4,
    },
    "entity_timeline": {"uid": "alice", "entries": [{"direction": "outgoing", "fact": FACT}]},
    "list_entities": {"items": [ENTITY], "next_cursor": "YWxpY2U"},
    "upsert_entity": ENTITY,
    "patch_entity": ENTITY,
    "get_entity": {"entity": ENTITY, "outgoing": [FACT], "incoming": []},
    "fact_verification": VERIFICATION,
    "list_sources": {"items": [SOURCE], "next_cursor": None},
    "get_source": {
        "source": SOURCE,
        "history": [{"at": T0, "reliability": 0.93, "claims": 120, "run": "full"}],
    },
    "verify_statement": {
        "subject": "alice",
        "predicate": "WORKS_AT",
        "value": "acme",
        "functional": True,
        "trust": 0.82,
        "status": "verified",
        "matches": [VERIFICATION],
        "contradictions": [],
        "basis": {"rests_on": "consensus", "sources": 1, "claims": 1, "prior": 0.9},
        "value_kind": VALUE_KIND,
        "calibration": CALIBRATION,
    },
    "run_verification": {
        "namespace": "demo",
        "claims": 240,
        "facts": 180,
        "items": 150,
        "sources": 4,
        "dependent_pairs": 0,
        "iterations": 6,
        "seconds": 0.21,
        "value_kinds": [VALUE_KIND],
        "calibration": [CALIBRATION],
    },
    "add_fact": FACT,
    "list_facts": {"items": [FACT], "next_cursor": None},
    "close_fact": FACT
    | {
        "status": "closed",
        "valid_to": "2024-06-30T00:00:00Z",
        "expired_at": "2024-07-01T08:00:00Z",
    },
    "get_fact": FACT,
    "write_batch": {
        "entities": [{"uid": "acme", "created": True}],
        "facts": [{"uid": "f-alice-acme", "created": True}],
    },
    "search": {
        "hits": [
            {
                "kind": "fact",
                "uid": "f-alice-acme",
                "summary": "Alice works at Acme",
                "rank": 1,
                "score": 0.74,
                "relevance": 0.74,
                "scores": {"keyword": 0.91, "temporal": 1.0},
                "reasons": {
                    "keyword": "matched 'acme', 'works'",
                    "temporal": "valid at 2024-05-01",
                },
                "fact": FACT,
                "trust": 0.82,
                "status": "verified",
            }
        ]
    },
    "trace_causal_paths": {
        "anchor": "storm",
        "direction": "forward",
        "paths": [
            {
                "end": "outage",
                "strength": 0.8,
                "flagged": False,
                "steps": [
                    {
                        "fact": "f-storm-outage",
                        "cause": "storm",
                        "effect": "outage",
                        "predicate": "CAUSES",
                        "strength": 0.8,
                        "lag": "PT2H",
                        "cause_after_effect": False,
                    }
                ],
            }
        ],
    },
    "build_memory_context": {
        "text": "Memory relevant to: Where does Alice work?\nFacts:\n- Alice Smith WORKS_AT "
        "Acme (valid 2024-01-01 to now; trust 0.82, verified; sources: hr-db)",
        "tokens": 42,
        "budget_tokens": 400,
        "omitted": 0,
        "contradictions": [],
        "episodes": [],
        "facts": [
            {
                "uid": "f-alice-acme",
                "subject": "alice",
                "predicate": "WORKS_AT",
                "object": "acme",
                "subject_name": "Alice Smith",
                "object_name": "Acme",
                "valid_from": "2024-01-01T00:00:00Z",
                "valid_to": None,
                "current": True,
                "trust": 0.82,
                "status": "verified",
                "sources": ["hr-db"],
            }
        ],
    },
    "add_episode": OUTCOME,
    "add_episodes": {"episodes": [OUTCOME]},
    "get_episode": ENTITY
    | {
        "uid": "ep-1",
        "label": "Episode",
        "location": None,
        "properties": {"text": EPISODE_IN["text"], "session": "chat-42", "extraction": "done"},
    },
    "delete_episode": {"facts_deleted": ["f-alice-acme"], "facts_kept": [], "entities_deleted": []},
    "delete_source": {
        "facts_deleted": ["f-alice-lyon"],
        "facts_kept": ["f-alice-acme"],
        "entities_deleted": [],
    },
    "retry_episode": OUTCOME,
    "get_pipeline": PIPELINE,
    "set_pipeline": PIPELINE,
    "merge_entities": MERGE,
    "list_merges": [MERGE],
    "undo_merge": MERGE | {"undone_at": "2024-05-02T10:00:00Z"},
    "refresh_communities": {
        "recomputed": True,
        "communities": [
            {"uid": "community-1", "members": ["alice", "acme"], "summary": "Acme and its staff"}
        ],
    },
    "run_cypher": CYPHER_OUT,
    "list_named_queries": [
        {
            "name": "current_facts_of",
            "description": "The facts an entity states that are still believed.",
            "params": [{"name": "uid", "type": "string"}],
            "columns": ["predicate", "object", "valid_from", "valid_to"],
            "writes": False,
            "query": "MATCH (s)-[r]->(o) ...",
        }
    ],
    "run_named_query": CYPHER_OUT
    | {
        "columns": ["predicate", "object", "valid_from", "valid_to"],
        "rows": [["WORKS_AT", "acme", "2024-01-01T00:00:00Z", None]],
    },
    "start_import": IMPORT_JOB | {"status": "queued", "records": 0, "bytes_read": 0},
    "get_import": IMPORT_JOB,
    "export_namespace": '{"kind": "entity", "uid": "alice", "label": "Person"}\n',
    "stream_events": 'id: 17\nevent: fact.added\ndata: {"namespace": "demo", "type": '
    '"fact.added", "ids": ["f-alice-acme"], "time": "2024-05-01T09:00:00+00:00",'
    ' "seq": "17"}\n\n',
    **agent_examples.RESPONSES,
    **tier_examples.RESPONSES,
    "explain_decision": {
        "decision": agent_examples.DECISION,
        "facts": [FACT | {"uid": "f-alice-lyon", "predicate": "LIVES_IN", "object": "lyon"}],
        "episodes": [ENTITY | {"uid": "ep-1", "label": "Episode", "properties": EPISODE_TEXT}],
    },
}

PARAMETERS: dict[str, Any] = {
    "ns": "demo",
    "uid": "alice",
    "name": "current_facts_of",
    "job_id": "job-3f2a",
    "merge_id": 7,
    "anchor": "storm",
    "label": "Person",
    "subject": "alice",
    "predicate": "WORKS_AT",
    "object": "acme",
    "entity": "alice",
    "format": "jsonl",
    "types": "fact.added,fact.closed",
    **agent_examples.PARAMETERS,
}
