"""The ``rrp`` command line: every command's arguments, and the call into the package that does the work.

Nothing imports this module: it sits on top of the package (``docs/design.md``). Exit codes are
those of :mod:`rrp_helpers.errors`: 0 success; 1 some work failed, or an unexpected error (a bug:
rerun with ``--debug`` for the traceback); 2 the data or the command line cannot be used,
reported without a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from rrp_helpers.startup import skip_slow_optional_imports

skip_slow_optional_imports()  # before anything below imports jsonschema

import rrp_helpers  # noqa: E402
from rrp_helpers import privacy, publish  # noqa: E402
from rrp_helpers.outputs import check_collaborative_folder  # noqa: E402
from rrp_helpers.blank import WORKBOOK, write_blank  # noqa: E402
from rrp_helpers.data import DataError, load_collaborative, validate  # noqa: E402
from rrp_helpers.demo import DEFAULT_SEED, N_WARDS, write_demo  # noqa: E402
from rrp_helpers.errors import EXIT_DATA, EXIT_FAILED, EXIT_OK, UsageError  # noqa: E402
from rrp_helpers.importers import mhsds  # noqa: E402
from rrp_helpers.importers.mhsds import ImportRefused, import_mhsds  # noqa: E402
from rrp_helpers.national import BASELINE_MONTHS, DEFAULT_MONTHS, write_national  # noqa: E402
from rrp_helpers.outcomes import context_notes, results_sentences  # noqa: E402
from rrp_helpers.reports.batch import LOCAL_CLUSTER, ReportOptions, build_reports, default_jobs  # noqa: E402
from rrp_helpers.reports.kernel import DEFAULT_RESTART_EVERY  # noqa: E402
from rrp_helpers.results import check_results_folder, compute_results, write_results  # noqa: E402


def _cmd_validate(args: argparse.Namespace) -> int:
    report = validate(args.path)
    print(report.format())
    return EXIT_DATA if report.errors else EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    check_collaborative_folder(args.out, "rrp demo")  # a refusal before the collaborative is made
    if args.wards is not None or args.months is not None:
        wards = N_WARDS if args.wards is None else args.wards
        months = DEFAULT_MONTHS if args.months is None else args.months
        out = write_national(args.out, wards, months, seed=args.seed)
        print(f"Wrote a synthetic national collaborative of {wards:,} wards x {months} months "
              f"({BASELINE_MONTHS} baseline, {months - BASELINE_MONTHS} testing; seed {args.seed}) to {out}")
        return EXIT_OK
    out = write_demo(args.out, seed=args.seed)
    print(f"Wrote the synthetic demo collaborative (seed {args.seed}) to {out}")
    return EXIT_OK


def _cmd_new(args: argparse.Namespace) -> int:
    out = write_blank(args.folder)
    print(f"Wrote a blank collaborative to {out}: collaborative.toml (every setting explained), wards.csv and "
          f"monthly.csv (headers only), {WORKBOOK} (the same as one workbook) and README.md (what to fill).")
    print(f"Next: fill it in, then `rrp validate {out}` (or `rrp validate {out / WORKBOOK}` for the workbook).")
    return EXIT_OK


def _cmd_results(args: argparse.Namespace) -> int:
    import pandas as pd

    from rrp_helpers.chance import chance_sentence

    rule = _publish_rule(args)
    collab = load_collaborative(args.data)
    check_results_folder(args.out, inputs=collab.inputs)  # a refusal before the work, not after
    if collab.problems:
        print(f"{len(collab.problems)} data warning(s); run `rrp validate {args.data}` to see them.", file=sys.stderr)
    tables = compute_results(collab, publish_rule=rule)
    notice = None
    if rule is not None:
        notice = publish.notice(rule)
        print(notice)
    notes = context_notes(collab)
    if notes:
        notice = "\n".join([*notes, *([notice] if notice else [])])
    written = write_results(tables, args.out, notice=notice, inputs=collab.inputs)
    with pd.option_context("display.width", 120, "display.max_columns", 20, "display.precision", 1):
        print(f"{collab.config.name}: {len(collab.wards)} {collab.config.unit_label}s")
        print(tables["collaborative_results"].to_string(index=False))
        print()
        for sentence in results_sentences(collab, tables["collaborative_results"], tables["team_summary"]):
            print(f"- {sentence}")
        if len(tables["chance_summary"]):
            print(f"- {chance_sentence(tables['chance_summary'])}")
    print(f"\nWrote {len(written)} files to {Path(args.out)}")
    return EXIT_OK


def _cmd_reports(args: argparse.Namespace) -> int:
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if args.dask and args.scheduler:
        raise UsageError("--dask starts a Dask cluster on this machine, --scheduler uses an existing one: give one of them")
    options = ReportOptions(
        data=Path(args.data), out=Path(args.out), wards=list(args.wards) if args.wards else None,
        jobs=args.jobs or default_jobs(), rerun_failed=args.rerun_failed, force=args.force,
        collaborative=not args.no_collaborative, progress=not args.quiet, png=args.png and not args.no_png, shared_vega=args.shared_vega,
        publish=(args.suppress_below, args.round_to) if _publish_rule(args) else None,
        isolated=args.isolated, restart_every=args.restart_every,
        scheduler=LOCAL_CLUSTER if args.dask else args.scheduler,
    )
    summary = build_reports(options)
    print(summary.format())
    return summary.exit_code


def _cmd_import_mhsds(args: argparse.Namespace) -> int:
    try:
        imported = import_mhsds(args.inputs, args.out, baseline=args.baseline, testing=args.testing)
    except ImportRefused as refused:
        n = len(refused.problems)
        print(f"rrp import-mhsds: {n} problem{'s' if n != 1 else ''}; nothing was written.", file=sys.stderr)
        for problem in refused.problems[:50]:
            print(f"  ERROR  {problem}", file=sys.stderr)
        if n > 50:
            print(f"  … and {n - 50} more", file=sys.stderr)
        return EXIT_DATA
    for line in imported.summary:
        print(line)
    print(f"Wrote {Path(args.out)} (collaborative.toml, wards.csv, monthly.csv, README.md). Next: rrp validate {args.out}")
    return EXIT_OK


def _publish_rule(args: argparse.Namespace) -> publish.PublishRule | None:
    """The publication rule of ``--publish`` (None without it); a bad rule is a usage error."""
    if not args.publish:
        return None
    try:
        return publish.PublishRule(args.suppress_below, args.round_to)
    except ValueError as error:
        raise UsageError(f"--suppress-below/--round-to: {error}") from None


def _add_publish_arguments(parser: argparse.ArgumentParser) -> None:
    """``--publish`` and its rule, shared by the commands that write shareable outputs."""
    group = parser.add_argument_group("publication")
    group.add_argument(
        "--publish", action="store_true",
        help="apply small-number suppression to every published count (default rule: NHS Digital's, "
        "1-4 shown as '*', others rounded to the nearest 5); without it outputs keep exact counts",
    )
    group.add_argument("--suppress-below", type=int, default=5, metavar="N", help="suppress counts from 1 to N-1 (default 5)")
    group.add_argument("--round-to", type=int, default=5, metavar="N", help="round other counts to the nearest N (default 5)")


def _add_reports_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("data", help="collaborative folder or .xlsx workbook")
    parser.add_argument("--out", required=True, help="output folder (created if needed; earlier good reports are kept)")
    parser.add_argument("--wards", nargs="+", metavar="ID", help="only these ward ids (default: every ward)")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: the number of CPUs)")
    parser.add_argument("--rerun-failed", action="store_true", help="run again only what failed in the last run in --out")
    parser.add_argument("--force", action="store_true", help="rerun reports even when their inputs are unchanged")
    parser.add_argument("--no-collaborative", action="store_true", help="ward reports and index only")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--png", action="store_true", help="also write each ward's charts as PNG files, for slides (slower)")
    parser.add_argument("--no-png", action="store_true", help=argparse.SUPPRESS)  # the default now; kept for old scripts
    parser.add_argument("--shared-vega", action="store_true",
                        help="one copy of the Vega libraries for the whole folder (vega/), not one in every page: "
                             "smaller output; pages still open offline, from the folder")
    parser.add_argument("--isolated", action="store_true",
                        help="run every notebook in a new kernel of its own (slower; the default reuses one warm kernel per worker)")
    parser.add_argument("--restart-every", type=int, default=DEFAULT_RESTART_EVERY, metavar="N",
                        help=f"replace a worker's warm kernel after N notebooks (default {DEFAULT_RESTART_EVERY})")
    dask = parser.add_argument_group("distributed execution (Dask; without these, a pool of processes on this machine)")
    dask.add_argument("--dask", action="store_true",
                      help="run the notebooks on a Dask cluster started on this machine for the run (--jobs workers, "
                           "one warm kernel each)")
    dask.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                      help="run the notebooks on the workers of this Dask scheduler: every worker needs the same "
                           "rrp-workbook installed and the data, the notebooks and --out at the same paths (a shared "
                           "filesystem); --jobs is then ignored")
    _add_publish_arguments(parser)


def _add_import_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", metavar="FILES_OR_DIR",
                        help="NHS Digital MHSDS monthly CSV files, or folders holding them (read recursively)")
    parser.add_argument("--out", required=True, help="collaborative folder to write (replaced atomically)")
    parser.add_argument("--baseline", metavar="START:END", help="baseline months, e.g. 2021-09:2022-02 (default: every month read)")
    parser.add_argument("--testing", metavar="START:END", help="testing months, e.g. 2022-03:2022-08 (default: none, monitoring only)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rrp", description="RRP Workbook: analyse a reducing-restrictive-practice QI collaborative.")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of unexpected errors")
    parser.add_argument("--version", action="version", version=f"rrp {rrp_helpers.__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str, description: str, example: str, run) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=summary, description=description, epilog=f"Example: {example}",
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
        sub.set_defaults(run=run)
        return sub

    validate_cmd = command(
        "validate", "check a collaborative's data and print a report",
        "Check every file of a collaborative (a folder with collaborative.toml, or one .xlsx workbook) and print each "
        "problem with its file, row, column and what to do. Exit code 2 when there are errors, 0 when clean (warnings allowed).",
        "rrp validate data/demo", _cmd_validate)
    validate_cmd.add_argument("path", help="collaborative folder or .xlsx workbook")
    demo = command(
        "demo", "generate the synthetic demo collaborative",
        "Generate the synthetic 38-ward demo collaborative, built to the design of the paper; with --wards/--months, "
        "a national-size synthetic collaborative instead (for tests and benchmarks at scale). The same seed (and size) "
        "always gives byte-identical files.", "rrp demo --out my_demo --seed 7  (or: rrp demo --out national --wards 6000 "
        "--months 60)", _cmd_demo)
    demo.add_argument("--out", required=True, help="folder to write (replaced atomically)")
    demo.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default: the shipped demo's)")
    demo.add_argument("--wards", type=int, metavar="N",
                      help="instead of the demo, a national-size synthetic collaborative of N wards (rrp_helpers.national; "
                           f"not built to the paper's figures; default with --months: {N_WARDS})")
    demo.add_argument("--months", type=int, metavar="M",
                      help=f"its months: {BASELINE_MONTHS} baseline, the rest testing (default with --wards: {DEFAULT_MONTHS})")
    new = command(
        "new", "write a blank collaborative to fill in (CSV files and an Excel workbook)",
        "Write a new folder holding a blank collaborative: collaborative.toml with every setting explained in a "
        "comment, wards.csv and monthly.csv with their headers, collaborative.xlsx (the same as one workbook, with "
        "drop-downs and an instructions sheet) and a README.md saying what to fill. The folder must be new or empty: "
        "nothing is ever overwritten.", "rrp new my_collaborative", _cmd_new)
    new.add_argument("folder", help="folder to create (it must not exist, or be empty)")
    results = command(
        "results", "compute Table 1, Table 2, collaborative- and team-level results",
        "Load and validate a collaborative, compute every results table and write them as CSV files and one "
        "results.xlsx in --out; print the headline results.", "rrp results data/demo --out results/demo", _cmd_results)
    results.add_argument("data", help="collaborative folder or .xlsx workbook")
    results.add_argument("--out", required=True, help="output folder (created if needed; the workbook's own files in it are replaced)")
    _add_publish_arguments(results)
    reports = command(
        "reports", "run the notebooks per ward and publish offline HTML reports",
        "Run the ward report notebook for every ward and the collaborative notebooks, and publish them as offline "
        "HTML reports with an index.", "rrp reports data/demo --out reports/demo --jobs 2", _cmd_reports)
    _add_reports_arguments(reports)
    importer = command(
        "import-mhsds", "import NHS Digital MHSDS restrictive-intervention files as a collaborative",
        mhsds.__doc__.strip().splitlines()[0], "rrp import-mhsds data/nhs_mhsds_sample/raw --out my_mhsds --baseline 2021-09:2022-02 "
        "--testing 2022-03:2022-08", _cmd_import_mhsds)
    _add_import_arguments(importer)
    return parser


class _Scrubbed:
    """A text stream that replaces NHS numbers before they reach the terminal (a folder or file
    name the user typed may hold one; no message of the workbook echoes it)."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(privacy.scrub(text))

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rrp`` console script; returns the exit code."""
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Scrubbed(sys.stdout), _Scrubbed(sys.stderr)
    try:
        return _main(argv)
    finally:
        sys.stdout, sys.stderr = streams


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except DataError as error:
        print(str(error), file=sys.stderr)
        return EXIT_DATA
    except UsageError as error:
        print(f"rrp {args.command}: {error}", file=sys.stderr)
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
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
