"""The stored records declared once: ``fact``, the fact's fields, their columns and how
every door, export and backup carries them; ``episode``, the keys of an episode's
vertex. Plain data with no imports of kgmem's own, so that every layer, the client's
records included, may read it."""
