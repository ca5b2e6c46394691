#!/usr/bin/python3
"""Runs a notebook headlessly with a real Jupyter client (nbclient) and saves it with its outputs.

    deploy/notebooks/execute.py NOTEBOOK [OUTPUT] [--kernel NAME] [--cwd DIR] [--timeout S]

The kernel is the notebook's own (its kernelspec) unless --kernel names another; cells run in
DIR (default: the notebook's directory). Exit 0 when every cell ran without an error; otherwise
one line on stderr naming the failing cell, exit 1, and the notebook is still saved with the
outputs up to the failure.
"""
import argparse
import os
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook")
    parser.add_argument("output", nargs="?", help="where to save (default: in place)")
    parser.add_argument("--kernel", help="kernel name (default: the notebook's kernelspec)")
    parser.add_argument("--cwd", help="working directory of the kernel")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    args = parser.parse_args()

    nb = nbformat.read(args.notebook, as_version=4)
    kernel = args.kernel or nb.metadata.get("kernelspec", {}).get("name")
    cwd = args.cwd or os.path.dirname(os.path.abspath(args.notebook))
    client = NotebookClient(
        nb,
        kernel_name=kernel,
        timeout=args.timeout,
        startup_timeout=120,
        # Saved notebooks are committed: no per-run timestamps in their metadata.
        record_timing=False,
        resources={"metadata": {"path": cwd}},
    )
    status = 0
    try:
        client.execute()
    except CellExecutionError as e:
        cell = next(
            (i for i, c in enumerate(nb.cells)
             if any(o.get("output_type") == "error" for o in c.get("outputs", []))),
            None,
        )
        summary = str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__
        print(f"execute.py: error: cell {cell} of {args.notebook} failed: {summary}",
              file=sys.stderr)
        status = 1
    finally:
        nbformat.write(nb, args.output or args.notebook)
    return status


if __name__ == "__main__":
    sys.exit(main())
