import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from app.core.extensions import db
from app.stores import codes
from app.stores.models import CodeStatus, StoreCode
from tests import factories


def test_codes_generated_are_well_formed_and_short():
    for _ in range(200):
        code = codes.generate()
        assert len(code) == 8
        assert codes.is_well_formed(code)


@given(st.integers(min_value=0, max_value=7), st.sampled_from(codes.ALPHABET))
def test_codes_single_typo_caught_without_database(position, replacement):
    code = "7KQ4MZRX"[:-1]
    code = code + codes._check(code)
    if code[position] == replacement:
        return
    typo = code[:position] + replacement + code[position + 1 :]
    assert not codes.is_well_formed(typo)


def test_codes_adjacent_swap_caught():
    code = codes.generate()
    for i in range(7):
        if code[i] != code[i + 1]:
            swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
            assert not codes.is_well_formed(swapped)


def test_codes_lowercase_accepted():
    code = codes.generate()
    assert codes.is_well_formed(code.lower())


def test_codes_revoke_issues_new_active_code(ctx):
    store = factories.store()
    db.session.commit()
    old = store.active_code.code
    new = codes.revoke_and_reissue(old, "二维码被篡改")
    db.session.commit()
    rows = db.session.scalars(sa.select(StoreCode).where(StoreCode.store_id == store.id)).all()
    assert {r.code: r.status for r in rows} == {old: CodeStatus.REVOKED, new.code: CodeStatus.ACTIVE}


def test_codes_revoke_cli_prints_new_code(app, runner):
    with app.app_context():
        store = factories.store()
        db.session.commit()
        old = store.active_code.code
    result = runner.invoke(args=["codes", "revoke", old, "--reason", "遗失"])
    assert result.exit_code == 0, result.output
    new = result.output.strip()
    assert codes.is_well_formed(new) and new != old
