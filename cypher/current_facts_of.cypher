// name: current_facts_of
// description: The facts an entity states (outgoing edges) that are still believed.
// params: uid (string)
// columns: predicate, object, valid_from, valid_to
// writes: false
MATCH (s)-[r]->(o)
WHERE s.uid = $uid AND r.expired_at IS NULL
RETURN type(r) AS predicate, o.uid AS object, r.valid_from AS valid_from, r.valid_to AS valid_to
ORDER BY predicate, object
