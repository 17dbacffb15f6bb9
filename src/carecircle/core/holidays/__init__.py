"""The State Council's yearly holiday schedules (国务院办公厅关于20XX年部分节假日安排的通知)
as data files, one TOML file per year beside this module, each naming its notice and page.

``read(path)`` parses and checks one file (a bad file is a ``DomainError`` saying what is
wrong); ``shipped()`` lists the years shipped here. Loading into the database is
``core.workdays.load_year``.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path

from carecircle.core.errors import DomainError

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Schedule:
    """One year's schedule: days off (with the holiday's name) and 调休 working days."""

    year: int
    source: str
    url: str
    off: dict[dt.date, str]
    working: dict[dt.date, str]


def shipped() -> dict[int, Path]:
    return {int(p.stem): p for p in sorted(HERE.glob("[0-9][0-9][0-9][0-9].toml"))}


def _bad(path: Path, why: str) -> DomainError:
    return DomainError("holiday_file", f"假日安排文件有误 / bad holiday file {path}: {why}", "file")


def _date(path: Path, value: object, what: str) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise _bad(path, f"{what} must be a date (YYYY-MM-DD), got {value!r}")
    return value


def read(path: Path | str) -> Schedule:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _bad(path, "no such file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise _bad(path, str(exc)) from None
    year = data.get("year")
    if not isinstance(year, int) or not 1990 <= year <= 2100:
        raise _bad(path, "'year' must be a year such as 2026")
    source = str(data.get("source") or "").strip()
    if not source:
        raise _bad(path, "'source' (the notice it comes from) is required")
    off: dict[dt.date, str] = {}
    for row in data.get("holidays") or []:
        first = _date(path, row.get("from"), "holidays.from")
        last = _date(path, row.get("to", first), "holidays.to")
        if last < first or (last - first).days > 15:
            raise _bad(path, f"holiday {first}–{last} is not a plausible break")
        d = first
        while d <= last:
            off[d] = str(row.get("name") or "")
            d += dt.timedelta(days=1)
    working = {
        _date(path, row.get("date"), "workdays.date"): str(row.get("name") or "")
        for row in data.get("workdays") or []
    }
    if not off:
        raise _bad(path, "no holidays listed")
    for d in (*off, *working):
        if d.year != year:
            raise _bad(path, f"{d} is not in {year}")
    if both := sorted(set(off) & set(working)):
        raise _bad(path, f"{both[0]} is listed both off and working")
    if weekday := [d for d in working if d.weekday() < 5]:
        raise _bad(path, f"调休 working day {weekday[0]} is not a weekend")
    return Schedule(year, source, str(data.get("url") or ""), off, working)
