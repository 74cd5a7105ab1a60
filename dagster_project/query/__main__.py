"""`python -m dagster_project.query ...`: the same command as `credit query`, on its own."""
import os
import sys

from dagster_project.query import main

code = main()
sys.stdout.flush()
sys.stderr.flush()
os._exit(code)
