"""Browser load test driver (started by loadtest/run.sh; not a test).

One headless Chromium (/usr/bin/chromium, never downloaded) with one context per viewer:
`--walls` wall displays on /wall?kiosk=1 (logged in as display users; the page refreshes itself
every minute, and the driver reloads it every `--wall-reload` seconds to time a full load) and
`--supervisors` supervisors who click through their pages in the sidebar with a think time.

Page time = from the navigation (goto / click) to "app idle": Streamlit's running indicator gone
and the page's content present, held for QUIET seconds (the quiet time is not counted).
Errors = st.error / exception elements, page JavaScript errors, websocket errors or closes
while the page is open, and navigation timeouts. Server memory = RSS of each streamlit process
every 10 s. Writes the JSON and Markdown report. All traffic goes to 127.0.0.1.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import time
from datetime import datetime
from pathlib import Path

from playwright.async_api import TimeoutError as PwTimeout
from playwright.async_api import async_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
QUIET = 0.6
PAGE_TIMEOUT = 60.0
SUPERVISOR_PAGES = ["", "backlog", "timeliness", "three-rates", "tickets", "staff", "standup", "shifts",
                    "assessment", "reports"]
ERROR_SELECTOR = "[data-testid='stException'], [data-testid='stAlertContentError']"
# st.error is also the product's own red alert (工单突增, 超期…): such boxes are reported as
# alerts; one counts as an error when it is an exception or reads like a failure.
FAILURE_WORDS = ("失败", "出错", "异常", "无法", "不可用", "数据库", "Traceback", "Error")
RUNNING_SELECTOR = "[data-testid='stStatusWidget']"
CONTENT_SELECTOR = "[data-testid='stMain'] [data-testid='stMarkdown'], [data-testid='stMain'] h1, [data-testid='stMetric']"


def rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


_TICK = os.sysconf("SC_CLK_TCK")


def cpu_by_group(server_pids: list[int]) -> dict[str, float]:
    """CPU seconds used so far by every live process, grouped: the app servers (their pids),
    PostgreSQL, Chromium (the browsers standing in for the viewers' PCs), the test driver
    (Playwright's node process and this Python), nginx, and the rest of the machine."""
    out: dict[str, float] = {}
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                raw = f.read()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1:raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2:].split()
        seconds = (int(fields[11]) + int(fields[12])) / _TICK
        pid = int(entry)
        if pid in server_pids:
            group = "app servers (streamlit)"
        elif comm.startswith("postgres"):
            group = "postgresql"
        elif comm.startswith("chrom"):
            group = "chromium (the viewers)"
        elif comm.startswith("node") or pid == me:
            group = "test driver"
        elif comm.startswith("nginx"):
            group = "nginx"
        else:
            group = "rest of the machine"
        out[group] = out.get(group, 0.0) + seconds
    return out


class Stats:
    def __init__(self):
        self.times: dict[str, list[float]] = {}
        self.errors: list[dict] = []
        self.memory: list[dict] = []
        self.navigations = 0
        self.alerts: set[str] = set()
        self.cpu: list[dict] = []      # (t, {group: CPU seconds so far}) every 10 s of the timed run

    def page_time(self, kind: str, page: str, seconds: float):
        self.times.setdefault(f"{kind}:{page or 'overview'}", []).append(seconds)
        self.navigations += 1

    def error(self, who: str, page: str, what: str):
        self.errors.append({"at": datetime.now().isoformat(timespec="seconds"), "who": who, "page": page or "overview",
                            "error": what[:300]})


async def wait_idle(page, started: float) -> float:
    """Seconds from `started` until the app is idle (content shown, not running) for QUIET s."""
    deadline = started + PAGE_TIMEOUT
    # attached, not visible: the first match can be the app's zero-size CSS block (st.markdown
    # <style>), which never becomes "visible" and made the first sign-in wait out its timeout
    await page.wait_for_selector(CONTENT_SELECTOR, state="attached", timeout=PAGE_TIMEOUT * 1000)
    idle_since = None
    while True:
        now = time.perf_counter()
        if now > deadline:
            raise PwTimeout("app not idle within the page timeout")
        running = await page.locator(RUNNING_SELECTOR).count()
        if running == 0:
            if idle_since is None:
                idle_since = now
            elif now - idle_since >= QUIET:
                return idle_since - started
        else:
            idle_since = None
        await asyncio.sleep(0.1)


def watch(page, who: str, stats: Stats, current: dict):
    """Errors of the document being shown; a websocket of a document the driver navigated away
    from (goto/reload bump current["nav"]) closing late is not an error."""
    page.on("pageerror", lambda exc: stats.error(who, current["page"], f"pageerror: {exc}"))
    current.setdefault("nav", 0)

    def on_ws(ws):
        nav = current["nav"]

        def failed(err):
            if current["nav"] == nav and not current.get("leaving"):
                stats.error(who, current["page"], f"websocket error: {err}")

        def closed(_ws):
            if current["nav"] == nav and not current.get("leaving"):
                stats.error(who, current["page"], "websocket closed while the page was open")
        ws.on("socketerror", failed)
        ws.on("close", closed)
    page.on("websocket", on_ws)


async def check_errors(page, who: str, path: str, stats: Stats):
    if await page.locator("[data-testid='stException']").count():
        stats.error(who, path, "exception: " + await page.locator("[data-testid='stException']").first.inner_text())
    boxes = page.locator("[data-testid='stAlertContentError']")
    for i in range(await boxes.count()):
        text = await boxes.nth(i).inner_text()
        if any(w in text for w in FAILURE_WORDS):
            stats.error(who, path, f"error element: {text}")
        else:
            stats.alerts.add(f"{path or 'overview'}: {text.strip()[:120]}")


async def login(page, base: str, user: str, password: str) -> float:
    """Sign in on the login page; returns the time from the (last) click to the first page being idle.

    The form posts to the sign-in route, which sets the session cookie and sends the browser back;
    a click that does not get through (a slow server) is retried, as a person would, up to three times."""
    await page.goto(f"{base}/", timeout=PAGE_TIMEOUT * 1000)
    await wait_idle(page, time.perf_counter())
    signed_in = "[data-testid='stSidebar'] a, [data-testid='stMetric']"
    t0 = time.perf_counter()
    for attempt in range(3):
        await asyncio.sleep(1.0)
        if await page.locator(signed_in).count():
            break   # the previous click got through after all, just slowly
        await page.get_by_label("用户名").fill(user)
        await page.get_by_label("密码").fill(password)
        t0 = time.perf_counter()
        await page.get_by_role("button", name="登录", exact=True).click()
        try:
            await page.wait_for_selector(signed_in, timeout=15000 if attempt < 2 else PAGE_TIMEOUT * 1000)
            return await wait_idle(page, t0)
        except PwTimeout:
            if attempt == 2:
                raise
    return await wait_idle(page, t0)


async def wall(browser, base, user, password, stats: Stats, stop_at: float, reload_every: float, idx: int):
    who = f"wall{idx}"
    ctx = await browser.new_context(viewport={"width": 1920, "height": 1080}, user_agent=f"loadtest-{who}",
                                    reduced_motion="reduce")
    page = await ctx.new_page()
    current = {"page": "wall", "nav": 0}
    watch(page, who, stats, current)
    try:
        await login(page, base, user, password)
        current["leaving"] = True
        current["nav"] += 1
        t0 = time.perf_counter()
        await page.goto(f"{base}/wall?kiosk=1", timeout=PAGE_TIMEOUT * 1000)
        current["leaving"] = False
        stats.page_time("wall", "wall", await wait_idle(page, t0))
        while time.perf_counter() < stop_at:
            await asyncio.sleep(min(reload_every, max(0.0, stop_at - time.perf_counter())))
            await check_errors(page, who, "wall", stats)
            if time.perf_counter() >= stop_at:
                break
            current["leaving"] = True
            current["nav"] += 1
            t0 = time.perf_counter()
            await page.reload(timeout=PAGE_TIMEOUT * 1000)
            current["leaving"] = False
            try:
                stats.page_time("wall", "wall", await wait_idle(page, t0))
            except PwTimeout as e:
                stats.error(who, "wall", f"timeout: {e}")
            await check_errors(page, who, "wall", stats)
    except Exception as e:  # noqa: BLE001 - recorded and reported
        stats.error(who, "wall", f"{type(e).__name__}: {e}")
    finally:
        current["leaving"] = True
        await ctx.close()


async def supervisor(browser, base, user, password, stats: Stats, stop_at: float, idx: int, think: tuple):
    who = f"sup{idx}"
    rnd = random.Random(idx)
    ctx = await browser.new_context(viewport={"width": 1600, "height": 1000}, user_agent=f"loadtest-{who}",
                                    reduced_motion="reduce")
    page = await ctx.new_page()
    current = {"page": "", "nav": 0}
    watch(page, who, stats, current)
    try:
        while True:
            try:
                current["nav"] += 1
                stats.page_time("supervisor", "login+overview", await login(page, base, user, password))
                break
            except PwTimeout as e:
                stats.error(who, "login", f"timeout: {str(e)[:120]}")
                if time.perf_counter() >= stop_at:
                    return
        order = SUPERVISOR_PAGES[:]
        rnd.shuffle(order)
        i = 0
        while time.perf_counter() < stop_at:
            await asyncio.sleep(rnd.uniform(*think))
            if time.perf_counter() >= stop_at:
                break
            path = order[i % len(order)]
            i += 1
            current["page"] = path
            link = page.locator(f"[data-testid='stSidebar'] a[href='{path}']").first
            t0 = time.perf_counter()
            try:
                await link.click(timeout=PAGE_TIMEOUT * 1000)
                # the URL changes first; then the new page's script runs
                await page.wait_for_url(f"**/{path}", timeout=PAGE_TIMEOUT * 1000)
                stats.page_time("supervisor", path, await wait_idle(page, t0))
            except PwTimeout as e:
                stats.error(who, path, f"timeout: {str(e)[:120]}")
            await check_errors(page, who, path, stats)
    except Exception as e:  # noqa: BLE001 - recorded and reported
        stats.error(who, current["page"], f"{type(e).__name__}: {e}")
    finally:
        current["leaving"] = True
        await ctx.close()


async def warm_up(browser, bases: list[str], supervisor_user: str, display_user: str, password: str) -> None:
    """Each instance once, untimed, as a deployment's readiness check does before it takes
    traffic: a supervisor opens every page and a display the wall (module imports, the first
    database connections, the page caches)."""
    for base in bases:
        ctx = await browser.new_context(viewport={"width": 1600, "height": 1000}, user_agent="loadtest-warmup")
        page = await ctx.new_page()
        await login(page, base, supervisor_user, password)
        for path in SUPERVISOR_PAGES:
            if not path:
                continue
            await page.locator(f"[data-testid='stSidebar'] a[href='{path}']").first.click(timeout=PAGE_TIMEOUT * 1000)
            await page.wait_for_url(f"**/{path}", timeout=PAGE_TIMEOUT * 1000)
            await wait_idle(page, time.perf_counter())
        await ctx.close()
        ctx = await browser.new_context(viewport={"width": 1920, "height": 1080}, user_agent="loadtest-warmup-wall")
        page = await ctx.new_page()
        await login(page, base, display_user, password)
        await page.goto(f"{base}/wall?kiosk=1", timeout=PAGE_TIMEOUT * 1000)
        await wait_idle(page, time.perf_counter())
        await ctx.close()


async def sample_memory(pids: list[int], stats: Stats, stop_at: float, cpu_until: float):
    while True:
        stats.memory.append({"t": round(time.time()), **{str(p): rss_kb(p) for p in pids}})
        if time.perf_counter() < cpu_until:     # contexts close after the stop: their CPU is gone
            stats.cpu.append({"t": time.perf_counter(), "cpu": cpu_by_group(pids)})
        if time.perf_counter() >= stop_at:
            return
        await asyncio.sleep(10)


def pct(xs, q):
    if not xs:
        return None
    xs = sorted(xs)
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


async def main_async(a) -> dict:
    stats = Stats()
    pids = [int(p) for p in a.pids.split(",") if p]
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        idle_memory = {str(p): rss_kb(p) for p in pids}
        if a.warm:
            t_warm = time.perf_counter()
            try:
                await warm_up(browser, a.warm.split(","), "lt_supervisor_1", "lt_display_1", a.password)
            except Exception as e:  # noqa: BLE001 - reported; the timed run goes on
                stats.error("warm-up", "", f"{type(e).__name__}: {e}")
            print(f"warm-up of {a.warm}: {time.perf_counter() - t_warm:.0f} s", flush=True)
        started = time.perf_counter()
        stop_at = started + a.minutes * 60
        mem = asyncio.create_task(sample_memory(pids, stats, stop_at + 15, stop_at - 1))
        tasks = []
        for i in range(a.walls):
            tasks.append(wall(browser, a.base, f"lt_display_{i + 1}", a.password, stats, stop_at, a.wall_reload, i + 1))
        for i in range(a.supervisors):
            tasks.append(supervisor(browser, a.base, f"lt_supervisor_{i + 1}", a.password, stats, stop_at, i + 1,
                                    (a.think_min, a.think_max)))
        # staggered arrivals, as people come in over a minute
        async def delayed(k, coro):
            await asyncio.sleep(k * a.ramp / max(1, len(tasks)))
            await coro
        await asyncio.gather(*[delayed(k, t) for k, t in enumerate(tasks)])
        await mem
        await browser.close()
    all_times = [x for v in stats.times.values() for x in v]
    mem_first = stats.memory[0] if stats.memory else {}
    mem_last = stats.memory[-1] if stats.memory else {}
    # "after ramp": every viewer has signed in and opened a page once (imports, caches, sessions)
    warm_t = time.time() - (time.perf_counter() - started) + a.ramp + 90
    mem_warm = next((m for m in stats.memory if m["t"] >= warm_t), mem_first)
    mem_peak = {str(p): max(m[str(p)] for m in stats.memory) for p in pids} if stats.memory else {}
    per_page = {k: {"n": len(v), "p50": pct(v, 0.5), "p95": pct(v, 0.95), "max": max(v)}
                for k, v in sorted(stats.times.items())}
    return {
        "started": datetime.fromtimestamp(time.time() - (time.perf_counter() - started)).isoformat(timespec="seconds"),
        "minutes": a.minutes, "walls": a.walls, "supervisors": a.supervisors, "base": a.base,
        "navigations": stats.navigations,
        "page_time": {"p50": pct(all_times, 0.5), "p95": pct(all_times, 0.95), "max": max(all_times, default=None),
                      "mean": statistics.fmean(all_times) if all_times else None},
        "per_page": per_page,
        "errors": stats.errors,
        "alerts_seen": sorted(stats.alerts),
        "warmed_up": bool(a.warm),
        "memory_kb": {"idle": idle_memory, "first": mem_first, "after_ramp": mem_warm, "last": mem_last, "peak": mem_peak,
                      "growth_mb": {str(p): round((mem_last.get(str(p), 0) - mem_first.get(str(p), 0)) / 1024, 1)
                                    for p in pids},
                      "growth_after_ramp_mb": {str(p): round((mem_last.get(str(p), 0) - mem_warm.get(str(p), 0)) / 1024, 1)
                                               for p in pids}},
        "memory_samples": stats.memory,
        "cpu": _cpu_report(stats.cpu),
    }


def _cpu_report(samples: list[dict]) -> dict:
    """CPU used per group between the first and the last sample of the timed run, in seconds and
    in cores (CPU seconds per second of wall time; the machine has os.cpu_count() of them)."""
    if len(samples) < 2:
        return {}
    first, last = samples[0], samples[-1]
    span = last["t"] - first["t"]
    used = {g: last["cpu"].get(g, 0.0) - first["cpu"].get(g, 0.0) for g in last["cpu"]}
    return {"seconds": round(span), "cores": os.cpu_count(),
            "groups": {g: {"cpu_seconds": round(v, 1), "cores": round(v / span, 2)}
                       for g, v in sorted(used.items(), key=lambda kv: -kv[1]) if v > 0.05}}


def write_report(r: dict, out_json: Path, out_md: Path, note: str) -> None:
    out_json.write_text(json.dumps(r, ensure_ascii=False, indent=1), encoding="utf-8")

    def s(x):
        return "—" if x is None else f"{x:.2f} s"
    pt = r["page_time"]
    lines = [
        "# Load test report",
        "",
        f"Run {r['started']}, {r['minutes']} min: {r['walls']} wall displays + {r['supervisors']} supervisors "
        f"(one headless Chromium, one context each) against two Streamlit instances behind nginx at {r['base']}.",
        note,
        "",
        f"- navigations timed: {r['navigations']}",
        f"- page time (navigation → app idle): p50 {s(pt['p50'])}, p95 {s(pt['p95'])}, max {s(pt['max'])} "
        f"(target p95 < 3 s: {'met' if pt['p95'] is not None and pt['p95'] < 3 else 'NOT met'})",
        f"- errors: {len(r['errors'])} (target 0)",
        ("- warm-up before the timed run: each instance opened every page once (untimed), as a readiness "
         "check would; server memory idle → warmed (MB): "
         + "; ".join(f"pid {p}: {r['memory_kb']['idle'].get(p, 0) / 1024:.0f} → {r['memory_kb']['first'].get(p, 0) / 1024:.0f}"
                     for p in r["memory_kb"]["growth_mb"])
         if r.get("warmed_up") else "- no warm-up: the first sample is the idle process"),
        "- server memory (RSS, MB) over the timed run, first → last (peak), growth: "
        + "; ".join(f"pid {p}: {r['memory_kb']['first'].get(p, 0) / 1024:.0f} → {r['memory_kb']['last'].get(p, 0) / 1024:.0f}"
                    f" ({r['memory_kb']['peak'].get(p, 0) / 1024:.0f}), {g:+.1f}"
                    for p, g in r["memory_kb"]["growth_mb"].items())
        + " (target growth < 100 MB)",
        "- growth after the ramp (all viewers signed in, +90 s) to the end, MB: "
        + "; ".join(f"pid {p}: {g:+.1f}" for p, g in r["memory_kb"]["growth_after_ramp_mb"].items())
        + f"; per viewer session at the end ≈ "
        f"{sum(r['memory_kb']['last'].get(p, 0) - r['memory_kb']['first'].get(p, 0) for p in r['memory_kb']['growth_mb']) / 1024 / max(1, r['walls'] + r['supervisors']):.1f} MB"
        " (RSS above the first sample of the timed run, divided by viewers; includes the caches they filled)",
        "",
        "| page | n | p50 | p95 | max |",
        "|---|---:|---:|---:|---:|",
    ]
    for k, v in r["per_page"].items():
        lines.append(f"| {k} | {v['n']} | {s(v['p50'])} | {s(v['p95'])} | {s(v['max'])} |")
    if r.get("cpu"):
        c = r["cpu"]
        lines += ["", f"CPU used during {c['seconds']} s of the timed run ({c['cores']} cores; processes alive at "
                  "the last sample; a browser renderer that exited earlier is not counted):", "",
                  "| processes | CPU seconds | cores |", "|---|---:|---:|"]
        lines += [f"| {g} | {v['cpu_seconds']:.1f} | {v['cores']:.2f} |" for g, v in c["groups"].items()]
    if r.get("alerts_seen"):
        lines += ["", "Red alerts the pages showed (product content, not errors): "
                  + " / ".join(a.replace("\n", " ") for a in r["alerts_seen"][:8])]
    if r["errors"]:
        lines += ["", "## Errors (first 30)", ""]
        lines += [f"- {e['at']} {e['who']} {e['page']}: {e['error']}" for e in r["errors"][:30]]
    out_md.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", default="http://127.0.0.1:8600")
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--walls", type=int, default=4)
    ap.add_argument("--supervisors", type=int, default=20)
    ap.add_argument("--password", required=True)
    ap.add_argument("--pids", default="")
    ap.add_argument("--wall-reload", type=float, default=60)
    # a supervisor reads a page for 10–30 s before the next; 24 people sign in over 3 minutes
    ap.add_argument("--think-min", type=float, default=10)
    ap.add_argument("--think-max", type=float, default=30)
    ap.add_argument("--ramp", type=float, default=180)
    ap.add_argument("--out", default=str(Path(__file__).parent / "report"))
    ap.add_argument("--note", default="")
    ap.add_argument("--warm", default="", help="comma-separated instance URLs to warm up before the timed run")
    a = ap.parse_args(argv)
    assert a.base.startswith("http://127.0.0.1"), "load test traffic stays on 127.0.0.1"
    r = asyncio.run(main_async(a))
    write_report(r, Path(a.out + ".json"), Path(a.out + ".md"), a.note)
    print(Path(a.out + ".md").read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
