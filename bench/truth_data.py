"""The DAFNA truth-discovery sets (../shared/data/truth-discovery) as kgmem writes.

Claim lines are ``claimId | entityId | objectId | propertyName | value | source | time |``
separated by ``|<TAB>``. A data item becomes (subject entity, predicate): for population
the subject is the city-year (``cleveland, ohio/2000``) and the predicate
``POPULATION``; for weather the subject is the city-hour and the predicate the upper-cased
attribute. A value is a ``Value`` vertex keyed by its normalised text. Population has
no timestamps; its claim ids follow edit order, so the claim id (in milliseconds after
2007-01-01) stands in for the observation time.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kgmem import EntityWrite, FactWrite
from kgmem.verification.inference import SAMPLE
from kgmem.verification.similarity import normalise

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "truth-discovery"
EPOCH = datetime(2007, 1, 1, tzinfo=UTC)
_YEAR = re.compile(r"(\d{4})$")


@dataclass(frozen=True, slots=True)
class Claim:
    """One claim line, mapped to kgmem's terms."""

    subject: str
    predicate: str
    value: str
    source: str
    observed_at: datetime


@dataclass(frozen=True, slots=True)
class TruthSet:
    """Claims in observation order and the gold value per (subject, predicate)."""

    name: str
    claims: list[Claim]
    gold: dict[tuple[str, str], str]


def _lines(path: Path) -> Iterator[str]:
    """The lines of ``path``, the file closed once read."""
    with path.open(encoding="utf-8", errors="replace") as lines:
        yield from lines


def _fields(line: str) -> list[str]:
    return [f.strip() for f in line.rstrip("\n").split("|\t")]


def _population_item(entity: str, prop: str) -> tuple[str, str] | None:
    year = _YEAR.search(prop)
    return (f"{entity}/{year.group(1)}", "POPULATION") if year else None


def population(root: Path = DATA) -> TruthSet:
    """Pasternack and Roth's city populations."""
    claims = []
    for line in _lines(root / "population" / "claims.txt"):
        f = _fields(line)
        item = _population_item(f[2], f[3]) if len(f) >= 7 else None
        if item is None or not f[4]:
            continue
        when = EPOCH + timedelta(milliseconds=int(f[0]))
        claims.append(Claim(item[0], item[1], f[4], f[5], when))
    gold = {}
    for line in _lines(root / "population" / "truth.txt"):
        parts = [p.strip() for p in line.split(",")]
        if len(parts) >= 4:
            gold[(f"{', '.join(parts[:-2])}/{parts[-2]}", "POPULATION")] = parts[-1]
    claims.sort(key=lambda c: c.observed_at)
    return TruthSet("population", claims, gold)


def _when(text: str) -> datetime:
    return datetime.strptime(" ".join(text.split()), "%a %b %d %H:%M:%S %Y").replace(tzinfo=UTC)


def weather(root: Path = DATA) -> TruthSet:
    """16 weather sites; AccuWeather's readings as gold (the last one per item)."""
    claims = []
    for path in sorted((root / "weather" / "claims").glob("*.txt")):
        for line in _lines(path):
            f = _fields(line)
            if len(f) >= 7 and f[4]:
                claims.append(Claim(f[2], f[3].upper(), f[4], f[5], _when(f[6])))
    gold = {}
    for line in _lines(root / "weather" / "truth.txt"):
        f = _fields(line)
        if len(f) >= 7:
            gold[(f[2], f[3].upper())] = f[4]
    claims.sort(key=lambda c: c.observed_at)
    return TruthSet("weather", claims, gold)


def dafna(folder: Path) -> TruthSet:
    """Any other set in the DAFNA layout under ``folder``: claim lines in ``claims.txt``
    or ``claims/*.txt``; gold in ``truth.txt`` or ``truth/*.txt``, as DAFNA claim lines,
    as ``object<TAB>property<TAB>value`` or as ``object<TAB>value`` (the set's one
    property). A data item is (object, upper-cased property); an empty or unreadable
    time falls back to the line's place in the files."""
    claims = []
    for number, f in enumerate(_dafna_lines(folder, "claims")):
        if len(f) >= 6 and f[4]:
            when = _when_or(f[6] if len(f) > 6 else "", number)
            claims.append(Claim(f[2], f[3].upper(), f[4], f[5], when))
    properties = sorted({c.predicate for c in claims})
    gold: dict[tuple[str, str], str] = {}
    for f in _dafna_lines(folder, "truth"):
        if len(f) >= 5:
            gold[(f[2], f[3].upper())] = f[4]
        elif len(f) == 3 and f[2]:
            gold[(f[0], f[1].upper())] = f[2]
        elif len(f) == 2 and f[1] and len(properties) == 1:
            gold[(f[0], properties[0])] = f[1]
    claims.sort(key=lambda c: c.observed_at)
    return TruthSet(folder.name, claims, gold)


def _dafna_lines(folder: Path, part: str) -> Iterator[list[str]]:
    paths = [folder / f"{part}.txt"] if (folder / f"{part}.txt").is_file() else []
    paths += sorted((folder / part).glob("*.txt")) if (folder / part).is_dir() else []
    for path in paths:
        with path.open(encoding="utf-8", errors="replace") as lines:
            for line in lines:
                if not line.strip():
                    continue
                if "|\t" in line:
                    yield _fields(line)
                else:
                    yield [x.strip() for x in line.rstrip("\n").split("\t")]


def _when_or(text: str, number: int) -> datetime:
    for parse in (_when, datetime.fromisoformat):
        try:
            when = parse(text)
        except ValueError:
            continue
        return when if when.tzinfo else when.replace(tzinfo=UTC)
    return EPOCH + timedelta(seconds=number)


def set_names(root: Path = DATA) -> list[str]:
    """The sets under ``root``: population and weather first, then any other folder."""
    known = [n for n in ("population", "weather") if (root / n).is_dir()]
    others = sorted(p.name for p in root.iterdir() if p.is_dir() and p.name not in known)
    return known + [n for n in others if not n.startswith(".")] if root.is_dir() else []


def load_set(name: str, root: Path = DATA) -> TruthSet:
    """The set called ``name`` under ``root``."""
    special = {"population": population, "weather": weather}
    return special[name](root) if name in special else dafna(root / name)


class TsvError(ValueError):
    """A line of a claims or gold file that cannot be read, with its file and line."""


def from_tsv(claims: Path, gold: Path, name: str = "") -> TruthSet:
    """A user's own set: ``claims`` has one claim a line, ``object<TAB>property<TAB>
    value<TAB>source[<TAB>time]`` (time in ISO 8601; without it, file order is the
    observation order); ``gold`` has ``object<TAB>property<TAB>value``. Empty lines and
    lines starting with ``#`` are skipped; any other line with too few fields or a bad
    time raises ``TsvError`` naming the file and line."""
    rows = []
    for number, f in _tsv_lines(claims, 4):
        when = EPOCH + timedelta(seconds=number)
        if len(f) > 4 and f[4]:
            when = _iso(f[4], claims, number)
        rows.append(Claim(f[0], f[1], f[2], f[3], when))
    truth = {(f[0], f[1]): f[2] for _, f in _tsv_lines(gold, 3)}
    rows.sort(key=lambda c: c.observed_at)
    return TruthSet(name or claims.stem, rows, truth)


def _tsv_lines(path: Path, fields: int) -> Iterator[tuple[int, list[str]]]:
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip() or line.startswith("#"):
                continue
            f = [x.strip() for x in line.rstrip("\n").split("\t")]
            if len(f) < fields or not all(f[:fields]):
                raise TsvError(
                    f"{path}:{number}: expected {fields} non-empty tab-separated fields, "
                    f"got {len(f)}"
                )
            yield number, f


def _iso(text: str, path: Path, number: int) -> datetime:
    try:
        when = datetime.fromisoformat(text)
    except ValueError as exc:
        raise TsvError(f"{path}:{number}: time {text!r} is not ISO 8601") from exc
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def value_uid(value: str) -> str:
    """The uid of the Value vertex of ``value``."""
    return "value:" + normalise(value)


def fact_uid(claim: Claim) -> str:
    """One fact per (subject, predicate, value): claims of it by many sources share it."""
    key = f"{claim.subject}\x1f{claim.predicate}\x1f{value_uid(claim.value)}"
    return "td-" + hashlib.blake2b(key.encode(), digest_size=12).hexdigest()


def source_kind(name: str) -> str:
    """Wikipedia editors: anonymous (an IP address) or registered; other sources: website."""
    if name.startswith("0 ("):
        return "anonymous"
    return "registered" if ":" in name else "website"


def entities(data: TruthSet) -> Iterator[EntityWrite]:
    """Subjects, values and sources, each once."""
    seen: set[str] = set()
    for c in data.claims:
        for uid, label, props in (
            (c.subject, "Entity", {"name": c.subject}),
            (value_uid(c.value), "Value", {"name": c.value}),
            (c.source, "Source", {"name": c.source, "kind": source_kind(c.source)}),
        ):
            if uid not in seen:
                seen.add(uid)
                yield EntityWrite(uid=uid, label=label, properties=props)


def facts(data: TruthSet) -> Iterator[FactWrite]:
    """One fact write per claim, in observation order."""
    for c in data.claims:
        yield FactWrite(
            subject=c.subject,
            predicate=c.predicate,
            object=value_uid(c.value),
            uid=fact_uid(c),
            source=c.source,
            recorded_at=c.observed_at,
        )


def first_values(data: TruthSet, predicate: str, limit: int = SAMPLE) -> list[str]:
    """The values the store reads ``predicate``'s kind from: those of its first
    ``limit`` facts (distinct subject and value, in the order the claims were made)."""
    seen: set[tuple[str, str]] = set()
    out: list[str] = []
    for c in data.claims:
        fact = (c.subject, value_uid(c.value))
        if c.predicate != predicate or fact in seen:
            continue
        seen.add(fact)
        out.append(c.value)
        if len(out) == limit:
            break
    return out
