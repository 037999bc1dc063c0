"""A hot topic for the demo: a burst of complaints of one kind from one 小区 in the last full week
and the current week of the window, so that /hotspots, the wall and the stand-up show a 突增.

In the heating season (November to March) it is 暖气不热 in one estate, otherwise 停水 in one
estate. Its tickets draw from their own `random.Random`, derived from the seed, so the main
simulation's stream (and every other ticket) stays as it was.
"""
from __future__ import annotations

import copy
import random
from datetime import date, datetime, timedelta

HEATING_MONTHS = (11, 12, 1, 2, 3)
# extra tickets a day, as a share of the day's base intake, and at least: it starts last week and
# grows this week (so this week stands out even against a baseline that holds last week's start)
SHARE_THIS_WEEK, MIN_THIS_WEEK = 0.08, 10
SHARE_LAST_WEEK, MIN_LAST_WEEK = 0.04, 5
BIG_STREETS = ("梨园镇", "永顺镇", "马驹桥镇", "台湖镇", "宋庄镇")
NUMBER_PREFIX = "9"   # burst tickets are numbered YYYYMMDD9NNNNN, apart from the day's own

HEATING = (("城乡建设", "供暖", "暖气不热", "北京热力通州分公司"),
           ["{place}暖气不热，室温只有{n}度，同楼多户都不热", "{place}供暖管道漏水后停暖，家中室温{n}度，老人孩子受冻",
            "{place}整栋楼暖气温度偏低，室温{n}度，热力公司维修后仍未恢复"])
WATER = (("水务", "供排水", "停水与水质", "通州区自来水公司"),
         ["{place}突然停水已{n}小时，未见通知", "{place}停水后来水浑浊发黄，无法饮用",
          "{place}水压过低，高层住户{n}天无水可用"])
DEMANDS = ["希望尽快恢复", "请供热单位尽快维修", "要求说明原因并尽快解决", "请相关部门督促处理"]


def seed_of(seed: int) -> int:
    return seed * 1_000_003 + 20


class Burst:
    """Which days get how many burst tickets, and the tickets themselves."""

    def __init__(self, world, *, seed: int, start: date, now: datetime, tickets_per_day: int):
        self.rng = random.Random(seed_of(seed))
        self.world = copy.copy(world)      # same roster, units and rules; its own random stream
        self.world.rng = self.rng
        this_monday = now.date() - timedelta(days=now.weekday())
        last_monday = this_monday - timedelta(days=7)
        self.per_day: dict[date, int] = {}
        for k in range(14):
            day = last_monday + timedelta(days=k)
            if start <= day <= now.date():
                share, least = (SHARE_THIS_WEEK, MIN_THIS_WEEK) if day >= this_monday else (SHARE_LAST_WEEK, MIN_LAST_WEEK)
                self.per_day[day] = max(least, round(tickets_per_day * share))
        (self.category, self.phrases) = HEATING if now.month in HEATING_MONTHS else WATER
        self.street = self.rng.choice(BIG_STREETS)
        self.community = self.rng.choice(world.communities[self.street])

    def tickets(self, day: date) -> list[tuple[str, datetime, dict]]:
        """(ticket_no, received_at, ticket fields) of the day's burst, by time received."""
        n = self.per_day.get(day, 0)
        if not n:
            return []
        rng = self.rng
        l1, l2, l3, dept = self.category
        out = []
        for j, received in enumerate(self.world.day_times(day, n, 0), start=1):
            place = f"{self.community}{rng.randint(1, 12)}号楼"
            address = f"北京市通州区{self.street}{place}{rng.randint(1, 6)}单元"
            problem = rng.choice(self.phrases).format(place=place, n=rng.randint(2, 14))
            fields = dict(appeal_type="投诉", urgency="一般", sla_class="及时", category_l1=l1, category_l2=l2,
                          category_l3=l3, title=f"{l3}（{self.community}）", address=address, street=self.street,
                          content=f"市民来电反映：{problem}，{rng.choice(DEMANDS)}。", unit=dept)
            out.append((f"{day:%Y%m%d}{NUMBER_PREFIX}{j:05d}", received, fields))
        return out

    def ticket(self, no: str, received: datetime, fields: dict, *, called_before: int = 600):
        """One burst ticket row (dict) and its event tuples, like the simulation's own tickets."""
        unit = fields.pop("unit")
        t = dict(ticket_no=no, called_at=received - timedelta(seconds=called_before), received_at=received, **fields,
                 unit=None, in_assessment=True, callback_at=None, callback_valid=False, contacted=False,
                 resolved=False, satisfaction=None, deadline_at=None)
        return t, self.world.lifecycle(t, received, False, fields["sla_class"], unit)
