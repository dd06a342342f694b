"""`python -m bench`: the whole-product benchmark (bench/run.py; `python -m bench --help`)."""
from bench.run import main

main()
