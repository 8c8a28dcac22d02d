"""The demo borough's service catalogue: what residents of Demo Borough can report, and who deals with it.

About 25 categories a UK unitary council really offers, in the groups residents know,
with the questions and SLAs such councils use, plus two problems that are someone else's
job (motorways and trunk roads: National Highways; water and sewers: the water company).
Written through townhall.service_requests.services like any council's catalogue, so it is
validated and audited the same way. Deterministic: fixed data, no randomness.
"""

from __future__ import annotations

from dataclasses import dataclass

from townhall.accounts import services as account_services
from townhall.accounts.models import Team
from townhall.demo.constants import TeamName
from townhall.service_requests import services
from townhall.service_requests.constants import Datatype, PhotoPolicy, Priority, SlaUnit
from townhall.service_requests.services import CategoryDetails, ChoiceSpec, QuestionDetails

ROADS = "Roads and pavements"
LIGHTING = "Street lighting"
WASTE = "Bins, litter and street cleaning"
ENVIRONMENTAL_CRIME = "Environmental crime"
PARKS_GROUP = "Parks, trees and green spaces"
OTHER_BODIES = "Reported to other organisations"
GROUPS: tuple[tuple[str, str], ...] = (
    (ROADS, "Potholes, pavements, drains, signs and winter gritting"),
    (LIGHTING, "Street lights and illuminated signs"),
    (WASTE, "Missed collections, litter bins and street cleaning"),
    (ENVIRONMENTAL_CRIME, "Fly-tipping, graffiti, dog fouling and abandoned vehicles"),
    (PARKS_GROUP, "Parks, play areas, grass, hedges and trees"),
    (OTHER_BODIES, "Problems another organisation deals with: we tell you who"),
)

# Average officer minutes per request by service area (the staffing view multiplies forecasts by these).
HANDLING_MINUTES = {ROADS: 75, LIGHTING: 40, WASTE: 20, ENVIRONMENTAL_CRIME: 55, PARKS_GROUP: 60, OTHER_BODIES: 10}


@dataclass(frozen=True)
class DemoQuestion:
    code: str
    label: str
    datatype: str = Datatype.SINGLEVALUELIST
    choices: tuple[tuple[str, str], ...] = ()
    hint: str = ""
    required: bool = False


@dataclass(frozen=True)
class DemoCategory:
    code: str
    name: str
    group: str
    team: str
    description: str
    keywords: str = ""
    sla: tuple[int, str] = (10, SlaUnit.WORKING_DAYS)
    priority: int = Priority.NORMAL
    radius: int = 50
    photos: str = PhotoPolicy.OPTIONAL
    anonymous: bool = True
    public: bool = True
    pause: bool = False
    questions: tuple[DemoQuestion, ...] = ()
    referral: tuple[str, str, str] | None = None  # body, url, message


_YES_NO = (("yes", "Yes"), ("no", "No"))
_YES_NO_UNSURE = (("yes", "Yes"), ("no", "No"), ("not_sure", "Not sure"))
_WHERE_ON_ROAD = (
    ("road", "In the road"),
    ("pavement", "On the pavement"),
    ("cycle_lane", "In a cycle lane"),
    ("verge", "On a verge"),
)
# The demo's two operational teams, as in many unitary councils: Highways looks after roads, pavements,
# drainage and street lighting; Waste and Recycling is the street scene service (bins, cleansing,
# enforcement, parks). Councils with more teams add ward rules in /staff/catalogue/.
_HIGHWAYS, _WASTE = TeamName.HIGHWAYS.value, TeamName.WASTE_AND_RECYCLING.value

CATEGORIES: tuple[DemoCategory, ...] = (
    # Roads and pavements
    DemoCategory(
        "pothole",
        "Pothole",
        ROADS,
        _HIGHWAYS,
        "A hole or crack in the road surface. For a deep pothole that is a danger now, call us.",
        "hole, crater, road surface, sunken",
        sla=(5, SlaUnit.WORKING_DAYS),
        radius=50,
        questions=(
            DemoQuestion(
                "depth",
                "Roughly how deep is it?",
                choices=(
                    ("under_4cm", "Less than 4cm (about a matchbox)"),
                    ("4_to_10cm", "4cm to 10cm"),
                    ("over_10cm", "More than 10cm"),
                ),
                required=True,
            ),
            DemoQuestion("where", "Where is it?", choices=_WHERE_ON_ROAD, required=True),
        ),
    ),
    DemoCategory(
        "damaged_pavement",
        "Damaged pavement or kerb",
        ROADS,
        _HIGHWAYS,
        "Broken, loose, raised or sunken paving slabs and kerbs.",
        "paving slab, kerb, trip, footpath",
        sla=(10, SlaUnit.WORKING_DAYS),
        questions=(
            DemoQuestion(
                "trip_hazard", "Has anyone tripped or been hurt?", choices=_YES_NO, hint="We do not need their name"
            ),
        ),
    ),
    DemoCategory(
        "blocked_drain",
        "Blocked drain or gully",
        ROADS,
        _HIGHWAYS,
        "A road drain (gully) that is blocked, smells or has a broken cover.",
        "gully, grate, drain cover, standing water",
        sla=(10, SlaUnit.WORKING_DAYS),
        questions=(
            DemoQuestion(
                "flooding",
                "Is water flooding anything?",
                choices=(("property", "A home or business"), ("road", "The road or pavement"), ("no", "No")),
                required=True,
            ),
        ),
    ),
    DemoCategory(
        "road_flooding",
        "Flooding on a road",
        ROADS,
        _HIGHWAYS,
        "Deep water across a road or pavement. If a home is flooding or life is at risk, call 999.",
        "flood, water, puddle",
        sla=(4, SlaUnit.HOURS),
        priority=Priority.URGENT,
        radius=200,
    ),
    DemoCategory(
        "damaged_road_sign",
        "Damaged or missing road sign",
        ROADS,
        _HIGHWAYS,
        "Road signs and street name plates that are damaged, missing, dirty or turned the wrong way.",
        "sign, street name, nameplate",
        sla=(10, SlaUnit.WORKING_DAYS),
        questions=(
            DemoQuestion(
                "sign_type",
                "What kind of sign is it?",
                choices=(("traffic", "Traffic sign"), ("street_name", "Street name plate"), ("other", "Other")),
            ),
        ),
    ),
    DemoCategory(
        "worn_road_markings",
        "Worn road markings",
        ROADS,
        _HIGHWAYS,
        "White or yellow lines, give way markings and zebra crossings that are hard to see.",
        "lines, paint, yellow lines",
        sla=(20, SlaUnit.WORKING_DAYS),
        priority=Priority.LOW,
        radius=100,
    ),
    DemoCategory(
        "damaged_street_furniture",
        "Damaged bench, bollard or railing",
        ROADS,
        _HIGHWAYS,
        "Benches, bollards, railings and barriers on the street.",
        "bench, bollard, railing, barrier",
        sla=(10, SlaUnit.WORKING_DAYS),
    ),
    DemoCategory(
        "gritting",
        "Road or path needs gritting",
        ROADS,
        _HIGHWAYS,
        "Ice or snow on a road, path or steps we grit. Our gritting routes cover main roads first.",
        "ice, snow, salt, grit bin",
        sla=(12, SlaUnit.HOURS),
        priority=Priority.HIGH,
        radius=200,
        photos=PhotoPolicy.NOT_ALLOWED,
    ),
    # Street lighting
    DemoCategory(
        "street_light_out",
        "Street light not working",
        LIGHTING,
        _HIGHWAYS,
        "A street light that is off at night, on during the day, or flickering.",
        "lamp, lamp post, light, column",
        sla=(72, SlaUnit.HOURS),
        priority=Priority.HIGH,
        radius=30,
        questions=(
            DemoQuestion(
                "column_number",
                "Number on the lamp post",
                Datatype.STRING,
                hint="Usually on a small plate about head height, for example 23",
            ),
            DemoQuestion(
                "fault",
                "What is wrong with it?",
                choices=(
                    ("off", "Off at night"),
                    ("day_burning", "On during the day"),
                    ("flickering", "Flickering"),
                ),
                required=True,
            ),
        ),
    ),
    DemoCategory(
        "street_light_damaged",
        "Damaged street light or exposed wires",
        LIGHTING,
        _HIGHWAYS,
        "A lamp post that is leaning, knocked down, or has an open door or exposed wires. Keep away from it.",
        "exposed wires, knocked down, leaning, electrical",
        sla=(2, SlaUnit.HOURS),
        priority=Priority.URGENT,
        radius=30,
        photos=PhotoPolicy.OPTIONAL,
    ),
    DemoCategory(
        "illuminated_sign",
        "Illuminated sign or bollard not working",
        LIGHTING,
        _HIGHWAYS,
        "Lit traffic signs and bollards, for example on traffic islands.",
        "lit bollard, keep left",
        sla=(10, SlaUnit.WORKING_DAYS),
        radius=30,
    ),
    # Bins, litter and street cleaning
    DemoCategory(
        "missed_bin",
        "Missed bin collection",
        WASTE,
        _WASTE,
        "Your bin was out on time on collection day but was not emptied.",
        "bin, collection, rubbish, recycling, wheelie bin",
        sla=(2, SlaUnit.WORKING_DAYS),
        radius=0,
        photos=PhotoPolicy.NOT_ALLOWED,
        anonymous=False,
        public=False,
        pause=True,
        questions=(
            DemoQuestion(
                "bin_type",
                "Which bin was missed?",
                choices=(
                    ("general", "General waste (grey bin)"),
                    ("recycling", "Recycling (blue bin)"),
                    ("garden", "Garden waste (green bin)"),
                    ("food", "Food waste caddy"),
                ),
                required=True,
            ),
            DemoQuestion("out_on_time", "Was it out by 7am on collection day?", choices=_YES_NO, required=True),
        ),
    ),
    DemoCategory(
        "overflowing_litter_bin",
        "Overflowing litter bin",
        WASTE,
        _WASTE,
        "A street or park litter bin that is full, overflowing or damaged.",
        "litter bin, dog bin, overflowing",
        sla=(2, SlaUnit.WORKING_DAYS),
        radius=30,
    ),
    DemoCategory(
        "litter",
        "Litter or street needs cleaning",
        WASTE,
        _WASTE,
        "Litter, broken glass, leaves or spilled rubbish on a street or path.",
        "rubbish, sweeping, glass, leaves",
        sla=(5, SlaUnit.WORKING_DAYS),
        radius=100,
    ),
    DemoCategory(
        "dead_animal",
        "Dead animal",
        WASTE,
        _WASTE,
        "A dead animal on a road, path or other public land. We check cats and dogs for a microchip.",
        "roadkill, carcass, fox, cat, dog, bird",
        sla=(24, SlaUnit.HOURS),
        priority=Priority.HIGH,
        radius=50,
        questions=(
            DemoQuestion(
                "animal",
                "What kind of animal is it?",
                choices=(
                    ("cat", "Cat"),
                    ("dog", "Dog"),
                    ("fox", "Fox"),
                    ("bird", "Bird"),
                    ("deer", "Deer"),
                    ("other", "Other or not sure"),
                ),
                required=True,
            ),
        ),
    ),
    DemoCategory(
        "needles",
        "Discarded needles",
        WASTE,
        _WASTE,
        "Used needles or syringes on public land. Do not touch them.",
        "syringe, sharps, drugs",
        sla=(4, SlaUnit.HOURS),
        priority=Priority.URGENT,
        radius=50,
        photos=PhotoPolicy.NOT_ALLOWED,
        questions=(DemoQuestion("count", "About how many are there?", Datatype.NUMBER),),
    ),
    # Environmental crime
    DemoCategory(
        "fly_tipping",
        "Fly-tipping",
        ENVIRONMENTAL_CRIME,
        _WASTE,
        "Rubbish dumped illegally on public land. Do not touch it: it may be evidence, or hazardous.",
        "dumped rubbish, mattress, sofa, builders waste, tyres",
        sla=(3, SlaUnit.WORKING_DAYS),
        radius=100,
        questions=(
            DemoQuestion(
                "size",
                "How much has been dumped?",
                choices=(
                    ("single_item", "A single item or bag"),
                    ("car_boot", "A car boot load"),
                    ("small_van", "A small van load"),
                    ("lorry", "A lorry load or more"),
                ),
                required=True,
            ),
            DemoQuestion(
                "hazardous",
                "Could any of it be hazardous?",
                choices=_YES_NO_UNSURE,
                hint="For example asbestos sheets, chemicals, gas bottles or needles",
                required=True,
            ),
            DemoQuestion(
                "witnessed",
                "Did you see who dumped it?",
                choices=_YES_NO,
                hint="If you did, our enforcement team may contact you",
            ),
        ),
    ),
    DemoCategory(
        "graffiti",
        "Graffiti",
        ENVIRONMENTAL_CRIME,
        _WASTE,
        "Graffiti on public property: walls, bus shelters, signs and street furniture.",
        "tag, spray paint, vandalism",
        sla=(10, SlaUnit.WORKING_DAYS),
        radius=50,
        photos=PhotoPolicy.REQUIRED,
        questions=(
            DemoQuestion(
                "surface",
                "What is it on?",
                Datatype.MULTIVALUELIST,
                choices=(
                    ("wall", "A wall or building"),
                    ("bus_shelter", "A bus shelter"),
                    ("sign", "A sign or lamp post"),
                    ("other", "Something else"),
                ),
            ),
        ),
    ),
    DemoCategory(
        "offensive_graffiti",
        "Offensive or racist graffiti",
        ENVIRONMENTAL_CRIME,
        _WASTE,
        "Graffiti that is racist, obscene or offensive. We remove it urgently.",
        "racist, hate, obscene",
        sla=(24, SlaUnit.HOURS),
        priority=Priority.URGENT,
        radius=50,
    ),
    DemoCategory(
        "dog_fouling",
        "Dog fouling",
        ENVIRONMENTAL_CRIME,
        _WASTE,
        "Dog mess on streets, paths or in parks.",
        "dog poo, dog mess",
        sla=(5, SlaUnit.WORKING_DAYS),
        radius=100,
        questions=(
            DemoQuestion("regular", "Is this a regular problem here?", choices=_YES_NO, hint="We may patrol the area"),
            DemoQuestion(
                "when", "When does it usually happen?", Datatype.TEXT, hint="For example, early mornings on weekdays"
            ),
        ),
    ),
    DemoCategory(
        "abandoned_vehicle",
        "Abandoned vehicle",
        ENVIRONMENTAL_CRIME,
        _WASTE,
        "A vehicle that seems to have been left for a long time: untaxed, damaged or not moved for weeks.",
        "car, van, untaxed, dumped car",
        sla=(10, SlaUnit.WORKING_DAYS),
        radius=30,
        pause=True,
        questions=(
            DemoQuestion(
                "registration",
                "Registration number",
                Datatype.STRING,
                hint="For example, AB12 CDE. Leave it blank if there are no plates.",
            ),
            DemoQuestion("make_colour", "Make and colour", Datatype.STRING, hint="For example, blue Ford Fiesta"),
            DemoQuestion(
                "last_moved",
                "When did it last move, as far as you know?",
                Datatype.DATETIME,
                hint="A date is enough, for example 2026-01-03",
            ),
        ),
    ),
    DemoCategory(
        "fly_posting",
        "Fly-posting",
        ENVIRONMENTAL_CRIME,
        _WASTE,
        "Posters and stickers put up without permission on walls, lamp posts and street furniture.",
        "posters, stickers, flyers",
        sla=(10, SlaUnit.WORKING_DAYS),
        priority=Priority.LOW,
        radius=50,
    ),
    # Parks, trees and green spaces
    DemoCategory(
        "overgrown_hedge",
        "Overgrown hedge or tree blocking a path",
        PARKS_GROUP,
        _WASTE,
        "Hedges, trees and bushes growing over a pavement, road or road sign.",
        "overhanging, branches, blocking, vegetation",
        sla=(20, SlaUnit.WORKING_DAYS),
        priority=Priority.LOW,
        radius=30,
        pause=True,
        questions=(
            DemoQuestion(
                "private_land",
                "Is it growing from a private garden?",
                choices=_YES_NO_UNSURE,
                hint="If it is, we will ask the owner to cut it back",
            ),
        ),
    ),
    DemoCategory(
        "play_equipment",
        "Damaged play equipment",
        PARKS_GROUP,
        _WASTE,
        "Broken, sharp or unsafe equipment in a council play area.",
        "playground, swing, slide, climbing frame",
        sla=(2, SlaUnit.WORKING_DAYS),
        priority=Priority.HIGH,
        radius=100,
        questions=(
            DemoQuestion(
                "play_area",
                "Name of the park or play area",
                Datatype.STRING,
                hint="If you know it, for example Albert Park",
            ),
        ),
    ),
    DemoCategory(
        "grass_cutting",
        "Grass needs cutting",
        PARKS_GROUP,
        _WASTE,
        "Long grass on council verges, parks and open spaces. We cut from March to October.",
        "mowing, verge, long grass",
        sla=(20, SlaUnit.WORKING_DAYS),
        priority=Priority.LOW,
        radius=200,
        photos=PhotoPolicy.NOT_ALLOWED,
    ),
    DemoCategory(
        "dangerous_tree",
        "Fallen or dangerous tree",
        PARKS_GROUP,
        _WASTE,
        "A tree or large branch that has fallen, or looks likely to fall, on council land or a road.",
        "fallen tree, branch, storm damage",
        sla=(4, SlaUnit.HOURS),
        priority=Priority.URGENT,
        radius=100,
        questions=(
            DemoQuestion(
                "blocking",
                "Is it blocking a road or path?",
                choices=(("road", "Blocking a road"), ("path", "Blocking a path"), ("no", "No")),
                required=True,
            ),
        ),
    ),
    # Reported to other organisations
    DemoCategory(
        "motorway_trunk_road",
        "Problem on the A19, A66 or A174",
        OTHER_BODIES,
        _HIGHWAYS,
        "These trunk roads, and motorways, are looked after by National Highways, not the council.",
        "A19, A66, A174, motorway, trunk road, slip road",
        referral=(
            "National Highways",
            "https://nationalhighways.co.uk/",
            "National Highways looks after motorways and major A roads such as the A19, A66 and A174. "
            "Report the problem to them on 0300 123 5000 (24 hours) or at nationalhighways.co.uk.",
        ),
    ),
    DemoCategory(
        "water_leak",
        "Water leak or sewer problem",
        OTHER_BODIES,
        _HIGHWAYS,
        "Burst water mains, leaks from the ground, and blocked or overflowing sewers.",
        "burst main, leak, sewer, manhole",
        referral=(
            "Northumbrian Water",
            "https://www.nwl.co.uk/",
            "Northumbrian Water looks after water mains and sewers in this area. Report leaks and sewer "
            "problems to them on 0345 717 1100 (24 hours) or at nwl.co.uk.",
        ),
    ),
)


def demo_catalogue_create() -> int:
    """Create the demo catalogue (groups, categories, questions, default teams); return how many categories."""
    teams: dict[str, Team] = {name: account_services.team_get_or_create(name=name) for name in (_HIGHWAYS, _WASTE)}
    groups = {
        name: services.category_group_create(acting_user=None, name=name, description=description, order=10 * number)
        for number, (name, description) in enumerate(GROUPS, start=1)
    }
    for spec in CATEGORIES:
        amount, unit = spec.sla
        body, url, message = spec.referral or ("", "", "")
        category = services.category_create(
            acting_user=None,
            details=CategoryDetails(
                service_code=spec.code,
                name=spec.name,
                group=groups[spec.group],
                description=spec.description,
                keywords=spec.keywords,
                default_priority=spec.priority,
                sla_unit=unit,
                sla_amount=amount,
                duplicate_radius_m=spec.radius,
                handling_minutes=HANDLING_MINUTES[spec.group],
                photos=spec.photos,
                council_responsible=spec.referral is None,
                referral_body_name=body,
                referral_url=url,
                referral_message=message,
                anonymous_allowed=spec.anonymous,
                is_public=spec.public,
                pause_sla_while_waiting=spec.pause,
            ),
            default_team=teams[spec.team],
        )
        for order, question in enumerate(spec.questions, start=1):
            services.question_create(
                acting_user=None,
                category=category,
                details=QuestionDetails(
                    code=question.code,
                    label=question.label,
                    datatype=question.datatype,
                    hint=question.hint,
                    required=question.required,
                    order=order,
                    choices=tuple(ChoiceSpec(key=key, name=name) for key, name in question.choices),
                ),
            )
    return len(CATEGORIES)
