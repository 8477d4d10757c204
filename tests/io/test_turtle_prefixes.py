"""Turtle and TriG exports write the prefixes the imported files declared, as rdflib
reads them: compact names where the IRIs were known, and the same graph."""

from __future__ import annotations

import httpx
import rdflib
from rdflib.compare import isomorphic

from tests.io.test_networkx_graphs import upload

TURTLE = b"""@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix ex: <http://example.org/people/> .
@prefix schema: <https://schema.org/> .

ex:ada a foaf:Person ;
    foaf:name "Ada Lovelace" ;
    foaf:knows ex:charles ;
    schema:birthDate "1815-12-10" .
ex:charles a foaf:Person ;
    foaf:name "Charles Babbage" .
"""


async def exported(client: httpx.AsyncClient, ns: str, fmt: str) -> str:
    response = await client.get(f"/v1/namespaces/{ns}/export", params={"format": fmt})
    assert response.status_code == 200, response.text
    return response.text


async def test_turtle_export_keeps_the_imported_prefixes(live_url: str, namespace: str) -> None:
    async with httpx.AsyncClient(base_url=live_url, timeout=60) as client:
        job = await upload(client, namespace, "people.ttl", TURTLE)
        assert job["status"] == "finished" and job["report"]["records_rejected"] == 0, job
        text = await exported(client, namespace, "turtle")
    for prefix in ("foaf: <http://xmlns.com/foaf/0.1/>", "ex: <http://example.org/people/>"):
        assert f"@prefix {prefix}" in text, text
    assert "foaf:name" in text and "ex:ada" in text
    assert "<http://xmlns.com/foaf/0.1/name>" not in text
    assert "<http://example.org/people/ada>" not in text
    got = rdflib.Graph().parse(data=text, format="turtle")
    want = rdflib.Graph().parse(data=TURTLE, format="turtle")
    assert isomorphic(got, want), got.serialize(format="nt")
    assert dict(got.namespaces())["foaf"] == rdflib.URIRef("http://xmlns.com/foaf/0.1/")
