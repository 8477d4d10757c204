// name: session_episodes
// description: The episodes of one session (conversation or document), oldest first.
// params: session (string)
// columns: uid, text, speaker, occurred_at
// writes: false
MATCH (e:Episode)
WHERE e.session = $session
RETURN e.uid AS uid, e.text AS text, e.speaker AS speaker, e.occurred_at AS occurred_at
ORDER BY occurred_at, uid
