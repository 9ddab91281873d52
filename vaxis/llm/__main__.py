"""Command line: ``python -m vaxis.llm provision [NAME ... | --all]`` and ``python -m vaxis.llm list``."""

from __future__ import annotations

import argparse
import sys

from .._checks import VaxisError
from .provision import default_models, provision
from .registry import REGISTRY, is_provisioned


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vaxis.llm", description="The offline language models of vaxis.")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("provision", help="install and convert offline models (idempotent)")
    p.add_argument("names", nargs="*",
                   help=f"registry names (default: {', '.join(default_models())}; the others on request)")
    p.add_argument("--all", action="store_true", help="every registry model, including the larger opt-in ones")
    sub.add_parser("list", help="list registry models, whether they are provisioned, and their licences")
    args = parser.parse_args(argv)
    try:
        if args.cmd == "provision":
            provision(list(REGISTRY) if args.all else (args.names or None))
        else:
            for name, spec in REGISTRY.items():
                state = "provisioned" if is_provisioned(name) else "not provisioned"
                extra = "" if spec.default else " (opt-in)"
                print(f"{name:20s} {spec.kind:8s} {state:16s} {spec.hf_id} [{spec.license}]{extra}")
    except VaxisError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
