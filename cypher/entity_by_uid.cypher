// name: entity_by_uid
// description: One entity by its uid, whatever its label.
// params: uid (string)
// columns: entity
// writes: false
MATCH (n) WHERE n.uid = $uid RETURN n AS entity
