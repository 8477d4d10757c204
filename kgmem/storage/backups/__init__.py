"""Keeping a store safe: whole-store and namespace backups and restores (``backup``,
``dump``), point-in-time recovery (``pitr``), and what they rely on: the registry of what
a namespace owns (``namespace_parts``), checksums and integrity checks."""
