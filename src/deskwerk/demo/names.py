"""Fictional German names for demo people, and the e-mail addresses made from them."""

from __future__ import annotations

import random

FIRST_NAMES = (
    "Anna", "Andreas", "Barbara", "Benjamin", "Birgit", "Christian", "Claudia", "Daniel",
    "Doris", "Elena", "Emre", "Eva", "Felix", "Florian", "Franziska", "Frank", "Gabriele",
    "Hannah", "Heike", "Ines", "Jan", "Jana", "Jens", "Johanna", "Jonas", "Julia", "Jürgen",
    "Karin", "Kerstin", "Klaus", "Lara", "Lea", "Leon", "Lisa", "Luca", "Marco", "Maria",
    "Markus", "Martina", "Matthias", "Maximilian", "Melanie", "Michael", "Mia", "Monika",
    "Nadine", "Niklas", "Nina", "Oliver", "Paul", "Petra", "Philipp", "Ralf", "Sandra",
    "Sarah", "Sebastian", "Simone", "Sophie", "Stefan", "Susanne", "Tim", "Tobias", "Ulrike",
    "Uwe", "Vanessa", "Yusuf", "Zeynep",
)  # fmt: skip

LAST_NAMES = (
    "Bauer", "Becker", "Braun", "Brenner", "Dietrich", "Eberle", "Engel", "Fischer", "Frank",
    "Friedrich", "Fuchs", "Graf", "Haas", "Hahn", "Hartmann", "Heinrich", "Herrmann", "Hofmann",
    "Huber", "Jäger", "Kaiser", "Keller", "Klein", "Koch", "König", "Köhler", "Krause", "Kuhn",
    "Lang", "Lehmann", "Lorenz", "Maier", "Mayer", "Möller", "Müller", "Neumann", "Ott",
    "Peters", "Pfeiffer", "Richter", "Roth", "Schäfer", "Schmid", "Schmidt", "Schmitt",
    "Scholz", "Schreiber", "Schröder", "Schulz", "Schwarz", "Seitz", "Sommer", "Stark",
    "Vogel", "Vogt", "Walter", "Weber", "Weiß", "Werner", "Winkler", "Wolf", "Yilmaz",
    "Zimmermann", "Özdemir",
)  # fmt: skip

_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e"})


def email_for(full_name: str, domain: str) -> str:
    """``Jürgen Weiß`` → ``juergen.weiss@domain``, the way German companies spell them."""
    local = ".".join(part.lower().translate(_TRANSLIT) for part in full_name.split())
    return f"{local}@{domain}"


def people_names(count: int, *, rng: random.Random, taken: set[str]) -> list[str]:
    """``count`` distinct full names whose e-mail local parts are also distinct."""
    if count > len(FIRST_NAMES) * len(LAST_NAMES) - len(taken):
        raise ValueError(f"cannot invent {count} distinct names")
    seen = {email_for(name, "x") for name in taken}
    names: list[str] = []
    while len(names) < count:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        key = email_for(name, "x")
        if key in seen:
            continue
        seen.add(key)
        names.append(name)
    return names
