"""The benchmark city builder (bench/dataset.py) keeps the app's invariants, so it cannot rot:
it is not run by `make test` otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy import select

from bench.dataset import BIG_DEBTOR_CLAIMS
from bench.dataset import SCALES
from bench.dataset import bench_config
from bench.dataset import build_dataset
from portal import create_app
from portal.extensions import db
from portal.models import Claim
from portal.models import Debtor
from portal.models import LedgerEntry
from portal.models import Payment
from portal.services.ledger import claims_with_cache_mismatch


def test_tiny_city_on_sqlite_has_ledger_sums_equal_to_cached_balances_and_is_reused(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'city.sqlite'}"
    info = build_dataset(url, "tiny", log=lambda message: None)

    debtors, claims = SCALES["tiny"]
    assert (info.debtors, info.claims, info.reused) == (debtors, claims, False)
    assert info.ledger_entries > 2 * claims
    app = create_app(bench_config(url))
    with app.app_context():
        session = db.session()
        assert claims_with_cache_mismatch(session) == []
        assert session.scalar(select(func.count()).select_from(Debtor)) == debtors
        assert session.scalar(select(func.count()).select_from(LedgerEntry)) == (
            info.ledger_entries
        )
        # every bulk payment is booked on the ledger once, for its full amount
        unbooked = session.scalar(
            select(func.count())
            .select_from(Payment)
            .where(
                Payment.provider == "bank",
                ~select(LedgerEntry.id)
                .where(LedgerEntry.payment_id == Payment.id, LedgerEntry.amount == -Payment.amount)
                .exists(),
            )
        )
        assert unbooked == 0
        open_claims = session.scalar(
            select(func.count())
            .select_from(Claim)
            .where(Claim.debtor_id == info.big_debtor_id, Claim.principal_due > 0)
        )
        assert open_claims == BIG_DEBTOR_CLAIMS
        db.session.remove()
        db.engine.dispose()

    again = build_dataset(url, "tiny", log=lambda message: None)
    assert again.reused
    assert (again.claims, again.ledger_entries) == (info.claims, info.ledger_entries)


def test_the_benchmark_floors_are_an_empty_response_and_an_empty_logged_in_page(
    tmp_path: Path,
) -> None:
    """bench/app.py's floors: /bench/bare does no work; /bench/layout is the site's layout for
    a logged-in citizen (and, like every citizen page, sends anyone else to log in)."""
    from bench.app import create_bench_app
    from bench.dataset import bench_env
    from tests.support.login import login_citizen

    url = f"sqlite:///{tmp_path / 'city.sqlite'}"
    info = build_dataset(url, "tiny", log=lambda message: None)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in bench_env(url).items():
            patch.setenv(name, value)
        app = create_bench_app()
    client = app.test_client()
    assert client.get("/bench/bare").get_data(as_text=True).count("<h1>") == 1
    assert client.get("/bench/layout").status_code == 302
    login_citizen(client, info.big_debtor_id)
    page = client.get("/bench/layout").get_data(as_text=True)
    assert page.count("<h1>") == 1
    assert 'class="site-header__logout"' in page
