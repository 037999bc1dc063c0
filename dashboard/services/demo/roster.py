"""Synthetic vendor roster: staff with qualifications, three-shift plans and attendance.

`Roster.present[(day_ordinal, shift_index, role)]` lists who is on duty, so the ticket simulation
finds an actor for any moment in O(1). Shift index: 0 = 夜班 00–08, 1 = 早班 08–16, 2 = 中班 16–24.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from domain.calendar import is_working_day
from domain.vocabulary import ANALYST, DISPATCHER, PROJECT_MANAGER, QC, RETURNER, SHIFTS, SPECIALIST_ROLES, SUPERVISOR, VERIFIER

NIGHT, EARLY, LATE = 0, 1, 2   # indexes into SHIFTS (夜班, 早班, 中班: the order of the day)
ROTATING = SPECIALIST_ROLES

# role → (initial heads, team prefix); at least the contract minimum plus a few spare
ROLE_PLAN = [
    (PROJECT_MANAGER, 1, "项目管理组"),
    (SUPERVISOR, 5, "业务主管组"),
    (DISPATCHER, 22, "派单"),
    (RETURNER, 7, "退单"),
    (QC, 17, "质检"),
    (VERIFIER, 13, "协查"),
    (ANALYST, 21, "数据分析组"),
]
TEAM_SUFFIX = ("一组", "二组", "三组", "四组")

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红梅志鹏飞宇浩然欣怡子涵雨轩思远佳琪晨阳宁博文俊凯瑶琳婷雪慧颖睿哲晓东海波"


@dataclass
class Roster:
    staff: list[dict] = field(default_factory=list)
    shifts: list[dict] = field(default_factory=list)
    present: dict = field(default_factory=dict)

    def on_duty(self, day: date, shift_index: int, role: str) -> list[str]:
        return self.present.get((day.toordinal(), shift_index, role), [])


def _names(rng: random.Random, n: int) -> list[str]:
    seen: set[str] = set()
    out = []
    while len(out) < n:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
        if name not in seen:
            seen.add(name)
            out.append(name)
    return out


def _qualifications(rng: random.Random, role: str) -> dict:
    """Mostly what the contract asks (docs/staff.md, qualifications); `_violate` spoils a few on purpose."""
    if role == PROJECT_MANAGER:
        return dict(education="本科", full_time=True, years_experience="12", team_size_managed=150,
                    management_years="5", typing_speed=70)
    if role == SUPERVISOR:
        return dict(education=rng.choice(["本科", "本科", "硕士"]), full_time=True,
                    years_experience=str(rng.randint(5, 12)), team_size_managed=rng.choice([50, 60, 80]),
                    management_years=str(rng.randint(3, 8)), typing_speed=rng.randint(60, 90))
    if role == ANALYST:
        return dict(education=rng.choice(["本科", "本科", "本科", "硕士"]), full_time=True,
                    years_experience=str(rng.randint(1, 8)), team_size_managed=0, management_years="0",
                    typing_speed=rng.randint(60, 100))
    return dict(education="本科" if rng.random() < 0.6 else "大专", full_time=True,
                years_experience=str(rng.randint(1, 9)), team_size_managed=0, management_years="0",
                typing_speed=rng.randint(62, 110))


def build(rng: random.Random, start: date, days: int) -> Roster:
    end = start + timedelta(days=days - 1)
    names = iter(_names(rng, 120))
    staff: list[dict] = []
    seq = 0

    def person(role: str, team: str, hired_on: date, left_on: date | None = None) -> dict:
        nonlocal seq
        seq += 1
        row = dict(staff_no=f"TZ{seq:04d}", name=next(names), role=role, team=team,
                   hired_on=hired_on, left_on=left_on, **_qualifications(rng, role))
        staff.append(row)
        return row

    for role, heads, prefix in ROLE_PLAN:
        for i in range(heads):
            team = prefix + TEAM_SUFFIX[i % 4] if role in ROTATING else prefix
            person(role, team, start - timedelta(days=rng.randint(400 if role in (PROJECT_MANAGER, SUPERVISOR) else 30, 900)))

    by_role = {role: [s for s in staff if s["role"] == role] for role, _, _ in ROLE_PLAN}

    def day_at(share: float) -> date:
        return start + timedelta(days=min(days - 1, max(1, int(days * share))))

    # Turnover inside the window: a dispatcher replaced after a short gap, a QC leaving, and
    # two verifiers leaving before a replacement arrives (a few non-compliant days for 协查).
    d = by_role[DISPATCHER][3]
    d["left_on"] = day_at(0.35)
    person(DISPATCHER, d["team"], min(end, d["left_on"] + timedelta(days=4)))
    by_role[QC][5]["left_on"] = day_at(0.60)
    by_role[VERIFIER][1]["left_on"] = day_at(0.45)
    v = by_role[VERIFIER][6]
    v["left_on"] = day_at(0.70)
    person(VERIFIER, v["team"], day_at(0.76))
    person(ANALYST, "数据分析组", day_at(0.20))

    # A few people who do not meet the contract's qualification rules.
    by_role[DISPATCHER][7]["typing_speed"] = 52
    by_role[QC][2].update(education="大专", full_time=False)
    by_role[SUPERVISOR][4].update(team_size_managed=40, management_years="2")
    by_role[ANALYST][9].update(education="大专")

    roster = Roster(staff=staff)
    _plan_shifts(rng, roster, start, days)
    return roster


def _active(s: dict, day: date) -> bool:
    return s["hired_on"] <= day and (s["left_on"] is None or s["left_on"] > day)


def _plan_shifts(rng: random.Random, roster: Roster, start: date, days: int) -> None:
    """Rotating operational teams (早→中→夜→休), a duty supervisor on every shift, PM and analysts
    on 早班 (two analysts on duty on rest days). About 2 % of assignments are absences."""
    team_index = {}
    for s in roster.staff:
        if s["role"] in ROTATING:
            team_index[s["staff_no"]] = TEAM_SUFFIX.index(s["team"][-2:])
    supervisors = [s for s in roster.staff if s["role"] == SUPERVISOR]
    analysts = [s for s in roster.staff if s["role"] == ANALYST]
    slot_shift = (EARLY, LATE, NIGHT, None)
    sup_shift = (EARLY, EARLY, LATE, NIGHT, None)

    for k in range(days):
        day = start + timedelta(days=k)
        workday = is_working_day(day)
        planned: dict[tuple[int, str], list[str]] = {}
        for s in roster.staff:
            if not _active(s, day):
                continue
            role = s["role"]
            if role in ROTATING:
                shift = slot_shift[(k + team_index[s["staff_no"]]) % 4]
            elif role == SUPERVISOR:
                shift = sup_shift[(k + supervisors.index(s)) % 5]
            elif role == PROJECT_MANAGER:
                shift = EARLY if workday else None
            else:
                i = analysts.index(s)
                shift = EARLY if workday or (i + k) % 10 < 2 else None
            if shift is not None:
                planned.setdefault((shift, role), []).append(s["staff_no"])
        ordinal = day.toordinal()
        for (shift, role), nos in sorted(planned.items()):
            present = [rng.random() < 0.98 for _ in nos]
            if not any(present):  # the desk is never left empty: someone covers
                present[rng.randrange(len(nos))] = True
            roster.present[(ordinal, shift, role)] = [n for n, p in zip(nos, present) if p]
            roster.shifts.extend(dict(staff_no=n, day=day, shift=SHIFTS[shift], present=p)
                                 for n, p in zip(nos, present))
