"""Believable, fictitious people and businesses per country for the demo data.

Names are common ones in each country (Dutch for NL, Danish for DK, Flemish for BE), the
streets are typical street names, and every address lies in a fictitious municipality with a
made-up postcode range. E-mail addresses use the reserved `.example` top-level domain.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from portal.demo import identifiers


def _split(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(","))


@dataclass(frozen=True)
class CountryPeople:
    first_names: tuple[str, ...]
    surnames: tuple[str, ...]
    streets: tuple[str, ...]
    town: str
    #: postcodes are drawn from this 4-digit range (NL adds two letters)
    postcode_range: tuple[int, int]
    #: patterns for business names; {surname} is filled in
    business_patterns: tuple[str, ...]
    #: staff display names per username
    staff_names: dict[str, str]


@dataclass(frozen=True)
class Person:
    name: str
    national_id: str
    address: str
    email: str | None
    phone: str | None


@dataclass(frozen=True)
class Business:
    name: str
    business_number: str
    address: str
    email: str | None
    phone: str | None


NL = CountryPeople(
    first_names=_split(
        "Sanne, Lotte, Emma, Fleur, Anouk, Marieke, Ingrid, Wilma, Petra, Annemiek, Fatima, "
        "Ayşe, Priya, Naima, Julia, Sophie, Eva, Noor, Jan, Pieter, Kees, Henk, Bram, Thijs, "
        "Daan, Sem, Ruud, Martijn, Mohammed, Yusuf, Mehmet, Rachid, Joost, Stefan, Wouter, "
        "Gerrit"
    ),
    surnames=_split(
        "de Vries, Jansen, van den Berg, Bakker, Visser, Smit, Meijer, de Boer, Mulder, "
        "de Groot, Bos, Vos, Peters, Hendriks, van Leeuwen, Dekker, Brouwer, de Wit, "
        "Dijkstra, Smits, de Graaf, van der Meer, Kok, Jacobs, van Dijk, Verbeek, Postma, "
        "Kuipers, Kaya, Yılmaz, El Amrani, Bouzid, Ramdin, Nguyen, Koster, Willems"
    ),
    streets=_split(
        "Kerkstraat, Dorpsstraat, Molenweg, Stationsweg, Schoolstraat, Julianastraat, "
        "Beatrixlaan, Wilhelminastraat, Eikenlaan, Lindelaan, Merelstraat, Vondellaan, "
        "Prinses Irenestraat, Havenkade, Zuiderweg, Nieuwe Gracht, Marktstraat, "
        "Populierenlaan, Graaf Willemlaan, Sportlaan, Kastanjelaan, Tulpstraat, "
        "Het Hoogeland, Polderweg"
    ),
    town="Voorbeeld",
    postcode_range=(1230, 1239),
    business_patterns=(
        "Bakkerij {surname}",
        "{surname} Installatietechniek B.V.",
        "Café De Gouden Leeuw",
        "Kapsalon {first}",
        "Fietsenmaker {surname}",
        "{surname} Bouw en Onderhoud B.V.",
        "Bloemenhuis De Tulp",
        "Stichting Buurthuis De Linde",
    ),
    staff_names={
        "caseworker": "Ingrid Mulder",
        "desk": "Youssef Amrani",
        "supervisor": "Marieke de Groot",
        "clerk": "Thomas Verbeek",
        "admin": "Ruud Koster",
        "finance": "Annelies Bakker",
    },
)

DK = CountryPeople(
    first_names=_split(
        "Mette, Anne, Kirsten, Hanne, Lone, Susanne, Camilla, Signe, Ida, Freja, Emma, "
        "Louise, Maja, Fatima, Aisha, Karen, Birgitte, Line, Søren, Lars, Jens, Peter, Mads, "
        "Frederik, Mikkel, Rasmus, Anders, Henrik, Thomas, Ahmed, Ali, Niels, Kasper, "
        "Jesper, Ole, Bo"
    ),
    surnames=_split(
        "Nielsen, Jensen, Hansen, Pedersen, Andersen, Christensen, Larsen, Sørensen, "
        "Rasmussen, Jørgensen, Petersen, Madsen, Kristensen, Olsen, Thomsen, Christiansen, "
        "Poulsen, Johansen, Møller, Mortensen, Østergaard, Kjær, Holm, Lund, Dahl, Bach, "
        "Frederiksen, Iversen, Yildiz, Hussein"
    ),
    streets=_split(
        "Hovedgaden, Skolevej, Kirkevej, Møllevej, Stationsvej, Birkevej, Egevej, Nørregade, "
        "Søndergade, Vestergade, Østergade, Engvej, Industrivej, Strandvejen, Rosenvænget, "
        "Bøgevej, Lærkevej, Mågevej, Torvet, Åboulevarden, Kastanie Allé, Fasanvej, "
        "Skovbrynet, Havnegade"
    ),
    town="Eksempelby",
    postcode_range=(8990, 8999),
    business_patterns=(
        "{surname}s Tømrerforretning ApS",
        "Bageriet på Torvet",
        "{surname} VVS ApS",
        "Café Hjørnet I/S",
        "Frisør {first}",
        "{surname} Cykler",
        "Blomsterbutikken Rosen",
        "Foreningen Medborgerhuset",
    ),
    staff_names={
        "caseworker": "Kirsten Holm",
        "desk": "Ahmed Hussein",
        "supervisor": "Birgitte Lund",
        "clerk": "Jesper Bach",
        "admin": "Ole Frederiksen",
        "finance": "Mette Kjær",
    },
)

BE = CountryPeople(
    first_names=_split(
        "Els, An, Katrien, Sofie, Lien, Nele, Lotte, Marie, Louise, Noor, Yasmine, Hilde, "
        "Griet, Ine, Elke, Liesbeth, Fien, Ilse, Jan, Luc, Marc, Dirk, Koen, Bart, Wim, "
        "Arne, Wout, Jef, Lucas, Mohamed, Pieter, Stijn, Tom, Jonas, Geert, Rudi"
    ),
    surnames=_split(
        "Peeters, Janssens, Maes, Jacobs, Mertens, Willems, Claes, Goossens, Wouters, "
        "De Smet, Dubois, Vermeulen, Van Damme, De Clercq, Verhaegen, Van de Velde, "
        "De Backer, Desmet, Hermans, Michiels, Vandenberghe, Coppens, Lambrechts, Aerts, "
        "Verstraete, El Idrissi, Demir, Martens"
    ),
    streets=_split(
        "Kerkstraat, Stationsstraat, Molenstraat, Dorpsstraat, Nieuwstraat, Kapelstraat, "
        "Schoolstraat, Veldstraat, Kouter, Brugsesteenweg, Sint-Pietersstraat, Korenmarkt, "
        "Lindenlaan, Kastanjelaan, Beukenlaan, Meersstraat, Leiekaai, Pastoor De Nevestraat, "
        "Processiestraat, Hoogpoort, Vlasmarkt, Oudburg, Zandberg, Begijnhofdries"
    ),
    town="Voorbeeldegem",
    postcode_range=(9990, 9999),
    business_patterns=(
        "Bakkerij {surname} BV",
        "{surname} Bouw BV",
        "Frituur 't Hoekske",
        "Kapsalon {first}",
        "Fietsen {surname}",
        "{surname} Elektriciteit BV",
        "Bloemen Griet",
        "vzw Jeugdhuis De Kelder",
    ),
    staff_names={
        "caseworker": "Hilde Goossens",
        "desk": "Mohamed El Idrissi",
        "supervisor": "Katrien Wouters",
        "clerk": "Stijn Maes",
        "admin": "Geert Lambrechts",
        "finance": "Els Peeters",
    },
)

COUNTRIES: dict[str, CountryPeople] = {"NL": NL, "DK": DK, "BE": BE}
_MAIL_PROVIDERS = ("mail", "post", "web", "net")
_LEGAL_FORMS = {"bv", "aps", "is", "vzw"}
_ASCII = {"ø": "o", "æ": "ae", "å": "aa", "ı": "i", "ß": "ss"}


def _ascii(text: str) -> str:
    text = "".join(_ASCII.get(ch, ch) for ch in text.lower())
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ch.isascii() and (ch.isalnum() or ch == "."))


class PeopleFactory:
    """Makes people and businesses for one country from one random stream (reproducible).

    National ids, business numbers and business names are never repeated within one factory.
    """

    def __init__(self, country: str, rng: random.Random) -> None:
        self.country = country
        self.data = COUNTRIES[country]
        self.rng = rng
        self._ids: set[str] = set()
        self._numbers: set[str] = set()
        self._business_names: set[str] = set()

    def address(self) -> str:
        rng, data = self.rng, self.data
        street = rng.choice(data.streets)
        number = rng.randint(1, 180)
        postcode = rng.randint(*data.postcode_range)
        if self.country == "NL":
            # Dutch postcodes never use F, I, O, Q, U, Y (and not SA, SD, SS).
            letters = rng.choice("ABCDEGHJKLMNPRT") + rng.choice("ABCDEGHJKLMNPRSTVXZ")
            suffix = rng.choice(("", "", "", "a", "-2", " bis"))
            return f"{street} {number}{suffix}, {postcode} {letters} {data.town}"
        if self.country == "DK":
            floor = rng.choice(("", "", "", ", 1. th.", ", 2. tv.", ", st. mf.", ", 3. th."))
            return f"{street} {number}{floor}, {postcode} {data.town}"
        box = rng.choice(("", "", "", " bus 2", " bus 11", " bus 3"))
        return f"{street} {number}{box}, {postcode} {data.town}"

    def phone(self) -> str | None:
        rng = self.rng
        if rng.random() < 0.25:
            return None
        if self.country == "NL":
            return f"06 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}"
        if self.country == "DK":
            return "+45 " + " ".join(f"{rng.randint(10, 99)}" for _ in range(4))
        return f"04{rng.randint(70, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} " + str(
            rng.randint(10, 99)
        )

    def email(self, local: str) -> str | None:
        if self.rng.random() < 0.3:
            return None
        return f"{_ascii(local)}@{self.rng.choice(_MAIL_PROVIDERS)}.example"

    def _business_email(self, name: str) -> str | None:
        if self.rng.random() < 0.2:
            return None
        words = [_ascii(w).replace(".", "") for w in name.split()]
        domain = "-".join(w for w in words if w and w not in _LEGAL_FORMS)
        return f"info@{domain}.example"

    def person_name(self) -> str:
        return f"{self.rng.choice(self.data.first_names)} {self.rng.choice(self.data.surnames)}"

    def person(self, today_year: int, name: str | None = None) -> Person:
        name = name or self.person_name()
        national_id = self._unique(self._ids, lambda: self._national_id(today_year))
        first, _, last = name.partition(" ")
        local = f"{first}.{last.replace(' ', '')}" if self.rng.random() < 0.7 else first
        if self.rng.random() < 0.4:
            local += str(self.rng.randint(1, 99))
        return Person(
            name=name,
            national_id=national_id,
            address=self.address(),
            email=self.email(local),
            phone=self.phone(),
        )

    def business_name(self) -> str:
        return self._unique(self._business_names, self._any_business_name)

    def _any_business_name(self) -> str:
        pattern = self.rng.choice(self.data.business_patterns)
        surname = self.rng.choice(self.data.surnames)
        # A surname without a first name before it starts with a capital: "Van den Berg".
        return pattern.format(
            surname=surname[0].upper() + surname[1:],
            first=self.rng.choice(self.data.first_names),
        )

    def business(self, name: str | None = None) -> Business:
        if name is None:
            name = self.business_name()
        self._business_names.add(name)
        number = self._unique(self._numbers, self._business_number)
        return Business(
            name=name,
            business_number=number,
            address=self.address(),
            email=self._business_email(name),
            phone=self.phone(),
        )

    def _national_id(self, today_year: int) -> str:
        # Adults between 19 and 90 years old.
        year = self.rng.randint(today_year - 90, today_year - 19)
        if self.country == "NL":
            return identifiers.make_bsn(self.rng)
        if self.country == "DK":
            return identifiers.make_cpr(self.rng, year)
        return identifiers.make_be_national_number(self.rng, year)

    def _business_number(self) -> str:
        if self.country == "NL":
            return identifiers.make_kvk(self.rng)
        if self.country == "DK":
            return identifiers.make_cvr(self.rng)
        return identifiers.make_kbo(self.rng)

    @staticmethod
    def _unique(seen: set[str], make: Callable[[], str]) -> str:
        while True:
            value = make()
            if value not in seen:
                seen.add(value)
                return value
