"""Hot topics on hand-built weeks (both engines): counts per ISO week and topic at the week's edges
and at `now`, the topic fallback, the 突增 verdicts at the thresholds, fewer than eight weeks before,
none, and a topic's 街乡镇, tickets and texts."""
from datetime import date, datetime, timedelta

from dashboard.services.hotspots import surges
from queries import hotspots as q
from tests.support.live_fixture import load

NOW = datetime(2026, 1, 14, 12, 0, 0)        # Wednesday; the current week starts Monday 2026-01-12
THIS_WEEK = date(2026, 1, 12)
FIRST = date(2025, 11, 17)                    # a Monday: eight whole weeks before THIS_WEEK


def row(no: str, at: datetime, l2: str | None, l1: str = "城乡建设", street: str = "中仓街道", text: str = "") -> dict:
    return {"ticket_no": no, "received_at": at, "urgency": "一般", "sla_class": "一般", "category_l1": l1,
            "category_l2": l2, "street": street, "unit": None, "in_assessment": True, "callback_valid": False,
            "contacted": False, "resolved": False, "satisfaction": None, "deadline_at": None,
            "title": text, "content": text}


def weekly(prefix: str, per_week: list[int], l2: str | None, l1: str = "城乡建设") -> list[dict]:
    """per_week[k] tickets on the Tuesday 10:00 of week k after FIRST (minutes apart)."""
    out = []
    for k, n in enumerate(per_week):
        tuesday = datetime.combine(FIRST + timedelta(weeks=k, days=1), datetime.min.time()) + timedelta(hours=10)
        out += [row(f"{prefix}{k:02d}{i:02d}", tuesday + timedelta(minutes=i), l2, l1) for i in range(n)]
    return out


def anchor() -> dict:
    """The data's first ticket, at FIRST 00:00:00: the eight weeks before this one are all covered."""
    return row("FIRST", datetime.combine(FIRST, datetime.min.time()), "政策咨询", l1="咨询类")


def heating_rows() -> list[dict]:
    """供暖: 4 a week for eight weeks (one of week 8's at Sunday 23:59:59), then 10 this week — one
    at Monday 00:00:00 and one at `now` exactly — and one after `now`."""
    rows = [anchor()] + weekly("H", [4] * 7 + [3], "供暖")
    rows.append(row("H_SUN", datetime(2026, 1, 11, 23, 59, 59), "供暖"))
    rows.append(row("H_MON", datetime(2026, 1, 12, 0, 0, 0), "供暖", street="梨园镇", text="云景家园暖气不热"))
    rows += [row(f"H_NOW{i}", datetime(2026, 1, 13, 9, i), "供暖", street="梨园镇",
                 text="梨园镇云景家园暖气不热，室温只有十度") for i in range(8)]
    rows.append(row("H_AT_NOW", NOW, "供暖", street="永顺镇", text="永顺镇暖气不热"))
    rows.append(row("H_LATER", NOW + timedelta(seconds=1), "供暖"))
    return rows


def test_weekly_counts_at_the_edges(engine):
    load(engine, heating_rows() + [row("B1", datetime(2026, 1, 13, 8), ""), row("B2", datetime(2026, 1, 13, 9), None,
                                                                                l1="交通管理")])
    with engine.connect() as conn:
        df = q.weekly_topic_counts(conn, start=datetime(2025, 11, 17), end=datetime(2026, 1, 19), now=NOW)
        first = q.first_week(conn)
    counts = {(w, t): n for w, t, n in df.itertuples(index=False)}
    assert counts[(THIS_WEEK, "供暖")] == 10              # Monday 00:00:00 and `now` in, later out
    assert counts[(date(2026, 1, 5), "供暖")] == 4        # Sunday 23:59:59 belongs to the week before
    assert counts[(date(2025, 11, 17), "供暖")] == 4
    assert counts[(THIS_WEEK, "城乡建设")] == 1           # blank 二级分类 → 一级分类
    assert counts[(THIS_WEEK, "交通管理")] == 1
    assert sum(counts.values()) == 1 + 4 * 8 + 10 + 2
    assert first == FIRST


def test_surge_verdicts_on_both_engines(engine):
    rows = heating_rows()
    rows += weekly("P", [0] * 8, "物业管理") + [row(f"P_{i}", datetime(2026, 1, 13, 10, i), "物业管理") for i in range(9)]
    rows += weekly("T", [4] * 7 + [5], None, l1="交通管理") + \
        [row(f"T_{i}", datetime(2026, 1, 13, 11, i), None, l1="交通管理") for i in range(10)]
    rows += weekly("N", [25] * 8, "噪声") + [row(f"N_{i}", datetime(2026, 1, 13, 12) + timedelta(seconds=i), "噪声")
                                             for i in range(40)]
    load(engine, rows)
    with engine.connect() as conn:
        week = surges.week_surges(conn, monday=THIS_WEEK, now=NOW)
        later = surges.week_surges(conn, monday=THIS_WEEK, now=datetime(2026, 1, 12, 0, 0, 0))
        words = surges.topic_keywords(conn, topic="供暖", monday=THIS_WEEK, now=NOW)
        streets = q.topic_streets(conn, topic="供暖", start=datetime(2026, 1, 12), end=datetime(2026, 1, 19), now=NOW)
        tickets = q.topic_tickets(conn, topic="供暖", start=datetime(2026, 1, 12), end=datetime(2026, 1, 19), now=NOW,
                                  limit=3)
    assert week.in_progress and week.baseline_weeks == 8
    # 噪声 (40 − 25) / 5 = 3 and 供暖 (10 − 4) / 2 = 3: both exactly at the threshold; 物业管理 has 9
    # tickets (below the count), 交通管理 (10 − 4.125) / √4.125 ≈ 2.89 (below the score)
    assert [t.topic for t in week.surges] == ["噪声", "供暖"]      # equal scores: more tickets first
    assert [t.verdict.count for t in week.surges] == [40, 10]
    assert week.surges[1].trend[-1] == (THIS_WEEK, 10) and len(week.surges[1].trend) == 9
    assert week.tickets == 10 + 9 + 10 + 40
    assert later.tickets == 1 and not later.surges                 # at Monday 00:00 only H_MON exists
    assert list(streets.itertuples(index=False, name=None)) == [("梨园镇", 9), ("永顺镇", 1)]
    assert list(tickets["ticket_no"]) == ["H_AT_NOW", "H_NOW7", "H_NOW6"]
    terms = [k.term for k in words]
    assert terms[:2] == ["暖气不热", "云景家园"] and "梨园镇" in terms


def test_fewer_weeks_before_and_none(engine):
    # data from Tuesday 2025-12-30: the first whole week is 2026-01-05, one week before this one
    rows = [row("E1", datetime(2025, 12, 30, 9), "供暖"), row("W1", datetime(2026, 1, 6, 9), "供暖")]
    rows += [row(f"C{i}", datetime(2026, 1, 13, 9, i), "供暖") for i in range(10)]
    load(engine, rows)
    with engine.connect() as conn:
        one = surges.week_surges(conn, monday=THIS_WEEK, now=NOW)
        none = surges.week_surges(conn, monday=date(2026, 1, 5), now=NOW)
    assert one.baseline_weeks == 1
    assert [(t.topic, t.verdict.count, t.verdict.baseline) for t in one.surges] == [("供暖", 10, 1)]
    assert none.baseline_weeks == 0 and not none.surges


def test_no_data(engine):
    with engine.connect() as conn:
        week = surges.week_surges(conn, monday=THIS_WEEK, now=NOW)
    assert week.baseline_weeks == 0 and week.tickets == 0 and not week.surges


def test_fastest_growing_candidates_and_a_registered_list(engine):
    from dashboard.services.hotspots import monthly

    def month_rows(prefix, month_start: datetime, n: int, l2: str, street: str = "中仓街道"):
        return [row(f"{prefix}{i:03d}", month_start + timedelta(hours=i), l2, street=street) for i in range(n)]

    dec, jan = datetime(2025, 12, 1), datetime(2026, 1, 1)
    rows = month_rows("AD", dec, 6, "物业管理") + month_rows("AJ", jan, 9, "物业管理") + \
        month_rows("AK", jan + timedelta(days=3), 3, "物业管理", street="梨园镇")
    rows += month_rows("BJ", jan, 10, "供暖", street="梨园镇")                       # new this month …
    rows += month_rows("BD", datetime(2025, 12, 14, 12, 0, 1), 3, "供暖")            # … as of the same span
    rows += month_rows("CJ", jan, 9, "噪声")                                         # below the count
    rows += month_rows("DD", dec, 25, "停车") + month_rows("DJ", jan, 20, "停车")     # shrinking
    rows += [row("LATE", NOW + timedelta(hours=1), "噪声")]                          # after now
    load(engine, rows)
    with engine.connect() as conn:
        lists = monthly.monthly_candidates(conn, month="2026-01", now=NOW)
        extra = monthly.CandidateList("extra", "另一清单", "说明", lists[0].frame.head(1))
        monthly.register(lambda conn, *, month, now: extra)
        try:
            with_extra = monthly.monthly_candidates(conn, month="2026-01", now=NOW)
        finally:
            monthly.CANDIDATE_LISTS.pop()
    frame = lists[0].frame
    assert list(frame.itertuples(index=False, name=None)) == [
        (1, "供暖", 10, 0, "上月无", "梨园镇（10）"),
        (2, "物业管理", 12, 6, "+100%", "中仓街道（9）")]
    assert [c.title for c in lists] == ["增长最快", "重复最多"]
    assert [c.title for c in with_extra] == ["增长最快", "重复最多", "另一清单"]
    assert "较上月同期增长" in lists[0].note
    assert monthly.month_label("2026-01", NOW) == "2026年01月（进行中）"
    assert monthly.month_label("2025-12", NOW) == "2025年12月"
