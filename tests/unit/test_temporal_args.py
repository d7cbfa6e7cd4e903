"""The embedded server's command line: loopback, file database, WAL, typed search attributes."""

from __future__ import annotations

from pathlib import Path

from thidua.adapters.temporal.server import embedded_server_args
from thidua.config import Settings


class TestEmbeddedServerArgs:
    def test_search_attributes_are_registered_with_their_types(self, tmp_path: Path) -> None:
        """NominationYear is an Int (a Keyword would refuse every start with a year)."""
        settings = Settings(temporal={"embedded_db": tmp_path / "t.db"})
        args = embedded_server_args(settings)
        pairs = [args[i + 1] for i, a in enumerate(args) if a == "--search-attribute"]
        assert sorted(pairs) == [
            "NominationMovement=Keyword",
            "NominationStage=Keyword",
            "NominationUnit=Keyword",
            "NominationYear=Int",
        ]

    def test_server_binds_to_loopback_with_a_wal_file_database(self, tmp_path: Path) -> None:
        """The embedded server listens on 127.0.0.1 and keeps its state in a WAL SQLite file."""
        settings = Settings(temporal={"embedded_db": tmp_path / "t.db"})
        args = embedded_server_args(settings)
        assert args[args.index("--ip") + 1] == "127.0.0.1"
        assert args[args.index("--ui-ip") + 1] == "127.0.0.1"
        assert args[args.index("--db-filename") + 1] == str(tmp_path / "t.db")
        assert "journal_mode=wal" in args
