"""The ``rrp`` command line: ``rrp validate``, ``rrp demo``, ``rrp results``, ``rrp reports``,
``rrp import-mhsds``.

Each command's work lives in its module; commands with many options (``reports``,
``import-mhsds``) also define their arguments there (``add_arguments(parser)`` and
``run(args) -> int``), so this file only wires them up.

Exit codes: 0 success; 2 the input data (or the command line) has errors, reported without a
traceback; 1 an unexpected failure (a bug: rerun with ``--debug`` for the traceback).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

EXIT_OK, EXIT_FAILURE, EXIT_DATA = 0, 1, 2


def _cmd_validate(args: argparse.Namespace) -> int:
    from rrp_helpers.data import validate

    report = validate(args.path)
    print(report.format())
    return EXIT_DATA if report.errors else EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    from rrp_helpers.demo import write_demo

    out = write_demo(args.out, seed=args.seed)
    print(f"Wrote the synthetic demo collaborative (seed {args.seed}) to {out}")
    return EXIT_OK


def _cmd_results(args: argparse.Namespace) -> int:
    import pandas as pd

    from rrp_helpers import publish
    from rrp_helpers.data import load_collaborative
    from rrp_helpers.outcomes import results_sentences
    from rrp_helpers.results import compute_results, published, write_results

    rule = publish.PublishRule(args.suppress_below, args.round_to) if args.publish else None
    collab = load_collaborative(args.data)
    if collab.problems:
        print(
            f"{len(collab.problems)} data warning(s); run `rrp validate {args.data}` to see them.",
            file=sys.stderr,
        )
    tables = compute_results(collab)
    notice = None
    if rule is not None:
        tables = published(tables, rule)
        notice = publish.notice(rule)
        print(notice)
    from rrp_helpers.outcomes import context_notes

    notes = context_notes(collab)
    if notes:
        notice = "\n".join([*notes, *([notice] if notice else [])])
    written = write_results(tables, args.out, notice=notice)
    with pd.option_context("display.width", 120, "display.max_columns", 20, "display.precision", 1):
        print(f"{collab.config.name}: {len(collab.wards)} {collab.config.unit_label}s")
        print(tables["collaborative_results"].to_string(index=False))
        print()
        for sentence in results_sentences(collab, tables["collaborative_results"], tables["team_summary"]):
            print(f"- {sentence}")
    print(f"\nWrote {len(written)} files to {Path(args.out)}")
    return EXIT_OK


def add_publish_arguments(parser: argparse.ArgumentParser) -> None:
    """``--publish`` and its rule, shared by the commands that write shareable outputs."""
    group = parser.add_argument_group("publication")
    group.add_argument(
        "--publish",
        action="store_true",
        help="apply small-number suppression to every published count (default rule: NHS Digital's, "
        "1-4 shown as '*', others rounded to the nearest 5); without it outputs keep exact counts",
    )
    group.add_argument("--suppress-below", type=int, default=5, metavar="N", help="suppress counts from 1 to N-1 (default 5)")
    group.add_argument("--round-to", type=int, default=5, metavar="N", help="round other counts to the nearest N (default 5)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rrp",
        description="RRP Workbook: analyse a reducing-restrictive-practice QI collaborative.",
    )
    parser.add_argument("--debug", action="store_true", help="show the full traceback of unexpected errors")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser(
        "validate",
        help="check a collaborative's data and print a report",
        description="Check every file of a collaborative (a folder with collaborative.toml, or one .xlsx "
        "workbook) and print each problem with its file, row, column and what to do. "
        "Exit code 2 when there are errors, 0 when clean (warnings allowed).",
    )
    validate.add_argument("path", help="collaborative folder or .xlsx workbook")
    validate.set_defaults(run=_cmd_validate)

    demo = commands.add_parser(
        "demo",
        help="generate the synthetic demo collaborative",
        description="Generate the synthetic 38-ward demo collaborative, built to the design of the paper. "
        "The same seed always gives byte-identical files.",
    )
    demo.add_argument("--out", required=True, help="folder to write (replaced atomically)")
    demo.add_argument("--seed", type=int, default=None, help="random seed (default: the shipped demo's)")
    demo.set_defaults(run=_cmd_demo)

    results = commands.add_parser(
        "results",
        help="compute Table 1, Table 2, collaborative- and team-level results",
        description="Load and validate a collaborative, compute every results table and write them as CSV "
        "files and one results.xlsx in --out; print the headline results.",
    )
    results.add_argument("data", help="collaborative folder or .xlsx workbook")
    results.add_argument("--out", default="results", help="output folder (default: results)")
    add_publish_arguments(results)
    results.set_defaults(run=_cmd_results)

    for name, module_name, summary in (
        ("reports", "rrp_helpers.reports", "run the notebooks per ward and publish offline HTML reports"),
        ("import-mhsds", "rrp_helpers.mhsds", "import NHS Digital MHSDS restrictive-intervention files as a collaborative"),
    ):
        module = _optional_module(module_name)
        if module is None:
            continue
        sub = commands.add_parser(name, help=summary, description=module.__doc__.strip().splitlines()[0])
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser


def _optional_module(name: str):
    """Import a command's module if it exists in this version of the workbook."""
    import importlib

    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name != name:
            raise
        return None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rrp`` console script; returns the exit code."""
    from rrp_helpers.data import DataError

    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "seed", 0) is None:
        from rrp_helpers.demo import DEFAULT_SEED

        args.seed = DEFAULT_SEED
    try:
        return args.run(args)
    except DataError as error:
        print(str(error), file=sys.stderr)
        return EXIT_DATA
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt:
        print("Interrupted: files already written are complete; nothing is half-written.", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - the user gets one line, --debug shows the rest
        if args.debug:
            raise
        print(f"rrp {args.command}: unexpected error: {type(error).__name__}: {error}", file=sys.stderr)
        print("Rerun with --debug for the traceback, and please report it.", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
