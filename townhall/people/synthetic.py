"""Synthetic residents and the person records council systems hold about them.

Deterministic for a seed, with the ground truth kept (every record carries the id
of the person it describes), so linkage can be measured. The demo borough's four
source systems (council tax, housing, adult social care, waste) draw on it, and so
do the linkage tests and `bench/linkage_scale.py`.

What makes linkage hard here, on purpose:
- households share a surname and an address;
- twins share all of that and a date of birth, and differ only in given name;
- records use nicknames (Bob for Robert), typos, day and month swapped, missing
  dates of birth, postcodes written without the space or in lower case;
- some people have moved, and some systems still hold the old address;
- cases a model cannot settle alone, which fill the clerical review queue as real
  extracts do: people who moved within the borough lately, whose old record (old
  address, perhaps a maiden name or a slip, no date of birth or contact details)
  shares only their name with the new one; and sons given their father's name,
  living at his address.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta

DEMO_SOURCES: tuple[str, ...] = ("council_tax", "housing", "adult_social_care", "waste")

# fmt: off
MALE_NAMES = (
    "Aaron", "Adam", "Adrian", "Aidan", "Alan", "Albert", "Alexander", "Alfred", "Andrew", "Anthony", "Arthur",
    "Ashley", "Barry", "Benjamin", "Bradley", "Brian", "Callum", "Carl", "Charles", "Christopher", "Colin",
    "Connor", "Craig", "Daniel", "Darren", "David", "Dean", "Dennis", "Derek", "Dominic", "Donald", "Douglas",
    "Edward", "Ethan", "Francis", "Frederick", "Gary", "Gavin", "George", "Gerald", "Gordon", "Graham", "Gregory",
    "Harrison", "Harvey", "Henry", "Ian", "Isaac", "Jack", "Jacob", "James", "Jason", "Jeffrey", "Jeremy", "John",
    "Jonathan", "Joseph", "Joshua", "Keith", "Kenneth", "Kevin", "Kieran", "Lawrence", "Leonard", "Lewis", "Liam",
    "Louis", "Luke", "Malcolm", "Mark", "Martin", "Matthew", "Michael", "Mohammed", "Nathan", "Neil", "Nicholas",
    "Nigel", "Noah", "Oliver", "Oscar", "Patrick", "Paul", "Peter", "Philip", "Raymond", "Richard", "Robert",
    "Roger", "Ronald", "Ryan", "Samuel", "Scott", "Sean", "Simon", "Stephen", "Stuart", "Terence", "Thomas",
    "Timothy", "Trevor", "Victor", "Wayne", "William", "Zachary",
)
FEMALE_NAMES = (
    "Abigail", "Alexandra", "Alice", "Alison", "Amanda", "Amelia", "Amy", "Angela", "Ann", "Barbara", "Beverley",
    "Bridget", "Caroline", "Catherine", "Charlotte", "Chloe", "Christine", "Claire", "Danielle", "Deborah", "Diana",
    "Donna", "Dorothy", "Eleanor", "Elizabeth", "Ella", "Emily", "Emma", "Evelyn", "Fiona", "Frances", "Freya",
    "Gemma", "Georgia", "Gillian", "Grace", "Hannah", "Harriet", "Hazel", "Heather", "Helen", "Holly", "Isabel",
    "Isabella", "Isla", "Jacqueline", "Jade", "Jane", "Janet", "Jennifer", "Jessica", "Joan", "Joanne",
    "Josephine", "Julie", "Karen", "Katherine", "Kathleen", "Kimberley", "Laura", "Lauren", "Leah", "Linda",
    "Lisa", "Louise", "Lucy", "Lynn", "Margaret", "Maria", "Mary", "Megan", "Melanie", "Michelle", "Natalie",
    "Nicola", "Olivia", "Pamela", "Patricia", "Paula", "Rachel", "Rebecca", "Rosemary", "Ruth", "Samantha",
    "Sandra", "Sarah", "Sharon", "Sophie", "Stephanie", "Susan", "Tracey", "Valerie", "Victoria", "Wendy", "Zoe",
)
COMMON_SURNAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
    "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke", "Patel",
    "Khan", "Lewis", "James", "Phillips", "Mason", "Mitchell", "Rose", "Davis", "Rodriguez", "Cox", "Alexander",
    "Morgan", "Moore", "Hughes", "Harris", "Martin", "King", "Lee", "Allen", "Scott", "Young", "Baker", "Turner",
    "Hill", "Cooper", "Ward", "Morris", "Carter", "Hussain", "Ali", "Bell", "Watson", "Kelly", "Murphy", "Shaw",
    "Graham", "Cook", "Richardson", "Anderson", "Marshall", "Collins", "Bennett", "Russell", "Griffiths", "Ellis",
    "Harrison", "Gray", "Murray", "Simpson", "Stevens", "Edwards", "Foster", "Atkinson", "Dixon", "Chapman",
    "Lloyd", "Webb", "Owen", "Mills", "Holmes", "Ahmed", "Singh", "Kaur", "Stewart", "Palmer", "Pearson",
    "Fletcher", "Hunt", "Reid", "Knight", "Parker", "Butler", "Barnes", "Fisher", "Henderson", "Armstrong",
    "O'Brien", "Nicholson", "Robson", "Wilkinson", "Stephenson", "Potts", "Elliott", "Burns", "Campbell",
)
SURNAME_STARTS = (
    "Ash", "Black", "Brad", "Brook", "Cald", "Car", "Chad", "Craw", "Dal", "Dun", "East", "Fair", "Fox", "Gold",
    "Grim", "Hart", "Hather", "Hol", "Kirk", "Lang", "Lock", "Mar", "Mid", "Nor", "Oak", "Pen", "Pick", "Rad",
    "Red", "Rich", "Sand", "Shel", "Stan", "Sut", "Thorn", "Wake", "Wal", "West", "Whit", "Win", "Wood", "Yar",
)
SURNAME_MIDDLES = ("", "er", "ing", "en")
SURNAME_ENDS = (
    "by", "croft", "den", "ell", "field", "ford", "gate", "ham", "hurst", "ington", "ley", "low", "man", "more",
    "shaw", "stone", "ton", "well", "wick", "worth",
)
STREET_NAMES = (
    "Abbey", "Acacia", "Albert", "Alder", "Beech", "Birch", "Bridge", "Castle", "Cedar", "Chapel", "Cherry",
    "Chestnut", "Church", "Clover", "College", "Coronation", "Elm", "Fairfield", "Farm", "Fern", "Forge", "Garden",
    "Grange", "Hawthorn", "Hazel", "Heath", "High", "Highfield", "Holly", "Jubilee", "Laburnum", "Larch", "Laurel",
    "Lime", "Manor", "Maple", "Market", "Meadow", "Mill", "Moor", "Nelson", "Oak", "Orchard", "Park", "Poplar",
    "Primrose", "Priory", "Queen's", "Railway", "Rectory", "Rowan", "School", "Spring", "Station", "Sycamore",
    "Victoria", "Vicarage", "Willow", "Windmill", "Woodland",
)
STREET_TYPES = ("Road", "Street", "Avenue", "Lane", "Close", "Crescent", "Drive", "Grove", "Terrace", "Way")
# fmt: on
TOWN = "Northam"
POSTCODE_AREA = "NM"
ADDRESSES_PER_POSTCODE = 14
EMAIL_DOMAINS = ("example.org", "example.com", "example.net", "mail.example")
# A nickname a record may use instead of the full name (a subset of the linkage table's pairs).
NICKNAMES: dict[str, tuple[str, ...]] = {
    "Robert": ("Bob", "Rob", "Robbie"),
    "William": ("Bill", "Will", "Billy"),
    "Richard": ("Dick", "Rich", "Rick"),
    "Elizabeth": ("Liz", "Beth", "Lizzie"),
    "Margaret": ("Maggie", "Peggy"),
    "James": ("Jim", "Jimmy", "Jamie"),
    "Thomas": ("Tom", "Tommy"),
    "Michael": ("Mike", "Mick"),
    "Katherine": ("Kate", "Kathy"),
    "David": ("Dave",),
    "Catherine": ("Cathy", "Kate"),
    "Christopher": ("Chris",),
    "Christine": ("Chris",),
    "Edward": ("Ed", "Ted"),
    "Jennifer": ("Jenny", "Jen"),
    "Samuel": ("Sam",),
    "Samantha": ("Sam",),
    "Anthony": ("Tony",),
    "Susan": ("Sue",),
    "Patricia": ("Pat", "Trish"),
    "Joseph": ("Joe",),
    "Daniel": ("Dan", "Danny"),
    "Matthew": ("Matt",),
    "Nicholas": ("Nick",),
    "Peter": ("Pete",),
    "Stephen": ("Steve",),
    "Andrew": ("Andy",),
    "Rebecca": ("Becky", "Becca"),
    "Deborah": ("Debbie",),
    "Alexander": ("Alex",),
    "Alexandra": ("Alex",),
    "Frederick": ("Fred", "Freddie"),
    "Kenneth": ("Ken",),
    "Victoria": ("Vicky",),
    "Jonathan": ("Jon",),
}


@dataclass(frozen=True)
class SyntheticAddress:
    line_1: str
    line_2: str
    town: str
    postcode: str


@dataclass(frozen=True)
class SyntheticPerson:
    person_id: int
    household_id: int
    given_name: str
    surname: str
    date_of_birth: date
    address: SyntheticAddress
    previous_address: SyntheticAddress | None
    email: str
    phone: str
    # Moved lately: systems that have not caught up hold an old record (old address, perhaps
    # the surname before a marriage, no date of birth or contact details, taken before those were asked).
    recent_move: bool = False
    previous_surname: str | None = None


@dataclass(frozen=True)
class SourceRecord:
    """One row of a source system's extract, in link-csv's columns, plus the truth (person_id)."""

    record_id: str
    person_id: int
    source_system: str
    given_name: str
    surname: str
    date_of_birth: str
    address_line_1: str
    address_line_2: str
    town: str
    postcode: str
    email: str
    phone: str

    def as_row(self) -> dict[str, str]:
        """The link-csv input row (without the ground truth)."""
        row = asdict(self)
        del row["person_id"]
        return row


class _Borough:
    """Addresses handed out street by street, ADDRESSES_PER_POSTCODE to a postcode."""

    def __init__(self, rng: random.Random, *, first_district: int = 1) -> None:
        self._first_district = first_district
        self._streets = [f"{name} {kind}" for name in STREET_NAMES for kind in STREET_TYPES]
        rng.shuffle(self._streets)
        self._issued = 0

    def address(self) -> SyntheticAddress:
        n = self._issued
        self._issued += 1
        street_index, house = divmod(n, 120)
        street = self._streets[street_index % len(self._streets)]
        estate = street_index // len(self._streets)  # reused street names get a locality
        postcode_index = n // ADDRESSES_PER_POSTCODE
        district, rest = divmod(postcode_index, 10 * 400)
        sector, unit = divmod(rest, 400)
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        postcode = f"{POSTCODE_AREA}{district + self._first_district} {sector}{letters[unit // 20]}{letters[unit % 20]}"
        line_2 = (
            f"{['', 'East', 'West', 'North', 'South', 'Upper', 'Lower'][estate % 7]} Northam".strip() if estate else ""
        )
        return SyntheticAddress(f"{house + 1} {street}", line_2, TOWN, postcode)


def _surname_pool() -> tuple[list[str], list[float]]:
    """Surnames shaped like Great Britain's: the commonest (Smith) about 1.1% of people,
    the hundred commonest about a fifth, and a long tail of rarer ones (made up here)."""
    tail = sorted(
        {start + middle + end for start in SURNAME_STARTS for middle in SURNAME_MIDDLES for end in SURNAME_ENDS}
    )
    zipf = [1.0 / (rank + 6) for rank in range(len(COMMON_SURNAMES))]
    common_share = 0.2
    weights = [common_share * w / sum(zipf) for w in zipf] + [(1 - common_share) / len(tail)] * len(tail)
    return list(COMMON_SURNAMES) + tail, weights


def synthetic_people(*, households: int, seed: int, hard_cases: bool = False) -> list[SyntheticPerson]:
    """Residents living in `households` households (about 2.3 people each), reproducible for a seed.

    `hard_cases` adds juniors and recent movers (_hard_cases): the demo borough has them,
    so its review queue is not empty; the linkage benchmarks and tests keep the data their
    goals were set on.
    """
    rng = random.Random(seed)  # noqa: S311 (seeded on purpose: determinism)
    borough = _Borough(rng)
    # Where movers lived before: other streets and postcodes, not next door.
    elsewhere = _Borough(rng, first_district=50)
    surnames, surname_weights = _surname_pool()
    people: list[SyntheticPerson] = []
    reference = date(2026, 1, 1)

    def new_person(
        household_id: int,
        surname: str,
        sex: str,
        born: date,
        home: SyntheticAddress,
        moved_from: SyntheticAddress | None,
        avoid: set[str],
    ) -> None:
        pool = MALE_NAMES if sex == "m" else FEMALE_NAMES
        given = rng.choice(pool)
        while given[0] in avoid:
            given = rng.choice(pool)
        avoid.add(given[0])
        person_id = len(people)
        handle = f"{given}.{surname}".lower().replace("'", "")
        adult = (reference - born).days > 18 * 365
        email = f"{handle}{rng.randrange(1, 999)}@{rng.choice(EMAIL_DOMAINS)}" if adult and rng.random() < 0.6 else ""
        phone = f"07{rng.randrange(100_000_000, 999_999_999)}" if adult and rng.random() < 0.7 else ""
        people.append(SyntheticPerson(person_id, household_id, given, surname, born, home, moved_from, email, phone))

    for household_id in range(households):
        surname = rng.choices(surnames, surname_weights)[0]
        home = borough.address()
        moved_from = elsewhere.address() if rng.random() < 0.1 else None
        initials: set[str] = set()
        first_born = reference - timedelta(days=rng.randrange(20 * 365, 85 * 365))
        size = rng.choices((1, 2, 3, 4, 5), (0.3, 0.33, 0.16, 0.15, 0.06))[0]
        new_person(household_id, surname, rng.choice("mf"), first_born, home, moved_from, initials)
        if size >= 2:
            partner_born = first_born + timedelta(days=rng.randrange(-2000, 2000))
            new_person(household_id, surname, rng.choice("mf"), partner_born, home, moved_from, initials)
        children = size - 2
        if children > 0:
            child_born = first_born + timedelta(days=rng.randrange(20 * 365, 40 * 365))
            child_born = min(child_born, reference - timedelta(days=rng.randrange(30, 3000)))
            twins = children >= 2 and rng.random() < 0.15
            for child in range(children):
                if child and not (twins and child == 1):
                    child_born = child_born + timedelta(days=rng.randrange(400, 2500))
                    child_born = min(child_born, reference - timedelta(days=rng.randrange(30, 365)))
                new_person(household_id, surname, rng.choice("mf"), child_born, home, moved_from, initials)
    if not hard_cases:
        return people
    return _hard_cases(people, seed=seed, borough=borough, surnames=surnames, surname_weights=surname_weights)


_MALE = frozenset(MALE_NAMES)
# Share of fathers with a son given his name; of adults who moved lately; of those whose
# surname changed with the move.
NAMED_AFTER_FATHER = 0.05
RECENT_MOVERS = 0.08
NEW_SURNAME = 0.1


def _hard_cases(
    people: list[SyntheticPerson],
    *,
    seed: int,
    borough: _Borough,
    surnames: list[str],
    surname_weights: list[float],
) -> list[SyntheticPerson]:
    """Juniors (a son with his father's name and address) and recent movers.

    A council hears of most moves within its own area, so a recent mover's old address
    is another one in the borough (one who moved before, from elsewhere, keeps that one).
    Drawn from a random stream of their own, so the data without them stay exactly as
    the benchmarks measured them.
    """
    rng = random.Random(seed * 1_000_003 + 17)  # noqa: S311 (seeded on purpose: determinism)
    adult_before = date(2008, 1, 1)
    fathers: dict[int, SyntheticPerson | None] = {}  # household -> its first member if a man without a junior yet
    for index, person in enumerate(people):
        if person.household_id not in fathers:
            fathers[person.household_id] = person if person.given_name in _MALE else None
        elif (
            (father := fathers[person.household_id]) is not None
            and person.given_name in _MALE
            and person.date_of_birth - father.date_of_birth > timedelta(days=16 * 365)
            and rng.random() < NAMED_AFTER_FATHER
        ):
            fathers[person.household_id] = None
            person = _named_after(person, father.given_name)
        if person.date_of_birth < adult_before and rng.random() < RECENT_MOVERS:
            before = rng.choices(surnames, surname_weights)[0] if rng.random() < NEW_SURNAME else None
            person = replace(
                person,
                recent_move=True,
                previous_surname=before if before != person.surname else None,
                previous_address=person.previous_address or borough.address(),
            )
        people[index] = person
    return people


def _named_after(person: SyntheticPerson, given_name: str) -> SyntheticPerson:
    """The person given another's name, their email address following it."""
    old, new = (f"{name}.{person.surname}".lower().replace("'", "") for name in (person.given_name, given_name))
    return replace(person, given_name=given_name, email=person.email.replace(old, new, 1))


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 3:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.random()
    if kind < 0.35:
        return text[:i] + text[i + 1 :]  # dropped letter
    if kind < 0.7:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]  # transposed letters
    return text[:i] + rng.choice("aeioulnrst") + text[i + 1 :]  # wrong letter


def _date_text(rng: random.Random, born: date, *, missing: float) -> str:
    roll = rng.random()
    if roll < missing:
        return ""
    if roll < missing + 0.03 and born.day <= 12 and born.day != born.month:
        return f"{born.year:04d}-{born.day:02d}-{born.month:02d}"  # day and month swapped
    if roll < missing + 0.04:
        return f"{born.year:04d}-{born.month:02d}-{min(born.day + 1, 28):02d}"  # a slip
    return born.isoformat()


def _postcode_text(rng: random.Random, postcode: str) -> str:
    roll = rng.random()
    if roll < 0.03:
        return ""
    if roll < 0.15:
        return postcode.replace(" ", "")
    if roll < 0.25:
        return postcode.lower()
    return postcode


def _phone_text(rng: random.Random, phone: str, *, kept: float) -> str:
    if not phone or rng.random() >= kept:
        return ""
    if rng.random() < 0.2:
        return "+44 " + phone[1:5] + " " + phone[5:]
    return phone


@dataclass(frozen=True)
class _SourceHabits:
    """How a system covers people and fills in its fields."""

    adults: float  # share of adults it holds
    children: float  # share of children it holds
    dob_missing: float  # council tax seldom asks; social care always does
    email_kept: float  # of people who have an email address, share recorded
    phone_kept: float


_SOURCE_HABITS = {
    "council_tax": _SourceHabits(adults=0.85, children=0.0, dob_missing=0.5, email_kept=0.4, phone_kept=0.5),
    "housing": _SourceHabits(adults=0.3, children=0.3, dob_missing=0.1, email_kept=0.6, phone_kept=0.8),
    "adult_social_care": _SourceHabits(adults=0.12, children=0.0, dob_missing=0.02, email_kept=0.3, phone_kept=0.8),
    # Garden waste is an online subscription: email and phone, seldom a date of birth.
    "waste": _SourceHabits(adults=0.35, children=0.0, dob_missing=0.8, email_kept=0.9, phone_kept=0.7),
}
# Share of a mover's records in which a system still holds the previous address.
STALE_ADDRESS = 0.3
# Share of a recent mover's systems holding a record from before the move (the others may
# still hold the old address, as for any mover), and of those records with a slip in the given name.
STALE_RECORD = 0.5
STALE_RECORD_SLIP = 0.3


def synthetic_source_records(people: list[SyntheticPerson], *, seed: int) -> Iterator[SourceRecord]:
    """The records the demo sources hold about people, with realistic errors and overlap."""
    rng = random.Random(seed)  # noqa: S311 (seeded on purpose: determinism)
    hard = random.Random(seed * 1_000_003 + 29)  # noqa: S311 (the hard cases' own stream, see _hard_cases)
    reference_adult = date(2008, 1, 1)
    for person in people:
        adult = person.date_of_birth < reference_adult
        for source in DEMO_SOURCES:
            habits = _SOURCE_HABITS[source]
            if rng.random() >= (habits.adults if adult else habits.children):
                continue
            copies = 2 if rng.random() < 0.05 else 1  # the same person entered twice in one system
            for copy in range(copies):
                given = person.given_name
                if given in NICKNAMES and rng.random() < 0.15:
                    given = rng.choice(NICKNAMES[given])
                if rng.random() < 0.03:
                    given = _typo(rng, given)
                surname = _typo(rng, person.surname) if rng.random() < 0.03 else person.surname
                address = person.address
                stale = person.recent_move and hard.random() < STALE_RECORD
                if stale:
                    surname, address = person.previous_surname or surname, person.previous_address or address
                    given = _typo(hard, given) if hard.random() < STALE_RECORD_SLIP else given
                elif person.previous_address is not None and rng.random() < STALE_ADDRESS:
                    address = person.previous_address  # this system has not heard about the move
                email = person.email if person.email and rng.random() < habits.email_kept else ""
                date_of_birth = _date_text(rng, person.date_of_birth, missing=habits.dob_missing)
                postcode = _postcode_text(rng, address.postcode)
                phone = _phone_text(rng, person.phone, kept=habits.phone_kept)
                if stale:
                    date_of_birth = email = phone = ""
                yield SourceRecord(
                    record_id=f"{source}-{person.person_id}-{copy}",
                    person_id=person.person_id,
                    source_system=source,
                    given_name=given,
                    surname=surname,
                    date_of_birth=date_of_birth,
                    address_line_1=address.line_1,
                    address_line_2=address.line_2,
                    town=address.town,
                    postcode=postcode,
                    email=email,
                    phone=phone,
                )


def synthetic_records(*, records: int, seed: int, hard_cases: bool = False) -> list[SourceRecord]:
    """About `records` source records (exactly that many, shuffled), for tests and benchmarks."""
    households = max(1, int(records / 2.55))
    people = synthetic_people(households=households, seed=seed, hard_cases=hard_cases)
    rows = list(synthetic_source_records(people, seed=seed + 1))
    while len(rows) < records:
        households = int(households * 1.1) + 1
        rows = list(
            synthetic_source_records(
                synthetic_people(households=households, seed=seed, hard_cases=hard_cases), seed=seed + 1
            )
        )
    rng = random.Random(seed + 2)  # noqa: S311 (seeded on purpose: determinism)
    rng.shuffle(rows)
    return rows[:records]
