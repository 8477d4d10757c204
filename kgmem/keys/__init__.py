"""What one API key may do, in this process: its checks cached for a moment
(``key_cache``), key and namespace changes seen within a second (``key_watch``),
what it may hold and send at once (``quotas``) and its shares of heavy work
(``work_shares``)."""
