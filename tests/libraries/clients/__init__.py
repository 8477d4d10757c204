"""Programs run inside a library's own venv (tests/libraries/venvs.py) against a kgmem
Bolt server: they import only the library, its dependencies and ``harness``."""
