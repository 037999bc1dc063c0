"""The import files of one month (tests/support/fixtures/dec_*.csv, as a clerk's exports hold them)
and the command line that imports them: shared by the import, ticket list and export tests."""
import sqlalchemy as sa

from dashboard.cli.main import main
from tests.support.paths import FIXTURES

KINDS_IN_ORDER = ["staff", "tickets", "events", "shifts", "reports", "manual"]


def url_of(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def cli(engine, *args) -> int:
    return main(["--db", url_of(engine), *args])


def count(engine, table) -> int:
    with engine.connect() as c:
        return c.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def import_month(engine) -> None:
    """Every dec_<kind>.csv through `import`, in the order their references need."""
    for kind in KINDS_IN_ORDER:
        assert cli(engine, "import", kind, str(FIXTURES / f"dec_{kind}.csv")) == 0, kind
