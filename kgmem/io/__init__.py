"""Batch import and export: readers and writers keyed by format, the RDF mapping, and
the loader that writes large files through kgmem.storage.bulk."""
