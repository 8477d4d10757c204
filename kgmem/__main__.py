"""``python -m kgmem`` is the ``kgmem`` command."""

from kgmem.cli.main import main

main()
