import threading

import peewee as pw
import pytest

from agentscaler_gym.database import ROUTER, Database, Model, SeedDatabase
from agentscaler_gym.domains.common import JSONField
from agentscaler_gym.seat import Answer, Seat, changes
from agentscaler_gym.tasks import ASSISTANT
from agentscaler_gym.tools import WRITE, ToolError, tool


class Account(Model):
    id = pw.CharField(primary_key=True)
    balance = pw.IntegerField()


class Transfer(Model):
    id = pw.AutoField()
    source = pw.ForeignKeyField(Account)
    amount = pw.IntegerField()


@tool(WRITE)
def transfer(source: str, target: str, amount: int) -> dict:
    """Move money between accounts.

    Args:
        source: Account to debit.
        target: Account to credit.
        amount: Amount in cents.
    """
    Account.update(balance=Account.balance - amount).where(Account.id == source).execute()
    Transfer.create(source=source, amount=amount)
    if Account.get_by_id(source).balance < 0:
        raise ToolError("insufficient funds")  # raised after writing: the transaction must undo them
    Account.update(balance=Account.balance + amount).where(Account.id == target).execute()
    return {"ok": True}


@tool(WRITE)
def set_balance(account: str, balance: int) -> str:
    """Set a balance.

    Args:
        account: The account.
        balance: The new balance.
    """
    Account.update(balance=balance).where(Account.id == account).execute()
    return "ok"


TOOLS = {"transfer": transfer, "set_balance": set_balance}


@pytest.fixture(scope="module")
def seed():
    rows = {Account: [{"id": f"A{i}", "balance": 100} for i in range(50)], Transfer: []}
    return SeedDatabase([Account, Transfer], rows)


def test_a_failed_write_leaves_the_database_exactly_as_before(seed):
    seat = Seat(ASSISTANT, seed, TOOLS)
    before = seat.db.digest()
    answer = seat.call("transfer", {"source": "A1", "target": "A2", "amount": 500})
    assert answer == Answer("Error: insufficient funds", False)
    assert seat.db.digest() == before and seat.db.changes() == {} and seat.calls == []


def test_changes_report_rows_by_content_not_by_touch(seed):
    seat = Seat(ASSISTANT, seed, TOOLS)
    db = seat.db
    assert seat.call("set_balance", {"account": "A3", "balance": 100}) == Answer("ok", True)  # same value: no change
    assert db.changes() == {}
    seat.call("transfer", {"source": "A1", "target": "A2", "amount": 30})
    assert db.changes() == {
        ("account", "A1"): '["A1",70]',
        ("account", "A2"): '["A2",130]',
        ("transfer", 1): '[1,"A1",30]',
    }
    seat.call("transfer", {"source": "A2", "target": "A1", "amount": 30})  # undo the balances
    assert set(db.changes()) == {("transfer", 1), ("transfer", 2)}
    assert seat.changes()[("transfer", 2)] == {"id": 2, "source_id": "A2", "amount": 30}
    assert changes({"bank": seat})[("bank", "transfer", 2)] == {"id": 2, "source_id": "A2", "amount": 30}
    assert [c.name for c in seat.calls] == ["set_balance", "transfer", "transfer"]


def test_reset_restores_the_seed_and_clears_the_change_log(seed):
    db = Database(seed)
    pristine = db.digest()
    db.run(transfer, {"source": "A1", "target": "A2", "amount": 30})
    assert db.digest() != pristine
    db.reset()
    assert db.digest() == pristine and db.changes() == {}


class Reading(Model):
    key = pw.CharField(primary_key=True)
    value = pw.FloatField()


def test_reset_puts_back_exact_values_rowids_and_renamed_keys():
    seed = SeedDatabase([Reading], {Reading: [{"key": f"r{i}", "value": i / 3} for i in range(20)]})
    db, fresh = Database(seed), Database(seed)
    stored = 'SELECT rowid, * FROM "reading"'  # storage order: what a scan without ORDER BY sees
    with db.active():
        Reading.update(value=0.1 + 0.2).where(Reading.key == "r1").execute()  # JSON would print 0.3
        Reading.update(key="moved").where(Reading.key == "r2").execute()
        Reading.delete().where(Reading.key == "r3").execute()
        Reading.create(key="new", value=1.5)
    db.reset()
    assert db.conn.execute(stored).fetchall() == fresh.conn.execute(stored).fetchall()
    assert db.changes() == {}


def test_many_instances_in_one_process_are_isolated(seed):
    dbs = [Database(seed) for _ in range(64)]
    for i, db in enumerate(dbs):
        db.run(set_balance, {"account": "A0", "balance": i})
    for i, db in enumerate(dbs):
        assert db.changes() == {("account", "A0"): f'["A0",{i}]'}


def test_instances_in_threads_are_isolated(seed):
    errors = []

    def work(i):
        try:
            db = Database(seed)
            for step in range(200):
                db.run(set_balance, {"account": "A0", "balance": i * 1000 + step})
                assert db.changes() == {("account", "A0"): f'["A0",{i * 1000 + step}]'}
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(1, 9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_models_outside_an_active_database_fail_clearly():
    with pytest.raises(pw.InterfaceError, match="no active database"):
        Account.get_by_id("A1")


def test_sqlite_errors_come_back_as_text(seed):
    seat = Seat(ASSISTANT, seed, TOOLS)
    answer = seat.call("set_balance", {"account": "A0", "balance": 2**80})
    assert not answer.ok and answer.text.startswith("Error: ") and seat.changes() == {}


def test_find_and_find_all_match_peewee_queries(seed):
    db = Database(seed)
    with db.active():
        assert Account.find(id="A7").balance == Account.get_by_id("A7").balance == 100
        assert Account.find(id="nope") is None
        assert [a.id for a in Account.find_all(balance=100)][:3] == ["A0", "A1", "A10"]
        with pytest.raises(AttributeError, match="no field"):
            Account.find(colour="red")
    db.run(transfer, {"source": "A1", "target": "A2", "amount": 5})
    with db.active():
        found = Transfer.find(source="A1")
        assert (found.id, found.source_id, found.amount) == (1, "A1", 5)
        assert found.source.balance == 95  # a found row is an ordinary model instance


class Item(Model):
    id = pw.AutoField()
    name = pw.CharField()
    count = pw.IntegerField()
    price = pw.FloatField()
    flag = pw.BooleanField()
    owner = pw.ForeignKeyField(Account, null=True)
    body = JSONField()


def test_lookups_bind_every_value_as_peewee_does():
    """A value of the column's own type binds as it is; any other goes through peewee's conversion,
    so a lookup finds what the same peewee query finds, whatever the agent's arguments hold."""
    rows = [
        {"name": "7", "count": 7, "price": 7.0, "flag": True, "owner": "A1", "body": {"k": 1}},
        {"name": "True", "count": 1, "price": 0.5, "flag": False, "owner": None, "body": [7]},
        {"name": "b'x'", "count": 0, "price": 1e20, "flag": True, "owner": "A2", "body": "[7]"},
    ]
    seed = SeedDatabase(
        [Account, Item], {Account: [{"id": "A1", "balance": 1}, {"id": "A2", "balance": 2}], Item: rows}
    )
    scalars = ["7", 7, 7.0, True, False, 1, 0.5, 1e20, "1e+20", b"x", "b'x'", "A1", "[7]"]
    with Database(seed).active():
        for field in ("name", "count", "price", "flag", "owner", "body"):
            for value in scalars:
                try:
                    expected = [i.id for i in Item.select().where(getattr(Item, field) == value).order_by(Item.id)]
                except (TypeError, ValueError, OverflowError) as exc:  # peewee refuses it: so does the lookup
                    with pytest.raises(type(exc)):
                        Item.find_all(**{field: value})
                    continue
                assert [i.id for i in Item.find_all(**{field: value})] == expected, (field, value)
                found = Item.find(**{field: value})
                assert (found.id if found else None) == (expected[0] if expected else None), (field, value)
        # a container peewee's == reads as a list of values; a lookup compares the JSON text
        assert [i.id for i in Item.find_all(body=[7])] == [2, 3] and Item.find(body={"k": 1}).id == 1
        assert Item.find(id=3).body == [7]  # the str it was given is the column's JSON text
        assert Item.find(owner=None) is None  # SQL's =, where peewee's == None is IS NULL


def test_save_updates_the_whole_row_and_inserts_new_ones(seed):
    db = Database(seed)
    with db.active():
        account = Account.find(id="A4")
        account.balance = 7
        assert account.save() == 1
        assert Account.get_by_id("A4").balance == 7
        ghost = Account(id="A999", balance=1)
        assert ghost.save() == 0  # peewee semantics: a manual primary key updates, it does not insert
        assert ghost.save(force_insert=True) == 1
        transfer_row = Transfer(source="A4", amount=3)
        transfer_row.save()
        assert transfer_row.id == 1
    assert set(db.changes()) == {("account", "A4"), ("account", "A999"), ("transfer", 1)}


def test_save_only_writes_the_named_fields(seed):
    db = Database(seed)
    db.run(set_balance, {"account": "A5", "balance": 50})
    with db.active():
        stale = Account(id="A5", balance=1)  # a stale copy: only `balance` would be written
        stale.balance = 60
        assert stale.save(only=["balance"]) == 1
        assert Account.find(id="A5").balance == 60
        transfer_row = Transfer.create(source="A5", amount=1)
        transfer_row.amount, transfer_row.source_id = 2, "A6"
        transfer_row.save(only=[Transfer.amount])
        assert (Transfer.find(id=transfer_row.id).amount, Transfer.find(id=transfer_row.id).source_id) == (2, "A5")


def _model(table: str, column: str = "value") -> type[Model]:
    fields = {"id": pw.AutoField(), column: pw.TextField(null=True), "Meta": type("Meta", (), {"table_name": table})}
    return type(f"M{abs(hash((table, column)))}", (Model,), fields)


def test_names_that_would_smuggle_sql_are_refused_and_run_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    opener = _model('t" (x); /*')
    closer = _model("*/ ATTACH DATABASE 'x.db' AS p; CREATE TABLE p.owned(a); /*")
    with pytest.raises(ValueError, match="not a usable table or column name"):
        SeedDatabase([opener, closer], {})
    with pytest.raises(ValueError, match="not a usable table or column name"):
        SeedDatabase([_model("plain", "v\" TEXT); ATTACH DATABASE 'x.db' AS p; --")], {})
    assert list(tmp_path.iterdir()) == []


def test_quotes_in_names_are_data():
    model = _model("o'hara", "it's")
    seat = Seat(ASSISTANT, SeedDatabase([model], {model: [{"it's": "a"}]}), {})
    with seat.db.active():
        model.create(**{"it's": "b"})
        row = model.find(id=1)
        setattr(row, "it's", "c")
        row.save()
    assert seat.changes() == {("o'hara", 1): {"id": 1, "it's": "c"}, ("o'hara", 2): {"id": 2, "it's": "b"}}
    seat.reset()
    assert seat.changes() == {} and seat.db.digest() == Seat(ASSISTANT, seat.db.seed, {}).db.digest()


def test_names_the_change_tracking_uses_are_reserved():
    with pytest.raises(ValueError, match="reserved"):
        SeedDatabase([_model("_log_account")], {})


@tool(WRITE)
def write_then_fail_inside(account: str) -> str:
    """Set a balance, then fail inside a nested atomic block.

    Args:
        account: The account.
    """
    Account.update(balance=1).where(Account.id == account).execute()
    try:
        with ROUTER.atomic():  # a savepoint inside the call's transaction
            Account.update(balance=2).where(Account.id == account).execute()
            raise ValueError("undone")
    except ValueError:
        pass
    return "ok"


def test_an_atomic_block_inside_a_write_is_a_savepoint(seed):
    seat = Seat(ASSISTANT, seed, {"w": write_then_fail_inside})
    assert seat.call("w", {"account": "A9"}) == Answer("ok", True)
    assert seat.changes() == {("account", "A9"): {"id": "A9", "balance": 1}}
    assert seat.db.conn.in_transaction is False


class Note(Model):
    id = pw.IntegerField(primary_key=True)
    title = pw.CharField(collation="NOCASE")
    body = JSONField()


def test_json_columns_of_found_rows_read_and_save_as_peewee_would():
    seed = SeedDatabase([Note], {Note: [{"id": 1, "title": "b", "body": {"tags": ["x"], "n": 1.5}}]})
    db = Database(seed)
    with db.active():
        untouched = Note.find(id=1)
        untouched.title = "B"
        untouched.save()  # its JSON column never read: written back as the same text
        note = Note.find(id=1)
        assert note.body == Note.get_by_id(1).body == {"tags": ["x"], "n": 1.5}
        note.body["tags"].append("y")  # changed in place, then saved
        note.save()
        assert Note.get_by_id(1).body == {"tags": ["x", "y"], "n": 1.5}
    assert db.changes() == {("note", 1): '[1,"B","{\\"n\\":1.5,\\"tags\\":[\\"x\\",\\"y\\"]}"]'}


def test_ordered_lookups_follow_the_column_collation():
    titles = ["b", "A", "c", "_", "Z"]
    seed = SeedDatabase([Note], {Note: [{"id": i, "title": t, "body": []} for i, t in enumerate(titles)]})
    with Database(seed).active():
        expected = [n.title for n in Note.select().order_by(Note.title)]
        assert [n.title for n in Note.ordered("title")] == expected == ["_", "A", "b", "c", "Z"]
        assert [n.id for n in Note.ordered("title", body=[])] == [n.id for n in Note.select().order_by(Note.title)]


def test_create_inserts_as_peewee_does(seed):
    db = Database(seed)
    with db.active():
        first, second = Transfer.create(source="A1", amount=4), Transfer.create(source=Account.find(id="A2"), amount=5)
        assert (first.id, second.id, first.is_dirty(), second.source_id) == (1, 2, False, "A2")
        assert [(t.id, t.source_id, t.amount) for t in Transfer.select()] == [(1, "A1", 4), (2, "A2", 5)]
        with pytest.raises(pw.IntegrityError, match="UNIQUE"):
            Account.create(id="A3", balance=1)
    assert set(db.changes()) == {("transfer", 1), ("transfer", 2)}
