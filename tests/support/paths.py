"""Where the repository and the test data files are, for tests in any folder."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "support" / "fixtures"
MAPPINGS = ROOT / "mappings"
