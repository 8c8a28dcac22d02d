"""Stable citizen ids and reviewers' constraints, on small hand-made clusters (no database)."""

from __future__ import annotations

from townhall.people.identity import apply_constraints, assign_ids


def test_unchanged_clusters_keep_their_ids() -> None:
    clusters = {1: 1, 2: 1, 3: 3}
    result = assign_ids(clusters, {1: 10, 2: 10, 3: 11}, [10, 11])
    assert result.citizen_of_cluster == {1: 10, 3: 11}
    assert not (result.new_clusters)
    assert not (result.merged)
    assert not (result.split)
    assert not (result.merged_away)
    assert not (result.emptied)
    assert (result.records_previously_linked, result.records_kept_id) == (3, 3)


def test_new_records_join_or_get_new_citizens() -> None:
    result = assign_ids({1: 1, 2: 1, 3: 1, 4: 4}, {1: 10, 2: 10, 3: None, 4: None}, [10])
    assert result.citizen_of_cluster == {1: 10}
    assert result.new_clusters == [4]
    assert (result.records_previously_linked, result.records_kept_id) == (2, 2)


def test_merge_keeps_the_id_holding_most_records_and_retires_the_other() -> None:
    # Citizen 10 (3 records) and 11 (1 record) are found to be one person.
    result = assign_ids({1: 1, 2: 1, 3: 1, 4: 1}, {1: 10, 2: 10, 3: 10, 4: 11}, [10, 11])
    assert result.citizen_of_cluster == {1: 10}
    assert result.merged == {1: [10, 11]}
    assert result.merged_away == {11: 1}
    assert (result.records_previously_linked, result.records_kept_id) == (4, 3)


def test_merge_tie_goes_to_the_oldest_citizen() -> None:
    result = assign_ids({1: 1, 2: 1}, {1: 21, 2: 20}, [20, 21])
    assert result.citizen_of_cluster == {1: 20}
    assert result.merged_away == {21: 1}


def test_split_majority_keeps_the_id_minority_gets_a_new_one() -> None:
    result = assign_ids({1: 1, 2: 1, 3: 3}, {1: 10, 2: 10, 3: 10}, [10])
    assert result.citizen_of_cluster == {1: 10}
    assert result.new_clusters == [3]
    assert result.split == {10: [1, 3]}
    assert result.contributors[3] == {10: 1}
    assert (result.records_previously_linked, result.records_kept_id) == (3, 2)


def test_citizen_whose_records_are_all_deleted_is_emptied() -> None:
    result = assign_ids({1: 1}, {1: 10}, [10, 11])
    assert result.emptied == [11]


def test_must_not_link_splits_a_cluster_along_its_weakest_pair() -> None:
    # 1-2-3-4 chained; a reviewer says 1 and 4 are different people.
    clusters = {1: 1, 2: 1, 3: 1, 4: 1, 5: 5}
    edges = [(1, 2, 0.999), (2, 3, 0.995), (3, 4, 0.9999)]
    result = apply_constraints(clusters, edges, must_link=[], must_not_link=[(1, 4)])
    assert result.cluster_of == {1: 1, 2: 1, 3: 3, 4: 3, 5: 5}
    assert (result.must_not_links_applied, result.must_links_applied) == (1, 0)


def test_decisions_come_before_the_model_pairs() -> None:
    # Splink joined 1 and 2; reviewers say 2=3, 1=4 and 3≠4: both matches hold, the model's pair gives way.
    clusters = {1: 1, 2: 1, 3: 3, 4: 4}
    result = apply_constraints(clusters, [(1, 2, 0.999)], must_link=[(2, 3), (1, 4)], must_not_link=[(3, 4)])
    assert result.cluster_of == {1: 1, 2: 2, 3: 2, 4: 1}
    assert (result.must_links_applied, result.must_links_refused) == (2, 0)


def test_contradictory_decisions_refuse_the_later_match() -> None:
    clusters = {1: 1, 2: 2, 3: 3}
    result = apply_constraints(clusters, [], must_link=[(1, 2), (2, 3)], must_not_link=[(1, 3)])
    assert result.cluster_of == {1: 1, 2: 1, 3: 3}
    assert (result.must_links_applied, result.must_links_refused) == (1, 1)


def test_constraints_on_records_not_in_the_run_are_ignored() -> None:
    clusters = {1: 1, 2: 1}
    result = apply_constraints(clusters, [(1, 2, 0.999)], must_link=[(1, 99)], must_not_link=[(2, 98)])
    assert result.cluster_of == clusters
