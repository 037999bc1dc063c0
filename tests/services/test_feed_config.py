"""The feed's command line and source file: bad files are refused in one Chinese line before
anything is read; `${VAR}` sources; the demo source command writes a file `feed` can use."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from dashboard.cli.main import main
from dashboard.services.feed import config
from queries.schema import tickets


def run(capsys, *argv) -> tuple[int, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, (out.out + out.err).strip()


@pytest.mark.parametrize(("text", "message"), [
    ("every: 60\n", "数据源文件缺少 source"),
    ("source: ${NO_SUCH_VARIABLE_X}\ntickets: {query: 'SELECT 1 :since :limit'}\n", "环境变量 NO_SUCH_VARIABLE_X 未设置或为空"),
    ("source: sqlite://\n", "数据源文件没有任何查询"),
    ("source: sqlite://\ntickets: {query: 'SELECT * FROM t WHERE x > :since'}\n", "tickets.query 应使用参数 :limit"),
    ("source: sqlite://\nevents: {query: 'q :since :limit', watermark: rowversion}\n", "events.watermark 应为 timestamp 或 integer"),
    ("source: sqlite://\nevery: 0\ntickets: {query: 'q :since :limit'}\n", "every 应为不小于 1 的整数"),
    ("source: sqlite://\ntickets: {query: 'q :since :limit', batch: -5}\n", "tickets.batch 应为正整数"),
    ("source: sqlite://\ntickets: {query: 'q :since :limit', timezone: Mars/Base}\n", "timezone 无效：Mars/Base"),
    ("source: sqlite://\ntickts: {query: 'q :since :limit'}\n", "未知的项：tickts"),
])
def test_bad_source_files_are_refused_in_one_line(tmp_path, capsys, text, message):
    path = tmp_path / "src.yaml"
    path.write_text(text, encoding="utf-8")
    code, out = run(capsys, "--db", f"sqlite:///{tmp_path / 'x.db'}", "feed", str(path), "--once")
    assert code == 1 and out.startswith("错误: ") and message in out and len(out.splitlines()) == 1
    assert not (tmp_path / "x.db").exists()          # refused before anything was opened


def test_a_source_without_its_driver_is_one_line(tmp_path, capsys):
    path = tmp_path / "src.yaml"
    path.write_text("source: oracle+nosuchdriver://u:pw@host/db\ntickets: {query: 'q :since :limit'}\n", encoding="utf-8")
    code, out = run(capsys, "--db", f"sqlite:///{tmp_path / 'x.db'}", "feed", str(path), "--once")
    assert code == 1 and out.startswith("错误: 无法使用数据源 oracle+nosuchdriver://u:***@host/db") and "pw" not in out


def test_usage_errors(tmp_path, capsys):
    assert run(capsys, "feed")[0] == 2
    code, out = run(capsys, "feed", "a.yaml", "--inbox", str(tmp_path))
    assert code == 2 and "请只指定一种数据来源" in out


def test_source_from_environment_and_defaults():
    cfg = config.parse({"source": "${OPS_URL}", "tickets": {"query": "q :since :limit", "values": {"诉求类型": {1: "咨询"}}},
                        "events": {"query": "q :since :limit", "watermark": "integer"}},
                       default_name="ops", environ={"OPS_URL": "mysql+pymysql://u:secret@h/db"})
    assert (cfg.name, cfg.every, cfg.overlap, cfg.timeout) == ("ops", 60, 300, 120)
    assert cfg.kinds["tickets"].batch == 5000 and cfg.kinds["tickets"].watermark == "timestamp"
    assert cfg.kinds["tickets"].mapping.values == {"诉求类型": {"1": "咨询"}}     # matched by the value's text
    assert list(cfg.kinds) == ["tickets", "events"] and "secret" not in cfg.shown_url


def test_demo_source_then_feed_moves_the_data(tmp_path, capsys):
    src_db, src_file, ours = tmp_path / "src.db", tmp_path / "src.yaml", tmp_path / "ours.db"
    code, out = run(capsys, "demo-source", f"sqlite:///{src_db}", "--config", str(src_file), "--history", "2", "--once")
    assert code == 0 and "演示数据源已就绪" in out
    code, out = run(capsys, "feed", str(src_file), "--once", "--db", f"sqlite:///{ours}")
    assert code == 0 and "已拉取到最新" in out
    with sa.create_engine(f"sqlite:///{src_db}").connect() as c:
        expected = c.execute(sa.text("SELECT COUNT(*) FROM t_order")).scalar_one()
    with sa.create_engine(f"sqlite:///{ours}").connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(tickets)).scalar_one() == expected == 2 * 18 + 3
