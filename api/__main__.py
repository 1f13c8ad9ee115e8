"""`python -m api` is the `virtkg` command."""

from api.cli import main

if __name__ == "__main__":  # query workers are spawned processes: they import this module too
    main(prog_name="virtkg")
