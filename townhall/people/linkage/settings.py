"""The linkage model: what is compared, how candidate pairs are found, how it is trained.

Each comparison is a ladder of levels from "same" to "different"; Splink learns how
much each level says about two records being one person (m by EM, u by random
sampling). Levels read the columns prepare.py derives. The reasons for each choice
are in docs/adr/0015-citizen-index-linkage-with-splink.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.blocking_rule_creator_utils import to_blocking_rule_creator
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator


@cache
def default_model() -> dict[str, dict[str, list[float | None]]]:
    """Packaged m and u per comparison, one value per level after the null level.

    The m values start every EM run (EM replaces them where the extract has pairs to
    train on); for extracts too small to train (pipeline.MINIMUM_RECORDS_TO_TRAIN) m
    and u are the model. None marks a level whose value is fixed below. Written by
    `bench/linkage_scale.py --write-default-model` (see the file's source note).
    """
    path = resources.files("townhall.people.linkage").joinpath(DEFAULT_MODEL_FILE)
    if not path.is_file():
        return {}
    text = path.read_text(encoding="utf-8")
    return {name: values for name, values in json.loads(text).items() if not name.startswith("_")}


def _comparison(name: str, levels: list[ComparisonLevelCreator]) -> ComparisonCreator:
    """A comparison whose levels start from the packaged m values (when they fit)."""
    defaults = default_model().get(name, {}).get("m", [])
    if len(defaults) == len(levels) - 1:
        for level, m_probability in zip(levels[1:], defaults, strict=True):
            if m_probability is not None:
                level.configure(m_probability=m_probability)
    return cl.CustomComparison(output_column_name=name, comparison_levels=list(levels))


def _jaro_winkler(column: str, threshold: float) -> cll.CustomLevel:
    return cll.CustomLevel(
        f"jaro_winkler_similarity({column}_l, {column}_r) >= {threshold}",
        label_for_charts=f"Jaro-Winkler >= {threshold}",
    )


def _typing_slip(column: str) -> cll.CustomLevel:
    """One letter dropped, added, changed or two swapped, the first letter kept.

    A different first letter is more often another name (Gary, Mary) than a slip.
    """
    return cll.CustomLevel(
        f"left({column}_l, 1) = left({column}_r, 1) AND damerau_levenshtein({column}_l, {column}_r) <= 1",
        label_for_charts="One typing slip",
    )


def _differs_by_a_slip(column: str) -> str:
    return (
        f"({column}_l <> {column}_r AND length({column}_l) > 3 AND length({column}_r) > 3 "
        f"AND damerau_levenshtein({column}_l, {column}_r) <= 2)"
    )


# The two records give one address but one of them was keyed with a slip: lines swapped or
# a typo in a line, the town or the postcode, or a house number left out. Twins and other
# household members are entered from one address and agree on it; a record whose given
# name is wholly different *and* shows such a slip is more likely a careless copy of the
# same person. A missing value is no slip (a NULL test is not true).
MIS_KEYED_ADDRESS = (
    "(address_line_1_l <> address_line_1_r AND address_words_l = address_words_r) "
    f"OR {_differs_by_a_slip('address_line_1')} "
    f"OR {_differs_by_a_slip('address_line_2')} "
    f"OR {_differs_by_a_slip('town')} "
    "OR (postcode_l <> postcode_r AND (levenshtein(postcode_l, postcode_r) <= 1 "
    "OR postcode_characters_l = postcode_characters_r)) "
    "OR (street_l = street_r AND (house_number_l IS NULL) <> (house_number_r IS NULL))"
)


def given_name_comparison() -> ComparisonCreator:
    return _comparison(
        "given_name",
        [
            cll.NullLevel("given_name"),
            cll.ExactMatchLevel("given_name"),
            cll.CustomLevel(
                "list_has_any(given_name_aliases_l, given_name_aliases_r)",
                label_for_charts="Nickname of the same name (Bob / Robert)",
            ),
            _typing_slip("given_name"),
            _jaro_winkler("given_name", 0.92),
            cll.CustomLevel(
                "given_name_soundex_l = given_name_soundex_r", label_for_charts="Same Soundex (sounds alike)"
            ),
            cll.CustomLevel(
                "(length(given_name_l) = 1 OR length(given_name_r) = 1) "
                "AND left(given_name_l, 1) = left(given_name_r, 1)",
                label_for_charts="Initial agrees with name",
            ),
            # Twins share surname, date of birth and address, household members surname and
            # address; scored independently those outweigh any name difference, and EM cannot
            # tell them from duplicates (it sees them as matches). So a given name that is not
            # a variant of the other (the levels above) with two of surname (or, beside date of
            # birth and address, its Soundex), date of birth and first address line the same is
            # a fixed veto (about -20 bits), not trained, unless the address shows a keying slip
            # (MIS_KEYED_ADDRESS). Names entered the wrong way round are not caught by it.
            # (Derived keys rather than surname and date_of_birth, so the name comparison is
            # still trained in EM sessions that block on either of them.)
            cll.CustomLevel(
                # Nested CASE rather than AND NOT: DuckDB evaluates a CASE condition lazily (each
                # test only on the pairs the previous ones left), a NOT over it eagerly, and
                # household pairs, a quarter of all pairs, would pay for every string distance.
                "CASE WHEN surname_birth_key_l = surname_birth_key_r OR surname_address_key_l = surname_address_key_r "
                "OR (birth_address_key_l = birth_address_key_r AND surname_soundex_l = surname_soundex_r) "
                f"THEN (CASE WHEN {MIS_KEYED_ADDRESS} THEN false ELSE true END) ELSE false END",
                label_for_charts="Other given name, same surname and date of birth or address (twins, household)",
            ).configure(m_probability=1e-7, u_probability=0.1, fix_m_probability=True, fix_u_probability=True),
            _jaro_winkler("given_name", 0.8),
            cll.ElseLevel(),
        ],
    )


def surname_comparison() -> ComparisonCreator:
    return _comparison(
        "surname",
        [
            cll.NullLevel("surname"),
            cll.ExactMatchLevel("surname", term_frequency_adjustments=True),
            _typing_slip("surname"),
            _jaro_winkler("surname", 0.92),
            cll.CustomLevel("surname_soundex_l = surname_soundex_r", label_for_charts="Same Soundex (sounds alike)"),
            cll.CustomLevel(
                "(surname_l = given_name_r AND jaro_winkler_similarity(given_name_l, surname_r) >= 0.8) "
                "OR (given_name_l = surname_r AND jaro_winkler_similarity(surname_l, given_name_r) >= 0.8) "
                "OR (jaro_winkler_similarity(surname_l, given_name_r) >= 0.9 "
                "AND jaro_winkler_similarity(given_name_l, surname_r) >= 0.9)",
                label_for_charts="Given and surname swapped",
            ),
            _jaro_winkler("surname", 0.8),
            cll.ElseLevel(),
        ],
    )


def date_of_birth_comparison() -> ComparisonCreator:
    return _comparison(
        "date_of_birth",
        [
            cll.NullLevel("date_of_birth"),
            cll.ExactMatchLevel("date_of_birth"),
            cll.CustomLevel(
                "dob_swapped_l = date_of_birth_r", label_for_charts="Day and month swapped (US order or slip)"
            ),
            cll.CustomLevel("levenshtein(dob_text_l, dob_text_r) <= 1", label_for_charts="One typing slip"),
            cll.CustomLevel("levenshtein(dob_text_l, dob_text_r) <= 2", label_for_charts="Two typing slips"),
            cll.ElseLevel(),
        ],
    )


def address_comparison() -> ComparisonCreator:
    """First address line and postcode as one comparison.

    They say the same thing twice for people at one address; scored separately, a
    household's shared address would count twice and outweigh different given names.
    """
    jw_line = "jaro_winkler_similarity(address_line_1_l, address_line_1_r)"
    return _comparison(
        "address",
        [
            cll.CustomLevel(
                "(address_line_1_l IS NULL OR address_line_1_r IS NULL) AND (postcode_l IS NULL OR postcode_r IS NULL)",
                label_for_charts="Address missing",
            ).configure(is_null_level=True),
            cll.CustomLevel(
                "(address_line_1_l = address_line_1_r OR address_words_l = address_words_r "
                "OR address_line_1_l IS NULL OR address_line_1_r IS NULL) "
                "AND (postcode_l = postcode_r OR postcode_l IS NULL OR postcode_r IS NULL)",
                label_for_charts="Same first line (or both lines swapped) and postcode (either may be missing)",
            ),
            cll.CustomLevel(
                "address_line_1_l = address_line_1_r OR (postcode_l = postcode_r AND "
                f"(address_line_1_l IS NULL OR address_line_1_r IS NULL OR {jw_line} >= 0.9))",
                label_for_charts="Same first line or same postcode with a similar line",
            ),
            cll.CustomLevel(
                f"{jw_line} >= 0.9 OR (house_number_l = house_number_r AND {jw_line} >= 0.8) "
                "OR (street_l = street_r AND (house_number_l IS NULL) <> (house_number_r IS NULL))",
                label_for_charts="Similar first line (or one lacks the house number), other postcode",
            ),
            cll.CustomLevel(
                "jaro_winkler_similarity(street_l, address_line_2_r) >= 0.9 "
                "OR jaro_winkler_similarity(address_line_2_l, street_r) >= 0.9",
                label_for_charts="Street written on the second line",
            ),
            cll.CustomLevel("postcode_l = postcode_r", label_for_charts="Same postcode, other address"),
            cll.CustomLevel(
                "levenshtein(postcode_l, postcode_r) <= 1 OR (left(postcode_l, 1) = left(postcode_r, 1) "
                "AND postcode_characters_l = postcode_characters_r)",
                label_for_charts="Postcode with one slip or transposed characters",
            ),
            cll.CustomLevel("postcode_sector_l = postcode_sector_r", label_for_charts="Same postcode sector"),
            cll.ElseLevel(),
        ],
    )


def _text_comparison(column: str) -> ComparisonCreator:
    return _comparison(
        column,
        [
            cll.NullLevel(column),
            cll.ExactMatchLevel(column),
            _jaro_winkler(column, 0.88),
            cll.ElseLevel(),
        ],
    )


def address_line_2_comparison() -> ComparisonCreator:
    """Line 2, which often swaps places with the street of line 1 between systems."""
    return _comparison(
        "address_line_2",
        [
            cll.NullLevel("address_line_2"),
            cll.ExactMatchLevel("address_line_2"),
            _jaro_winkler("address_line_2", 0.88),
            cll.CustomLevel(
                "jaro_winkler_similarity(address_line_2_l, street_r) >= 0.88 "
                "OR jaro_winkler_similarity(street_l, address_line_2_r) >= 0.88",
                label_for_charts="Written on the other's first line (lines swapped)",
            ),
            cll.ElseLevel(),
        ],
    )


def email_comparison() -> ComparisonCreator:
    return _comparison(
        "email",
        [
            cll.NullLevel("email"),
            # Term frequencies: an address shared by a household counts for less than a personal one.
            cll.ExactMatchLevel("email", term_frequency_adjustments=True),
            cll.ExactMatchLevel("email_user").configure(label_for_charts="Same user name, other domain"),
            _jaro_winkler("email", 0.88),
            cll.ElseLevel(),
        ],
    )


def phone_comparison() -> ComparisonCreator:
    return _comparison(
        "phone",
        [
            cll.NullLevel("phone"),
            cll.ExactMatchLevel("phone", term_frequency_adjustments=True),
            cll.CustomLevel("levenshtein(phone_l, phone_r) <= 1", label_for_charts="One typing slip"),
            cll.ElseLevel(),
        ],
    )


EM_MAX_ITERATIONS = 10
DEFAULT_MODEL_FILE = "data/default_model.json"

# The comparisons, by the name Splink reports them under.
COMPARISON_COLUMNS = (
    "given_name", "surname", "date_of_birth", "address", "address_line_2", "town", "email", "phone",
)  # fmt: skip


def comparisons(present: set[str] | None = None) -> list[ComparisonCreator]:
    """The comparisons for the columns that hold data (all when present is None).

    A column that is empty throughout the extract would only add levels that are never
    observed, which Splink cannot train and which slow down u sampling.
    """
    by_column = {
        "given_name": given_name_comparison,
        "surname": surname_comparison,
        "date_of_birth": date_of_birth_comparison,
        "address": address_comparison,
        "address_line_2": address_line_2_comparison,
        "town": lambda: _text_comparison("town"),
        "email": email_comparison,
        "phone": phone_comparison,
    }
    return [make() for column, make in by_column.items() if present is None or column in present]


def prediction_blocking_rules() -> list[BlockingRuleCreator | str]:
    """Which pairs are scored at all. A true pair must agree exactly on one rule's columns.

    Each rule is narrow enough that no block grows quadratically at a million records
    (no rule is a single common value such as surname or town alone), and together they
    tolerate an error in any one field: a pair found by none is never linked.
    """
    return [
        # Date of birth (day and month in either order) with either initial: catches a
        # changed surname, a nickname, and day/month swaps.
        block_on("surname_initial", "dob_unordered"),
        block_on("given_name_initial", "dob_unordered"),
        # Same address: catches missing or mistyped dates of birth.
        block_on("surname", "postcode"),
        block_on("given_name_initial", "postcode"),
        block_on("postcode", "house_number"),
        block_on("given_name_soundex", "address_line_1"),
        block_on("date_of_birth", "house_number"),
        block_on("date_of_birth", "postcode"),
        # A slip in the date of birth, at another address.
        block_on("surname", "given_name_initial", "dob_year"),
        # A slip in the given name, within one postcode district (or non-UK postcode).
        block_on("surname", "given_name_soundex", "postcode_area"),
        # Names sounding alike at the same house number: a slip in the street or postcode too.
        block_on("surname_soundex", "given_name_soundex", "house_number"),
        # Several fields mistyped at once: names that sound alike on the same street (the
        # house number, postcode or date of birth wrong too), a transposed postcode.
        block_on("given_name_initial", "surname_soundex", "street"),
        block_on("surname_soundex", "address_line_1"),
        block_on("surname", "given_name_initial", "postcode_characters"),
        block_on("given_name", "postcode_characters"),
        # Given name and surname entered the wrong way round; within one postcode, also
        # when the other name is mistyped or missing too.
        "l.given_name = r.surname AND l.surname = r.given_name",
        "(l.given_name = r.surname OR l.surname = r.given_name) AND l.postcode = r.postcode",
        # One name keyed into the other's field (the other name lost or mistyped), the date
        # of birth or the first address line the same. One direction a rule, so both columns
        # are the join key: with an OR between the directions only the date of birth or the
        # first line would be, about 6 and 7 million candidate pairs to filter at a million records.
        "l.given_name = r.surname AND l.date_of_birth = r.date_of_birth",
        "l.surname = r.given_name AND l.date_of_birth = r.date_of_birth",
        "l.given_name = r.surname AND l.address_line_1 = r.address_line_1",
        "l.surname = r.given_name AND l.address_line_1 = r.address_line_1",
        # A mistyped or missing postcode as well as a slip in the surname: the given name with
        # the street, or the same first line with the surname's initial. (Given name, house
        # number and second line, and both names within one town, each found one more FEBRL4
        # pair; together they cost 2-7 s more at a million records: not kept, ADR 0015.)
        block_on("given_name", "street"),
        block_on("address_line_1", "surname_initial"),
        block_on("email"),
        block_on("phone"),
    ]


@dataclass(frozen=True)
class TrainingBlock:
    """One EM session: the pairs it trains on, the columns it needs, the comparisons it trains.

    Splink trains only the comparisons that do not read the block's own columns, so a
    block on date_of_birth teaches nothing about dates of birth.
    """

    rule: BlockingRuleCreator
    needs: frozenset[str]
    trains: frozenset[str]


def training_blocks() -> list[TrainingBlock]:
    """EM sessions in order of preference; pipeline.py runs those the extract's columns allow
    until every comparison has been trained once.

    Not (surname, given name) alone: at scale that block fills with namesakes (two
    George Kings born years apart) and EM mistakes them for the matching class.
    """
    everything = frozenset(COMPARISON_COLUMNS)
    return [
        TrainingBlock(block_on("date_of_birth"), frozenset({"date_of_birth"}), everything - {"date_of_birth"}),
        TrainingBlock(
            block_on("given_name", "surname", "postcode"),
            frozenset({"given_name", "surname", "address"}),
            everything - {"given_name", "surname", "address"},
        ),
        # The given-name comparison reads the postcode (the twins veto's slip test).
        TrainingBlock(block_on("postcode"), frozenset({"address"}), everything - {"address", "given_name"}),
        TrainingBlock(
            block_on("surname", "given_name_initial"), frozenset({"given_name", "surname"}), everything - {"surname"}
        ),
    ]


def deterministic_rules_without_dates() -> list[str]:
    """Weaker near-certain matches, for the prior when an extract has no dates, emails or phones."""
    return ["l.given_name = r.given_name AND l.surname = r.surname AND l.postcode = r.postcode"]


def deterministic_rules() -> list[str]:
    """Near-certain matches, used only to estimate how common matches are (the prior)."""
    return [
        "l.given_name = r.given_name AND l.surname = r.surname AND l.date_of_birth = r.date_of_birth",
        "l.email = r.email",
        "l.phone = r.phone",
    ]


def settings_creator(present: set[str] | None = None, *, explain: bool = False) -> SettingsCreator:
    """The Splink settings; `explain` keeps each pair's levels and Bayes factors for clerical review."""
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=list[ComparisonCreator | dict[str, Any]](comparisons(present)),
        blocking_rules_to_generate_predictions=list[BlockingRuleCreator | dict[str, Any]](
            [to_blocking_rule_creator(rule) for rule in prediction_blocking_rules()]
        ),
        # Ten rounds settle the m values; more only push levels that matches never reach
        # towards m = 0, which underflows (Splink refuses m below 1e-300) at a million rows.
        max_iterations=EM_MAX_ITERATIONS,
        em_convergence=0.001,
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=explain,
    )
