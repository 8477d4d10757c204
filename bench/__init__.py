"""kgmem benchmarks: ``python -m bench <scenario>``. Each prints its figures next to a
baseline measured in the same run, with the machine and data size."""
