"""Pure decisions of a linkage run: reviewers' constraints on clusters, and which cluster keeps which id.

No database here: services.linkage_run feeds these functions plain dictionaries and
writes what they decide, so the rules can be tested on small hand-made cases.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

Pair = tuple[int, int]


@dataclass
class ConstrainedClusters:
    cluster_of: dict[int, int]  # record -> cluster label (the smallest record in the cluster)
    must_links_applied: int = 0  # decided matches that joined records Splink had apart
    must_not_links_applied: int = 0  # decided non-matches that separated records Splink had together
    must_links_refused: int = 0  # a match that would have joined a decided non-match


class _Components:
    """Union-find whose components refuse to join when that would put a must-not-link pair together."""

    def __init__(self, records: Iterable[int], apart: dict[int, set[int]]) -> None:
        self.parent = {record: record for record in records}
        self.members = {record: [record] for record in self.parent}
        self.apart = apart

    def find(self, record: int) -> int:
        root = record
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[record] != root:
            self.parent[record], record = root, self.parent[record]
        return root

    def join(self, a: int, b: int) -> bool:
        """Join the components of a and b; False (nothing joined) when a must-not-link forbids it."""
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return True
        if len(self.members[root_a]) > len(self.members[root_b]):
            root_a, root_b = root_b, root_a
        for member in self.members[root_a]:
            if any(self.find(other) == root_b for other in self.apart.get(member, ())):
                return False
        self.parent[root_a] = root_b
        self.members[root_b].extend(self.members.pop(root_a))
        return True


def apply_constraints(
    cluster_of: dict[int, int],
    edges: Iterable[tuple[int, int, float]],
    *,
    must_link: Iterable[Pair],
    must_not_link: Iterable[Pair],
) -> ConstrainedClusters:
    """Re-cluster only the clusters a decision touches, obeying the decisions.

    Splink's clusters are the connected components of pairs at or above the
    threshold. For clusters touched by a decision, the components are rebuilt
    greedily: decided matches first, then pairs from the most to the least likely,
    skipping any join that would put a decided non-match together (constrained
    single linkage). Untouched clusters are left exactly as Splink made them.
    """
    must = [(a, b) for a, b in must_link if a in cluster_of and b in cluster_of]
    must_not = [(a, b) for a, b in must_not_link if a in cluster_of and b in cluster_of]
    result = ConstrainedClusters(cluster_of=dict(cluster_of))
    if not must and not must_not:
        return result
    touched = {cluster_of[r] for pair in (*must, *must_not) for r in pair}
    records = [record for record, cluster in cluster_of.items() if cluster in touched]
    apart: dict[int, set[int]] = defaultdict(set)
    for a, b in must_not:
        apart[a].add(b)
        apart[b].add(a)
    components = _Components(records, apart)
    for a, b in sorted(must):
        if not components.join(a, b):
            result.must_links_refused += 1
    inside = [(a, b, p) for a, b, p in edges if cluster_of.get(a) in touched and cluster_of.get(b) in touched]
    for a, b, _probability in sorted(inside, key=lambda edge: (-edge[2], edge[0], edge[1])):
        components.join(a, b)
    for record in records:
        result.cluster_of[record] = min(components.members[components.find(record)])
    result.must_links_applied = sum(
        1 for a, b in must if cluster_of[a] != cluster_of[b] and result.cluster_of[a] == result.cluster_of[b]
    )
    result.must_not_links_applied = sum(
        1 for a, b in must_not if cluster_of[a] == cluster_of[b] and result.cluster_of[a] != result.cluster_of[b]
    )
    return result


@dataclass
class IdAssignment:
    """Which clusters keep an existing citizen and what happened to every existing citizen."""

    citizen_of_cluster: dict[int, int] = field(default_factory=dict)  # cluster -> existing citizen
    new_clusters: list[int] = field(default_factory=list)  # clusters that need a new citizen
    contributors: dict[int, dict[int, int]] = field(default_factory=dict)  # cluster -> {old citizen: records}
    merged: dict[int, list[int]] = field(default_factory=dict)  # cluster -> old citizens it joins (>= 2)
    split: dict[int, list[int]] = field(default_factory=dict)  # old citizen -> clusters it went to (>= 2)
    merged_away: dict[int, int] = field(default_factory=dict)  # retired old citizen -> cluster it went into
    emptied: list[int] = field(default_factory=list)  # retired old citizens with no active record left
    records_previously_linked: int = 0
    records_kept_id: int = 0


def assign_ids(
    cluster_of: dict[int, int], previous: Mapping[int, int | None], active_citizens: Iterable[int]
) -> IdAssignment:
    """Give each cluster the id of the existing citizen it holds most of, so ids survive re-runs.

    An existing citizen's id goes to the cluster holding the largest share of its
    records (ties: the cluster with the smallest record, i.e. the oldest). A cluster
    offered several ids (a merge) keeps the one whose records it holds most of (ties:
    the oldest citizen); the others are retired as merged into it. Clusters offered no
    id get a new citizen. `previous` is each record's citizen before the run (None for
    records never linked); stability is counted per record over previously linked ones.
    """
    overlap: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))  # citizen -> cluster -> n
    contributors: dict[int, dict[int, int]] = defaultdict(dict)
    for record, cluster in cluster_of.items():
        citizen = previous.get(record)
        if citizen is not None:
            overlap[citizen][cluster] += 1
    for citizen, clusters in overlap.items():
        for cluster, count in clusters.items():
            contributors[cluster][citizen] = count
    offers: dict[int, list[int]] = defaultdict(list)
    for citizen, clusters in overlap.items():
        best = min(clusters, key=lambda cluster: (-clusters[cluster], cluster))
        offers[best].append(citizen)
    result = IdAssignment(contributors={k: dict(v) for k, v in contributors.items()})
    for cluster in sorted(set(cluster_of.values())):
        offered = offers.get(cluster, [])
        if offered:
            keeper = min(offered, key=lambda citizen: (-overlap[citizen][cluster], citizen))
            result.citizen_of_cluster[cluster] = keeper
            for other in offered:
                if other != keeper:
                    result.merged_away[other] = cluster
        else:
            result.new_clusters.append(cluster)
        if len(contributors.get(cluster, {})) >= 2:
            result.merged[cluster] = sorted(contributors[cluster])
    for citizen, clusters in overlap.items():
        if len(clusters) >= 2:
            result.split[citizen] = sorted(clusters)
    result.emptied = sorted(set(active_citizens) - set(overlap))
    for record, cluster in cluster_of.items():
        citizen = previous.get(record)
        if citizen is not None:
            result.records_previously_linked += 1
            result.records_kept_id += result.citizen_of_cluster.get(cluster) == citizen
    return result
