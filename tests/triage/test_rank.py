"""The suggested order of clusters: urgent, pinned, support — and every village gets heard."""

from __future__ import annotations

from liveline.triage.rank import RankItem, rank

VILLAGES = ["Заречный", "Сосновка", "Красный Яр"]


def town_clusters(n: int = 30) -> list[RankItem]:
    """n clusters from the district centre with 40, 39, ... supporters."""
    return [RankItem(f"town-{k}", 40 - k, "Новоозёрск", created_at=float(k)) for k in range(n)]


def village_clusters() -> list[RankItem]:
    return [RankItem(f"village-{v}", 5, v, created_at=100.0 + k) for k, v in enumerate(VILLAGES)]


def test_order_is_urgent_then_pinned_in_pin_order_then_support() -> None:
    items = [
        RankItem("a", 3, "Новоозёрск", created_at=1),
        RankItem("b", 50, "Новоозёрск", created_at=2),
        RankItem("pin-late", 1, "Новоозёрск", pinned=True, created_at=9),
        RankItem("pin-early", 2, "Новоозёрск", pinned=True, created_at=1),
        RankItem("fire", 1, "Сосновка", urgent=True, created_at=5),
        RankItem("c", 3, "Новоозёрск", created_at=0),
    ]
    assert rank(items, min_support=1000) == ["fire", "pin-late", "pin-early", "b", "c", "a"]


def test_equal_support_goes_to_the_older_cluster() -> None:
    items = [RankItem("new", 7, None, created_at=20.0), RankItem("old", 7, None, created_at=10.0)]
    assert rank(items) == ["old", "new"]


def test_without_fairness_the_town_fills_the_whole_top() -> None:
    order = rank(town_clusters() + village_clusters(), top=20, min_support=1000)
    assert all(cid.startswith("town-") for cid in order[:20])


def test_every_village_with_enough_supporters_gets_into_the_top() -> None:
    order = rank(town_clusters() + village_clusters(), top=20, min_support=5)
    top = order[:20]
    assert {f"village-{v}" for v in VILLAGES} <= set(top)
    # They displaced the three weakest town clusters of the top, which come right after it.
    assert "town-16" in top and "town-17" not in top
    assert order[20:23] == ["town-17", "town-18", "town-19"]
    assert len(order) == 33 and len(set(order)) == 33


def test_a_village_whose_clusters_add_up_counts_and_sends_its_best() -> None:
    items = town_clusters() + [
        RankItem("ольховка-крыша", 3, "Ольховка", created_at=1),
        RankItem("ольховка-газ", 2, "Ольховка", created_at=2),
        RankItem("луговой-связь", 4, "Луговой", created_at=3),  # 4 < 5 supporters: no guarantee
    ]
    top = rank(items, top=20, min_support=5)[:20]
    assert "ольховка-крыша" in top
    assert "ольховка-газ" not in top
    assert "луговой-связь" not in top


def test_a_moderator_pin_overrides_fairness() -> None:
    pins = [RankItem(f"pin-{k}", 1, "Новоозёрск", pinned=True) for k in range(20)]
    order = rank(pins + town_clusters() + village_clusters(), top=20, min_support=5)
    assert order[:20] == [f"pin-{k}" for k in range(20)]


def test_pinned_and_urgent_clusters_are_never_displaced() -> None:
    items = town_clusters(18) + [
        RankItem("pin-weak", 1, "Новоозёрск", pinned=True),
        RankItem("urgent-weak", 1, "Новоозёрск", urgent=True),
    ] + village_clusters()
    top = rank(items, top=20, min_support=5)[:20]
    assert {"pin-weak", "urgent-weak"} <= set(top)
    assert {f"village-{v}" for v in VILLAGES} <= set(top)


def test_a_settlements_only_representative_is_not_displaced_by_another() -> None:
    items = town_clusters(19) + [
        RankItem("заречный-big", 6, "Заречный", created_at=50),
        RankItem("сосновка-small", 5, "Сосновка", created_at=60),
    ]
    # top=20: the town's 19 take 19 places, Заречный's 6 supporters the last one; Сосновка must then
    # displace a town cluster, not Заречный's only one.
    top = rank(items, top=20, min_support=5)[:20]
    assert {"заречный-big", "сосновка-small"} <= set(top)
