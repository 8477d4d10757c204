"""Canonical keys of person-name lists, as bookstores and catalogues write them.

A list is split into people at ";", "/", "&", "|", "+", " - ", line breaks, HTML tags,
"and", "with" and commas; the key is the sorted set of the people's surnames, so the
order of the list, initials against full given names, and the separators do not matter.
Before splitting, HTML entities are decoded, accents and apostrophes dropped, and noise
removed: roles and bracketed notes ("(Author)", "[Editor]", "Edited by", "By (author)",
"ed.", "et al.", "etc.", "and others") as separators, since a role word stands where one
person ends ("Widom, Jennifer By (author) Ullman, Jeffrey" is two people); life dates
("1942-") and titles ("Jr.", "Ph.D.", "Dr.") as spaces; people who are not authors of
the book ("Foreword by ...", "Illustrated by ...", "Published by ..." up to the next
separator, and the name before a bracketed "(Translator)", "(Illustrator)",
"(Foreword)"); catalogue roles ("joint author"); and firms, a publisher or imprint in
the author field ("Morgan Kaufmann Publishers", "Oxford University Press", "John Wiley
& Sons": a name holding a word such as "Publishers", "Inc.", "University", or "Press",
"Books", "Media" in a name of two or more words without an initial, so "William H.
Press" stays a person). A listing cut
short ("Jeffrey D. Ullman, Jennifer Wid...", "..., Peter van ...") loses its last,
partial name, so it reads as the truncated list it is; such a listing, and one that
ends in "et al.", "and others" or "etc.", says the book has more authors than it names
(``listing``), which the consensus reads as a list known to be incomplete.

Commas separate people, except "Last, First" pairs: a list whose comma pieces alternate
surnames and one to three given names or initials ("Ullman, Jeffrey D., Widom,
Jennifer") is read as pairs, where a surname is one word, possibly after particles ("van
der Linden, Peter", "Le Guin, Ursula K."); so are pairs run together with no separator
between people ("Rosenberg, Doug Stephens, Matt": a surname, then pieces of one given name
or initials before the next surname, then the last given name). A person's surname is
the last word that is not an initial, where an initial is a single letter or, in a text
that is not all capitals, a word of two or three capitals ("Ullman JD" is Ullman); a name
that ends in an initial after a given name is written surname first ("Cormen Thomas H" is
Cormen), and so are the other names of its listing when none has an initial inside it
("Cormen Thomas H, Stein Clifford" is Cormen and Stein).
The key of a surname is its last word, so "van der Linden" is "linden" however the
particles are written; a hyphenated surname is keyed whole, as catalogues key it
("Garcia-Molina" is "garcia-molina", another person than "Molina").
"""

from __future__ import annotations

import html
import re
import unicodedata

# People named after these words did not write the book: dropped up to the next separator.
_NOT_AUTHORS = re.compile(
    r"\b(?:with\s+)?(?:an?\s+|the\s+)?(?:new\s+)?(?:foreword|forward|preface|afterword|"
    r"introduction|intro|illustrated|illustrations|illustration|translated|translation|"
    r"photographs|photography|photos|drawings|notes|commentary|narrated|read|published|"
    r"distributed)\s+by\b"
    r"[^;/&|+\n]*",
    re.IGNORECASE,
)
# A role after a name that says its person did not write the book ("Jay Rubin
# (Translator)"): that person is dropped, as after "Translated by".
_HELPER_ROLE = re.compile(
    r"[(\[](?:translator|trans|translated|illustrator|illus|illustrated|narrator|reader|"
    r"photographer|foreword|introduction|afterword)\.?[)\]]",
    re.IGNORECASE,
)
_HELPER = "\x01"  # where such a role was, ending its chunk: no word character
# Roles and bracketed notes stand where one person's name ends and the next begins:
# removed as separators, so "Widom, Jennifer By (author) Ullman, Jeffrey" is two people.
_ROLES = re.compile(
    r"\((?:[^)]*)\)|\[(?:[^\]]*)\]|\{(?:[^}]*)\}|\b(?:edited|compiled|written|selected|"
    r"collected)\s+(?:and\s+\w+\s+)?by\b:?|\bby\b:?|\bet\.?\s*al\b\.?|\band\s+others\b|"
    r"\betc\b\.?|&\s*others\b|\b(?:joint|jt)\.?\s+(?:authors?|eds?|editors?)\b\.?|"
    r"\b(?:eds?|editors?|authors?|trans|translator|illus|illustrator|"
    r"contributors?|compiler|edt|aut)\b\.?:?",
    re.IGNORECASE,
)
# Marks that the book has more authors than the listing names.
_MORE = re.compile(r"\w\W+(?:et\.?\s*al|(?:and|&)\s+others|etc)\b", re.IGNORECASE)
# Titles and suffixes belong to one person's name: removed as spaces.
_NOISE = re.compile(
    r"\b(?:jr|sr|ii|iii|iv|phd|ph\.\s*d|md|m\.\s*d|dr|prof|professor|mr|mrs|ms|sir|dame|"
    r"rev|esq)\b\.?",
    re.IGNORECASE,
)
# Words that name a firm, not a person: a publisher or imprint in the author field.
_FIRM_WORDS = (
    "publishing publishers publisher publications publication pubns publ inc incorporated "
    "ltd limited llc plc corp corporation company gmbh verlag editions edition sons staff "
    "associates university institute society association foundation council committee "
    "department organization organisation pty imprint professional learning technology "
    "technologies bookshelf ptr software"
)
_FIRM = frozenset(_FIRM_WORDS.split(" "))
# Publishers and imprints known by a name with no firm word in it: a firm when one name
# of the list is exactly one of these ("Prentice Hall"; "Mary Hall" stays a person).
_IMPRINT_NAMES = (
    "prentice hall|pearson prentice hall|addison-wesley|addison wesley|addison wesley "
    "longman|mcgraw-hill|mcgraw hill|springer|springer-verlag|elsevier|apress|wrox|sybex|"
    "peachpit|newnes|butterworth-heinemann|cengage|que|packt|oreilly|new riders|john wiley|"
    "jones bartlett|"
    "taylor francis|simon schuster|morgan kaufmann|harpercollins|routledge|palgrave"
)
_IMPRINTS = frozenset(tuple(name.split(" ")) for name in _IMPRINT_NAMES.split("|"))
# Words that name a firm in a name of two or more words without an initial ("No Starch
# Press"; but "William H. Press", and "Press" alone before ", William H.", are people).
_FIRM_WITHOUT_INITIAL = frozenset(("press", "house", "books", "media", "group", "education"))
# "John Wiley & Sons", "W. W. Norton & Company": one firm, not two people.
_FIRM_JOIN = re.compile(
    r"\s*(?:&|\band\b)\s*(?=(?:sons|co|company|associates)\b)"
    r"|(?<=\bjones)\s*(?:&|\band\b)\s*(?=bartlett\b)"
    r"|(?<=\btaylor)\s*(?:&|\band\b)\s*(?=francis\b)"
    r"|(?<=\bsimon)\s*(?:&|\band\b)\s*(?=schuster\b)",
    re.IGNORECASE,
)
_TAG = re.compile(r"<[^>]*>")
_PARTICLE_WORDS = "van von der den des de del della di da du la le lo dos das do ten ter st saint"
PARTICLES = frozenset(f"{_PARTICLE_WORDS} mc mac bin ibn al el af zu y".split(" "))
"""Words before a surname that belong to it: "van der Linden", "de la Cruz", "St. John"."""
_GIVEN_PARTICLES = frozenset({"van", "al", "el", "del", "mac", "lo", "do", "y"})
LIFE_DATES = re.compile(r"\(?(?:\bb\.\s*)?\b1\d{3}\s*-\s*(?:\d{4}\b)?\s*\)?")
"""Life dates after a name: "1942-", "(1945-2010)", "b. 1950-"."""
# A listing cut short by the store: a trailing ellipsis after a partial name.
_CUT = re.compile(r"(?:\.\.\.|\u2026)\s*$")
_MARK = "\x00"  # where the ellipsis was: no word character, kept through the cleaning
_CUT_NAME = re.compile(r"[^\W\d_][-.]?\x00")
_STRONG = re.compile(r"\s*(?:;|/|&|\||\+|\n|\s-+\s|--+|\band\b|\bwith\b)\s*", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_APOSTROPHE = re.compile(r"['\u2019\u2018`\u00b4]")
_HYPHEN = re.compile(r"(?<=[^\W\d_])[-\u2010\u2011](?=[^\W\d_])")


def fold(text: str) -> str:
    """HTML entities decoded (twice, for doubly escaped text), accents dropped; case kept."""
    decomposed = unicodedata.normalize("NFKD", html.unescape(html.unescape(text)))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def listing(text: str) -> tuple[tuple[str, ...], bool]:
    """The sorted surnames of the people ``text`` lists, and whether the text says the
    book has more authors than it lists: "et al.", "and others", "etc." after the names,
    or a listing cut short in a name ("..., Jennifer Wid...")."""
    words, upper, more = _read(text)
    first = _surnames_first(words, upper)
    return tuple(sorted({_surname(person, upper, first=first) for person in words})), more


def _surnames_first(found: list[list[str]], upper: bool) -> bool:
    """Whether the listing writes its people surname first: one of them ends in an
    initial after a given name ("Cormen Thomas H") and none has an initial before its
    last word ("Thomas H. Cormen")."""
    ends = any(_ends_in_initial(p, upper) for p in found)
    inner = any(_initial(w, upper) for p in found for w in p[1:-1] if not _initial(p[-1], upper))
    return ends and not inner


def _ends_in_initial(words: list[str], upper: bool) -> bool:
    """A name ending in an initial after a given name: written surname first ("Cormen
    Thomas H"; not "van der Linden P", a surname and initials)."""
    ends = _initial(words[-1], upper) and not _initial(words[0], upper)
    return ends and len(_named(words, upper)) > 1


def _named(words: list[str], upper: bool) -> list[str]:
    """The words of a name that are neither initials nor particles."""
    return [w for w in words if not _initial(w, upper) and w.lower() not in PARTICLES]


def people(text: str) -> tuple[list[list[str]], bool]:
    """The people ``text`` lists, each as its words (given names first, case kept, noise
    and non-authors removed), and whether the text is all capitals."""
    found, upper, _ = _read(text)
    return found, upper


def _read(text: str) -> tuple[list[list[str]], bool, bool]:
    """``people``, and whether the listing says it goes on (``listing``)."""
    clean = _HYPHEN.sub("-", _APOSTROPHE.sub("", fold(_TAG.sub(";", text))))
    upper = clean.upper() == clean
    marked = _MORE.search(clean) is not None
    clean = _NOT_AUTHORS.sub(" ", LIFE_DATES.sub(" ", _CUT.sub(_MARK, clean)))
    clean = _HELPER_ROLE.sub(_HELPER + ";", clean)
    clean = _NOISE.sub(" ", _ROLES.sub(";", _FIRM_JOIN.sub(" ", clean)))
    # Cut short in a name (not in "et al..." nor in a foreword clause, both removed).
    cut = _CUT_NAME.search(clean) is not None
    found: list[list[str]] = []
    for chunk in _STRONG.split(clean):
        read = _people(chunk.replace(_HELPER, " "))
        found.extend(read[:-1] if chunk.rstrip().endswith(_HELPER) else read)
    # Cut short after a particle: "Peter van ..." names no surname yet.
    cut = cut or (_MARK in clean and bool(found) and found[-1][-1].lower() in PARTICLES)
    if cut and len(found) > 1:
        found.pop()  # the last name was cut short: the list shown is its first people
    return found, upper, cut or marked


def _people(chunk: str) -> list[list[str]]:
    """The people of one chunk: commas separate people, except "Last, First" pairs,
    alone or run together."""
    words = [w for w in (_WORD.findall(p.replace(".", ". ")) for p in chunk.split(",")) if w]
    # Run together, a piece holds a given name and the next surname ("Jennifer Press").
    chained = _chained(_inner(words), chunk.upper() == chunk)
    if chained is not None:
        return [p for p in chained if not firm(p) and not imprint(p)]
    pieces = [p for p in words if not firm(p)]
    people = [p for p in pieces if not imprint(p)]
    for read in (people, pieces):
        if _pairs(read) and (read is people or _imprint_surnames(read)):
            pairs = zip(read[0::2], read[1::2], strict=True)
            return [given + last for last, given in pairs]
    return people


def _chained(pieces: list[list[str]], upper: bool) -> list[list[str]] | None:
    """ "Last, First Last, First" pairs run together with no separator between people
    ("Rosenberg, Doug Stephens, Matt"): a surname, then pieces each holding one person's
    given names and the next one's surname, then the last one's given names. Read so only
    when the first piece is one surname, the last one given name or initials, and each
    piece between a given name or initials before a surname that is no initial ("Jeffrey
    D." is one person's given names); otherwise None."""
    if len(pieces) < 3 or not _one_surname(pieces[0]) or not _given(pieces[-1]):
        return None
    people, last = [], pieces[0]
    for piece in pieces[1:-1]:
        split = _surname_start(piece)
        if split is None or not _given(piece[:split]) or _initial(piece[-1], upper):
            return None
        people.append(piece[:split] + last)
        last = piece[split:]
    return [*people, pieces[-1] + last]


def _inner(pieces: list[list[str]]) -> list[list[str]]:
    """The pieces without the firms and imprints before and after the people ("...,
    McGraw-Hill"); those between may be a given name and the next surname ("Mary Press")."""
    start, end = 0, len(pieces)
    while start < end and (firm(pieces[start]) or imprint(pieces[start])):
        start += 1
    while end > start and (firm(pieces[end - 1]) or imprint(pieces[end - 1])):
        end -= 1
    return pieces[start:end]


def _given(words: list[str]) -> bool:
    """Initials, after one given name or none ("Matt", "Jeffrey D.", "J. D."); a word
    after initials ("V. D. Marmi") reads as a whole name instead."""
    return bool(words) and all(_initial(w, False) for w in words[1:])


def _surname_start(words: list[str]) -> int | None:
    """Where the surname at the end of ``words`` begins, with its particles ("Doug van der
    Linden" gives 1); None when nothing comes before it."""
    start = len(words) - 1
    while start > 0 and words[start - 1].lower() in PARTICLES:
        start -= 1
    return start if start > 0 else None


def _imprint_surnames(pieces: list[list[str]]) -> bool:
    """Whether "Last, First" pairs that name an imprint as a surname read as people:
    each such surname is followed by one given name and initials at most ("Springer,
    Mark J."), not by a whole name ("McGraw-Hill, Jeffrey D. Ullman")."""
    pairs = zip(pieces[0::2], pieces[1::2], strict=True)
    return all(
        not imprint(last) or sum(not _initial(w, False) for w in given) <= 1
        for last, given in pairs
    )


def firm(words: list[str]) -> bool:
    """Whether a name's words name a firm ("Morgan Kaufmann Publishers", "Oxford
    University Press", "John Wiley & Sons") rather than a person."""
    lower = {w.lower() for w in words}
    if lower & _FIRM:
        return True
    weak = bool(lower & _FIRM_WITHOUT_INITIAL)
    return weak and len(words) > 1 and not any(len(w) == 1 for w in words)


def imprint(words: list[str]) -> bool:
    """Whether a name's words are exactly a publisher's or imprint's known name with no
    firm word in it ("Prentice Hall", "Addison-Wesley", "Springer")."""
    return tuple(w.lower() for w in words) in _IMPRINTS


def _pairs(pieces: list[list[str]]) -> bool:
    """Whether comma pieces read as "Last, First" pairs: an even number of pieces, each
    surname one word or one word after particles ("van der Linden", "Le Guin"), the
    given names one to three words."""
    if not pieces or len(pieces) % 2:
        return False
    return all(_one_surname(p) for p in pieces[0::2]) and all(len(p) <= 3 for p in pieces[1::2])


def _one_surname(words: list[str]) -> bool:
    """One word, or one word after surname particles. A lone particle that is also a
    given name ("Van Johnson", "Al Gore") counts only in lower case, so "Al Gore, Tipper
    Gore" stays two people; "Van Der Linden" is one surname."""
    *lead, _ = words
    if len(lead) == 1 and lead[0].lower() in _GIVEN_PARTICLES and not lead[0].islower():
        return False
    return all(w.lower() in PARTICLES for w in lead)


def _initial(word: str, upper: bool) -> bool:
    return len(word) == 1 or (not upper and len(word) <= 3 and word.isupper())


def _surname(words: list[str], upper: bool, *, first: bool = False) -> str:
    """A person's key: the last word that is not an initial ("J. Han", "Jiawei Han",
    "Han J", "Han" all give "han"), but the first word that is not a particle when the
    name ends in an initial after a given name, surname first ("Cormen Thomas H",
    "van der Linden Peter J"), or when its listing writes surnames ``first`` ("Stein
    Clifford" after "Cormen Thomas H"); a hyphenated surname whole ("garcia-molina")."""
    given_too = _named(words, upper)
    if _ends_in_initial(words, upper) or (first and len(given_too) > 1):
        return given_too[0].lower()
    named = [w for w in words if not _initial(w, upper)]
    return (named or words)[-1].lower()
