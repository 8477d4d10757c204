import httpx, json
from kgmem import EntityWrite, Memory

BAD = "x\ud800y"

def raw(obj) -> bytes:
    return json.dumps(obj).encode()  # ensure_ascii escapes the surrogate as \ud800

async def post(client, url, obj, method="POST"):
    return await client.request(method, url, content=raw(obj), headers={"content-type": "application/json"})

async def test_repro(app, namespace: str, memory: Memory) -> None:
  async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=('127.0.0.1', 4000), raise_app_exceptions=False), base_url='http://t') as client:
      ns = namespace
      out = {}
      out["entity"] = await post(client, f"/v1/namespaces/{ns}/entities/a", {"label": "Person", "properties": {"name": BAD}}, "PUT")
      out["entity_uid"] = await client.put(f"/v1/namespaces/{ns}/entities/%ED%A0%80", json={"label": "Person"})
      out["search"] = await post(client, f"/v1/namespaces/{ns}/search", {"query": BAD})
      out["episode"] = await post(client, f"/v1/namespaces/{ns}/episodes", {"content": BAD})
      out["fact"] = await post(client, f"/v1/namespaces/{ns}/facts", {"subject": "a", "predicate": "KNOWS", "object": "b", "text": BAD})
      out["cypher"] = await post(client, f"/v1/namespaces/{ns}/cypher", {"query": f"RETURN '{BAD}' AS s"})
      out["cypher_param"] = await post(client, f"/v1/namespaces/{ns}/cypher", {"query": "RETURN $p AS s", "parameters": {"p": BAD}})
      out["query_param"] = await client.get(f"/v1/namespaces/{ns}/entities?label=%ED%A0%80")
      out["explain"] = await post(client, f"/v1/namespaces/{ns}/cypher", {"query": "EXPLAIN MATCH (n) RETURN n"})
      deep = "[" * 3000 + "1" + "]" * 3000
      out["deep"] = await post(client, f"/v1/namespaces/{ns}/cypher", {"query": f"RETURN {deep} AS x"})
      out["import"] = await client.post(f"/v1/namespaces/{ns}/imports", files={"file": ("d.nt", b"x", "text/plain")}, data={"format": "nope"})
      out["import2"] = await client.post(f"/v1/namespaces/{ns}/imports", files={"file": ("d.zzz", b"x", "text/plain")})
      out["verif"] = await client.post(f"/v1/namespaces/{ns}/verification/run")
      for k, r in out.items():
          print(k, r.status_code, r.text[:300])
      assert 0
