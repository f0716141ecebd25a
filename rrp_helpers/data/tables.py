"""The checks of each table, and the typed frames a loaded collaborative holds.

Each ``check_<table>`` reports the table's problems (through the shared
:class:`~rrp_helpers.data.columns.CheckContext`) and returns its rows as typed columns; the
orchestration is in :mod:`rrp_helpers.data.load`. Choices: months outside the configured periods
are a warning and are left out of ``monthly`` (its grid is ``config.months()``), other tables keep
them; ``occupied_bed_days`` given on some measure rows of a ward-month but not others is filled
from the rows that have it; safety-cross daily counts must add up to the monthly counts whose
source is ``safety_cross``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from rrp_helpers.data.columns import (
    CheckContext,
    bool_column,
    check_ids,
    check_measures,
    count_column,
    duplicates,
    month_column,
    number_column,
    out_of_period,
)
from rrp_helpers.data.cells import per_unique, parse_date_text
from rrp_helpers.data.contract import MONTH_DTYPE, TABLES
from rrp_helpers.data.extract import RawTable
from rrp_helpers.data.model import CollaborativeConfig
from rrp_helpers.data.problems import Collector, also, closest, did_you_mean, fmt_month, months_text, plural, rows_text

SOURCES: tuple[str, ...] = ("incident_report", "safety_cross", "published")
SLUG = re.compile(r"^[A-Za-z0-9_-]+$")

def empty_frame(columns: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=t) for c, t in columns.items()})


def na_str(s: pd.Series) -> pd.Series:
    """Text column with empty cells as missing (pandas' default ``str`` dtype)."""
    a = s.to_numpy(dtype=object)
    return pd.Series(np.where(a == "", None, a), index=s.index, name=s.name, dtype="str")


def check_wards(t: RawTable, ctx: CheckContext) -> pd.DataFrame:
    df, col = t.df, ctx.col
    ids = df["ward_id"]
    empty = ids == ""
    if empty.any():
        col.error(t.label, int(df.index[empty.to_numpy()][0]), "ward_id", None,
                  f"ward_id is empty on {rows_text(t.rows(empty))}",
                  "give every ward a short unique id, e.g. 'ward-a'")
    bad = ~empty & ~ids.str.fullmatch(SLUG.pattern)
    for r in df.index[bad.to_numpy()]:
        v = ids.at[r]
        slug = re.sub(r"[^a-z0-9]+", "-", v.lower()).strip("-") or "ward-1"
        col.error(t.label, int(r), "ward_id", v,
                  "ward_id must be a short id of letters, digits, '-' or '_' (no spaces)",
                  f"use e.g. '{slug}' (keep the full name in ward_name)")
    if (ids.str.upper() == "ALL").any():
        r = int(df.index[(ids.str.upper() == "ALL").to_numpy()][0])
        col.error(t.label, r, "ward_id", ids.at[r], "'ALL' is reserved (annotations for every ward)",
                  "choose another ward_id")
    duplicates(t, ["ward_id"], ~empty, ctx, "ward (ward_id must be unique)")
    for c in ("ward_name", "trust", "specialty", "ward_type", "gender"):
        e = df[c] == ""
        if e.any() and not empty[e].all():
            col.warn(t.label, int(df.index[e.to_numpy()][0]), c, None,
                     f"{c} is empty on {rows_text(t.rows(e))}",
                     "fill it in so the ward appears correctly in the characteristics table")
    ctx.ward_ids = set(ids[~empty])
    ctx.ward_rows = {w: int(r) for r, w in ids[~empty].items()}
    out = pd.DataFrame({c: df[c] for c in TABLES["wards"].dtypes if c != "beds"}, index=df.index)
    out["beds"] = (number_column(t, "beds", ctx, integer=True, what="beds")
                   if "beds" in df else pd.Series(pd.array([None] * len(df), dtype="Int64"), index=df.index))
    extra = [c for c in df.columns if c not in TABLES["wards"].dtypes]
    for c in extra:
        out[c] = na_str(df[c])
    for c in ("ward_name", "trust", "specialty", "ward_type", "gender"):
        out[c] = na_str(out[c])
    out["ward_id"] = out["ward_id"].astype("str")
    return out.sort_values("ward_id", kind="stable").reset_index(drop=True)


def check_monthly(t: RawTable, ctx: CheckContext, cfg: CollaborativeConfig | None) -> pd.DataFrame:
    df, col = t.df, ctx.col
    ward_ok = check_ids(t, "ward_id", ctx)
    meas_ok = check_measures(t, "measure", ctx)
    months, month_ok = month_column(t, "month", ctx)
    counts, count_ok, missing, star = count_column(t, "count", ctx, allow_star=True)
    keys_ok = ward_ok & meas_ok & month_ok
    keyframe = pd.DataFrame({"ward_id": df["ward_id"], "month": months, "measure": df["measure"]})
    dup = duplicates(t, ["ward_id", "month", "measure"], keys_ok, ctx, "ward, month and measure",
                      key_values=keyframe)
    outside = out_of_period(t, months, keys_ok, ctx,
                             "They are left out of the analysis.")
    # source / suppressed / occupied bed days
    if "source" in df:
        src = df["source"]
        badsrc = (src != "") & ~src.isin(SOURCES)
        if badsrc.any():
            for val, rows in src[badsrc].groupby(src[badsrc]).groups.items():
                rows = list(rows)
                low = val.lower().replace(" ", "_").replace("-", "_")
                hint = f"write '{low}'" if low in SOURCES else (
                    (did_you_mean(val, SOURCES) + " ") if closest(val, SOURCES) else "") + \
                    "source is 'incident_report' or 'safety_cross' (or empty)"
                col.error(t.label, int(rows[0]), "source", val, f"unknown source{also(rows)}",
                          hint)
        source = na_str(src.where(~badsrc, ""))
    else:
        source = pd.Series([None] * len(df), index=df.index, dtype="str")
    suppressed = star.copy()
    if "suppressed" in df:
        sflag = bool_column(t, "suppressed", ctx)
        suppressed |= sflag.fillna(False).astype(bool)
    if star.any():
        col.warn(t.label, int(df.index[star.to_numpy()][0]), "count", "*",
                 f"{plural(int(star.sum()), 'count')} are '*' (suppressed by the publisher, "
                 f"{rows_text(t.rows(star))}); they are treated as missing, never as 0",
                 "nothing to do if the publisher suppressed small numbers; results for these "
                 "months are computed without them")
    if "occupied_bed_days" in df:
        obd = number_column(t, "occupied_bed_days", ctx, integer=False, what="occupied_bed_days")
        usable = keys_ok & ~dup & obd.notna()
        g = pd.DataFrame({"w": df["ward_id"], "m": months, "obd": obd})[usable]
        if len(g):
            n = g.groupby(["w", "m"])["obd"].transform("nunique")
            clash = g[n > 1]
            for (w, m), grp in clash.groupby(["w", "m"], sort=True):
                vals = ", ".join(f"{v:g} (row {r})" for r, v in grp["obd"].items())
                col.error(t.label, int(grp.index[0]), "occupied_bed_days", None,
                          f"ward {w}, {fmt_month(m)}: occupied_bed_days differ between the measure "
                          f"rows of the same ward-month: {vals}",
                          "a ward-month has one number of occupied bed days: make them equal")
        zero = usable & (obd == 0) & counts.fillna(0).gt(0)
        if zero.any():
            col.warn(t.label, int(df.index[zero.to_numpy()][0]), "occupied_bed_days", "0",
                     f"occupied_bed_days is 0 but there were incidents ({rows_text(t.rows(zero))}); "
                     "no rate can be calculated", "check the bed days for these months")
    else:
        obd = pd.Series(pd.array([None] * len(df), dtype="Float64"), index=df.index)
    if cfg is not None and cfg.values_rounded_to:
        k = cfg.values_rounded_to
        off = counts.notna() & (counts % k != 0).fillna(False)
        if off.any():
            col.warn(t.label, int(df.index[off.to_numpy()][0]), "count", None,
                     f"values_rounded_to = {k}, but {plural(int(off.sum()), 'count')} are not "
                     f"multiples of {k} ({rows_text(t.rows(off))})",
                     "check the setting in collaborative.toml, or the counts")
    frame = pd.DataFrame({"ward_id": df["ward_id"], "month": months, "measure": df["measure"],
                          "count": counts, "occupied_bed_days": obd, "source": source,
                          "suppressed": suppressed.astype(bool)}, index=df.index)
    frame["_row"] = df.index
    frame["_missing"] = missing
    keep = keys_ok & ~dup & ~outside
    return frame[keep]


def complete_monthly(frame: pd.DataFrame, wards: list[str], cfg: CollaborativeConfig,
                      label: str, ctx: CheckContext, warn: bool, build: bool = True) -> pd.DataFrame:
    """Warn about wards without data / missing months (when ``warn``: skipped while the
    monthly file has errors, whose rows would show up as spurious gaps); return the full
    ward × measure × month grid."""
    col = ctx.col
    months = cfg.months()
    measures = sorted(cfg.measure_names())
    have = set(frame["ward_id"].unique()) if warn else set(wards)
    for w in wards:
        if w not in have:
            col.warn(ctx.wards_label, ctx.ward_rows.get(w), "ward_id", w,
                     f"this ward has no rows in {label}",
                     f"add its monthly counts, or remove the ward from {ctx.wards_label}")
    if warn:
        _warn_latest_month(frame, [w for w in wards if w in have], cfg, label, col)
    complete = (len(frame) == len(wards) * len(measures) * len(months)
                and frame["count"].notna().all())
    if complete and not build:
        return frame  # validation only, nothing missing: skip building the grid
    idx = pd.MultiIndex.from_product([wards, measures, months], names=["ward_id", "measure", "month"])
    f = frame.set_index(["ward_id", "measure", "month"])
    grid = f.reindex(idx).reset_index()
    grid["suppressed"] = grid["suppressed"].astype("boolean").fillna(False).astype(bool)
    grid["count"] = grid["count"].astype("Int64")
    grid["occupied_bed_days"] = grid["occupied_bed_days"].astype("Float64")
    grid["occupied_bed_days"] = grid["occupied_bed_days"].fillna(
        grid.groupby(["ward_id", "month"])["occupied_bed_days"].transform("first"))
    # one warning per ward listing months with a missing count for any measure
    miss = grid[grid["count"].isna() & grid["ward_id"].isin(have)] if warn else grid.iloc[:0]
    n_months = len(months)
    for w, g in miss.groupby("ward_id", sort=True):
        per_month = g.groupby("month")["measure"].apply(list)
        partial = {m: ms for m, ms in per_month.items() if len(ms) < len(measures)}
        empty_rows = sorted(int(r) for r in g["_row"].dropna())
        text = months_text(per_month.index)
        extra = ""
        if partial:
            ex = "; ".join(f"{fmt_month(m)}: {', '.join(ms)}" for m, ms in list(partial.items())[:4])
            extra += f" Only some measures are missing in {len(partial)} of them ({ex}{' …' if len(partial) > 4 else ''})."
        if empty_rows:
            extra += f" Empty or suppressed count cells: {rows_text(empty_rows)}."
        col.warn(label, empty_rows[0] if empty_rows else None, "count", None,
                 f"ward {w}: no count for {len(per_month)} of {n_months} months: {text}.{extra} "
                 "Missing months are left out of charts and calculations, never counted as 0",
                 "nothing to do if the publisher did not report them (published statistics)"
                 if cfg.values_rounded_to else
                 "add the missing counts if they exist (write 0 only for months with no incidents)")
    grid = grid[["ward_id", "month", "measure", "count", "occupied_bed_days", "source", "suppressed"]]
    grid["source"] = grid["source"].astype("str")
    grid["ward_id"] = grid["ward_id"].astype("str")
    grid["measure"] = grid["measure"].astype("str")
    grid["month"] = grid["month"].astype(MONTH_DTYPE)
    return grid.sort_values(["ward_id", "measure", "month"], kind="stable").reset_index(drop=True)


def _warn_latest_month(frame: pd.DataFrame, wards: list[str], cfg: CollaborativeConfig, label: str,
                       col: Collector) -> None:
    """One warning naming the wards without a count for the latest month any ward has one for (a
    suppressed count is a count given): the wards whose new month has not been added yet."""
    given = frame["count"].notna() | frame["suppressed"]
    if not given.any():
        return
    latest = frame.loc[given, "month"].max()
    behind = sorted(set(wards) - set(frame.loc[given & (frame["month"] == latest), "ward_id"]))
    if not behind:
        return
    month = fmt_month(latest)
    shown = ", ".join(behind[:20]) + (f" and {len(behind) - 20} more" if len(behind) > 20 else "")
    col.warn(label, None, "month", month,
             f"{plural(len(behind), cfg.unit_label)} {'is' if len(behind) == 1 else 'are'} missing the latest "
             f"month, {month}: {shown}",
             "nothing to do if the publisher did not report them (published statistics)" if cfg.values_rounded_to else
             f"add {'its' if len(behind) == 1 else 'their'} rows for {month} (one per measure) when the counts arrive")


def check_safety_cross(t: RawTable, ctx: CheckContext) -> pd.DataFrame:
    df, col = t.df, ctx.col
    ward_ok = check_ids(t, "ward_id", ctx)
    meas_ok = check_measures(t, "measure", ctx)
    s = df["date"]
    vals, reasons = per_unique(s, parse_date_text)
    bad = pd.Series([r is not None for r in reasons], index=s.index)
    for r in df.index[bad.to_numpy()]:
        if (t.label, int(r), "date") in col.redacted:
            continue
        why = reasons[df.index.get_loc(r)]
        col.error(t.label, int(r), "date", s.at[r] or None,
                  "the date is empty" if why == "empty" else why,
                  "write the date as YYYY-MM-DD, e.g. 2019-02-28")
    dates = pd.Series(pd.DatetimeIndex([pd.NaT if b else v for v, b in zip(vals, bad.to_numpy())],
                                       dtype=MONTH_DTYPE), index=s.index)
    counts, count_ok, missing, _ = count_column(t, "count", ctx, allow_star=False)
    if missing.any():
        col.warn(t.label, int(df.index[missing.to_numpy()][0]), "count", None,
                 f"{plural(int(missing.sum()), 'daily count')} are empty ({rows_text(t.rows(missing))}); "
                 "those days are left out", "write 0 for a day with no incidents")
    keys_ok = ward_ok & meas_ok & ~bad
    keyframe = pd.DataFrame({"ward_id": df["ward_id"], "date": dates, "measure": df["measure"]})
    dup = duplicates(t, ["ward_id", "date", "measure"], keys_ok, ctx, "ward, date and measure",
                      key_values=keyframe)
    out_of_period(t, dates.dt.to_period("M").dt.to_timestamp().astype(MONTH_DTYPE), keys_ok, ctx,
                   "They are kept but fall outside the charts.")
    keep = keys_ok & count_ok & ~missing & ~dup
    out = pd.DataFrame({"ward_id": df["ward_id"], "date": dates, "measure": df["measure"],
                        "count": counts}, index=df.index)[keep]
    out["count"] = out["count"].astype("int64")
    return out


def check_monthish(t: RawTable, ctx: CheckContext, *, count: bool) -> tuple[pd.DataFrame, pd.Series]:
    """incident_reports-like tables: ward_id, month, measure[, count]."""
    df = t.df
    ward_ok = check_ids(t, "ward_id", ctx)
    meas_ok = check_measures(t, "measure", ctx)
    months, month_ok = month_column(t, "month", ctx)
    keys_ok = ward_ok & meas_ok & month_ok
    out = pd.DataFrame({"ward_id": df["ward_id"], "month": months, "measure": df["measure"]},
                       index=df.index)
    if count:
        counts, count_ok, missing, _ = count_column(t, "count", ctx, allow_star=False)
        out["count"] = counts
        dup = duplicates(t, ["ward_id", "month", "measure"], keys_ok, ctx,
                          "ward, month and measure", key_values=out[["ward_id", "month", "measure"]])
        keys_ok &= ~dup
    out_of_period(t, months, keys_ok, ctx, "They are kept but fall outside the charts.")
    return out, keys_ok


def check_package(t: RawTable, ctx: CheckContext) -> pd.DataFrame:
    df, col = t.df, ctx.col
    for c in ("primary_driver", "secondary_driver", "change_concept"):
        e = df[c] == ""
        if e.any():
            col.error(t.label, int(df.index[e.to_numpy()][0]), c, None,
                      f"{c} is empty on {rows_text(t.rows(e))}",
                      "every change concept needs its primary and secondary driver")
    key = df["change_concept"].str.lower().str.split().str.join(" ")
    duplicates(t, ["change_concept"], df["change_concept"] != "", ctx,
                "change concept (concepts must be unique, ignoring case)",
                key_values=pd.DataFrame({"change_concept": key}))
    out = df.copy()
    for c in out.columns:
        out[c] = na_str(out[c])
    return out.reset_index(drop=True)


def check_ideas(t: RawTable, ctx: CheckContext, package: pd.DataFrame | None, pkg_label: str) -> pd.DataFrame:
    df, col = t.df, ctx.col
    check_ids(t, "ward_id", ctx)
    started, _ = month_column(t, "started", ctx, what="started")
    for c in ("idea_id", "idea"):
        e = df[c] == ""
        if e.any():
            col.error(t.label, int(df.index[e.to_numpy()][0]), c, None,
                      f"{c} is empty on {rows_text(t.rows(e))}",
                      "every change idea needs an id and a short description")
    duplicates(t, ["ward_id", "idea_id"], (df["idea_id"] != "") & (df["ward_id"] != ""), ctx,
                "ward and idea_id")
    concept = df["change_concept"].copy()
    if package is not None:
        names = [c for c in package["change_concept"].dropna()]
        canon = {re.sub(r"\s+", " ", n.strip()).lower(): n for n in names}
        exact = set(names)
        for val, rows in concept.groupby(concept, sort=True).groups.items():
            rows = list(rows)
            if val in exact:
                continue
            if val == "":
                col.error(t.label, int(rows[0]), "change_concept", None,
                          f"change_concept is empty on {rows_text(rows)}",
                          f"use a change concept from {pkg_label}")
                continue
            low = re.sub(r"\s+", " ", val).lower()
            if low in canon:
                col.warn(t.label, int(rows[0]), "change_concept", val,
                         f"change concept matches '{canon[low]}' only when ignoring case or spacing"
                         f"{also(rows)}; it was read as '{canon[low]}'",
                         f"write it exactly as in {pkg_label}")
                concept.loc[rows] = canon[low]
                continue
            near = closest(val, names, n=3, cutoff=0.5)
            col.error(t.label, int(rows[0]), "change_concept", val,
                      f"this change concept is not in the change package {pkg_label}"
                      f"{also(rows)}",
                      ("Did you mean " + " or ".join(f"'{n}'" for n in near) + "? " if near else "")
                      + f"use a concept from {pkg_label}, or add it there")
    out = pd.DataFrame({"ward_id": df["ward_id"], "idea_id": df["idea_id"], "idea": df["idea"],
                        "change_concept": concept, "started": started}, index=df.index)
    out["pdsa_cycles"] = (number_column(t, "pdsa_cycles", ctx, integer=True, what="pdsa_cycles")
                          if "pdsa_cycles" in df else pd.array([None] * len(df), dtype="Int64"))
    out["status"] = na_str(df["status"]) if "status" in df else pd.Series(
        [None] * len(df), index=df.index, dtype="str")
    return out


def check_annotations(t: RawTable, ctx: CheckContext) -> pd.DataFrame:
    df, col = t.df, ctx.col
    check_ids(t, "ward_id", ctx, allow_all=True)
    months, ok = month_column(t, "month", ctx)
    out_of_period(t, months, ok, ctx, "They will not appear on the charts.")
    e = df["note"] == ""
    if e.any():
        col.warn(t.label, int(df.index[e.to_numpy()][0]), "note", None,
                 f"note is empty on {rows_text(t.rows(e))}", "write the note, or delete the row")
    if "measure" in df:
        check_measures(t, "measure", ctx, allow_empty=True, allow_total=True)
        measure = na_str(df["measure"])
    else:
        measure = pd.Series([None] * len(df), index=df.index, dtype="str")
    ward = df["ward_id"].where(df["ward_id"].str.upper() != "ALL", "ALL")
    return pd.DataFrame({"ward_id": ward, "month": months, "note": df["note"], "measure": measure},
                        index=df.index)


def check_engagement(t: RawTable, ctx: CheckContext) -> pd.DataFrame:
    df = t.df
    ward_ok = check_ids(t, "ward_id", ctx)
    months, ok = month_column(t, "month", ctx)
    duplicates(t, ["ward_id", "month"], ward_ok & ok, ctx, "ward and month",
                key_values=pd.DataFrame({"ward_id": df["ward_id"], "month": months}))
    out_of_period(t, months, ward_ok & ok, ctx, "They are kept but fall outside the charts.")
    out = pd.DataFrame({"ward_id": df["ward_id"], "month": months}, index=df.index)
    for c in ("learning_set_attended", "data_on_time"):
        out[c] = bool_column(t, c, ctx) if c in df else pd.array([None] * len(df), dtype="boolean")
    out["coach_contacts"] = (number_column(t, "coach_contacts", ctx, integer=True,
                                            what="coach_contacts")
                             if "coach_contacts" in df else pd.array([None] * len(df), dtype="Int64"))
    return out[list(TABLES["engagement"].dtypes)]


def cross_check_safety_cross(monthly: pd.DataFrame, sc: pd.DataFrame, label: str,
                              col: Collector) -> None:
    """Safety-cross daily counts must add up to monthly counts whose source is safety_cross."""
    if sc.empty or monthly.empty:
        return
    m = monthly[(monthly["source"] == "safety_cross") & monthly["count"].notna()]
    if m.empty:
        return
    sums = (sc.assign(month=sc["date"].dt.to_period("M").dt.to_timestamp().astype(MONTH_DTYPE))
            .groupby(["ward_id", "month", "measure"])["count"].agg(["sum", "size"]).reset_index())
    j = m.merge(sums, on=["ward_id", "month", "measure"], how="inner")
    bad = j[j["count"].astype("int64") != j["sum"]]
    for _, r in bad.iterrows():
        col.error(label, int(r["_row"]), "count", str(r["count"]),
                  f"ward {r['ward_id']}, {fmt_month(r['month'])}, {r['measure']}: monthly count is "
                  f"{r['count']} (source safety_cross) but the safety-cross daily entries add up to "
                  f"{r['sum']} over {r['size']} days",
                  "correct the monthly count or the daily safety-cross entries so they agree")


def sorted_frame(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    cols = [c for c in cols if c in df]
    return df.sort_values(cols, kind="stable").reset_index(drop=True) if cols else df.reset_index(drop=True)


def typed(df: pd.DataFrame | None, columns: dict[str, str], keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """The contract's ``columns`` with their dtypes, then the extra columns of ``keep`` found in
    ``df``; every other column is left out (it reaches no output)."""
    if df is None:
        return empty_frame(columns)
    out = df.copy()
    for c, t in columns.items():
        if c not in out:
            out[c] = pd.Series([None] * len(out), index=out.index, dtype=t)
        elif t == "str":
            if out[c].dtype != "str":
                out[c] = na_str(out[c].fillna(""))
        else:
            out[c] = out[c].astype(t)
    extra = [c for c in keep if c in out.columns and c not in columns]
    return out[list(columns) + extra]
