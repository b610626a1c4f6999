"""``operation: dns`` end to end: the entrypoint as the runner runs it, against the
emulator's DNS records (which normalise, validate and apply batches as one transaction).
Call budgets are exact counts; "mutating" means POST, PUT, PATCH or DELETE."""

from __future__ import annotations

import json

import pytest

from cfemu import Emulator, Fault
from cfemu.demo import DEMO_TOKEN, DEMO_ZONE_ID
from tests.conftest import RunStep

pytestmark = pytest.mark.e2e

ZONE = "example.com"
BATCH = "/dns_records/batch"


def dns(step: RunStep, records: str = "", **inputs: str):  # type: ignore[no-untyped-def]
    given = {"operation": "dns", "zone": ZONE, "api_token": DEMO_TOKEN, **inputs}
    if records:
        given["records"] = records
    return step(**given)


def mutating(emulator: Emulator) -> list[str]:
    return [f"{r.method} {r.path}" for r in emulator.log if r.method != "GET"]


def reads(emulator: Emulator) -> int:
    return sum(1 for r in emulator.log if r.method == "GET" and "dns_records" in r.path)


def state(
    emulator: Emulator, name: str | None = None, rtype: str | None = None
) -> list[tuple[str, str, str]]:
    return sorted(
        (r.type, r.name, r.content)
        for r in emulator.state.records(DEMO_ZONE_ID, name=name, type=rtype)
    )


def test_create_then_rerun_is_a_no_op(step: RunStep, emulator: Emulator) -> None:
    records = """
- {type: A, name: www, content: 192.0.2.10, proxied: true}
- {type: AAAA, name: www, content: "2001:DB8:0:0::10"}
- {type: TXT, name: '@', content: "v=spf1 include:_spf.example.net -all"}
- {type: MX, name: '@', content: Mail.Example.com., priority: 10}
- {type: CNAME, name: docs.example.com., content: Docs.Example.NET.}
"""
    first = dns(step, records)

    assert first.exit_code == 0, first.stdout
    assert first.outputs["created"] == "5"
    ids = {r.id for r in emulator.state.records(DEMO_ZONE_ID)}
    assert {r["id"] for r in json.loads(first.outputs["records"])} == ids
    assert mutating(emulator) == [f"POST /zones/{DEMO_ZONE_ID}{BATCH}"]
    assert len(emulator.state.records(DEMO_ZONE_ID)) == 5

    second = dns(step, records)

    assert second.exit_code == 0, second.stdout
    assert mutating(emulator) == []  # normalised comparison: nothing to do
    assert (
        second.outputs["created"],
        second.outputs["updated"],
        second.outputs["deleted"],
        second.outputs["unchanged"],
    ) == ("0", "0", "0", "5")
    assert {r["action"] for r in json.loads(second.outputs["records"])} == {"unchanged"}
    assert "unchanged" in second.summary


def test_a_content_change_keeps_the_record_id(step: RunStep, emulator: Emulator) -> None:
    old = emulator.state.add_dns_record(DEMO_ZONE_ID, "A", "api", content="192.0.2.1")

    run = dns(step, type="A", name="api", content="192.0.2.2")

    assert run.exit_code == 0, run.stdout
    (record,) = emulator.state.records(DEMO_ZONE_ID, name="api")
    assert (record.id, record.content) == (old.id, "192.0.2.2")
    (change,) = json.loads(run.outputs["records"])
    assert (change["id"], change["action"]) == (old.id, "update")
    assert json.loads(run.outputs["plan"])["batches"] == [
        {"patches": [{"id": old.id, "content": "192.0.2.2"}]}
    ]


def test_a_verification_txt_leaves_the_spf_record_alone(step: RunStep, emulator: Emulator) -> None:
    spf = emulator.state.add_dns_record(DEMO_ZONE_ID, "TXT", "@", content="v=spf1 -all")

    run = dns(step, type="TXT", name="@", content="google-site-verification=abc")

    assert run.exit_code == 0, run.stdout
    contents = sorted(r.content for r in emulator.state.records(DEMO_ZONE_ID, type="TXT"))
    assert contents == ['"google-site-verification=abc"', '"v=spf1 -all"']
    assert any(r.id == spf.id for r in emulator.state.records(DEMO_ZONE_ID, type="TXT"))
    assert run.outputs["created"] == "1" and run.outputs["deleted"] == "0"


def test_a_round_robin_set_is_replaced_exactly(step: RunStep, emulator: Emulator) -> None:
    for ip in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        emulator.state.add_dns_record(DEMO_ZONE_ID, "A", "app", content=ip)
    emulator.state.add_dns_record(DEMO_ZONE_ID, "TXT", "app", content="keep me")

    run = dns(
        step,
        """
- {type: A, name: app, content: 192.0.2.2}
- {type: A, name: app, content: 192.0.2.4}
""",
    )

    assert run.exit_code == 0, run.stdout
    assert state(emulator, "app.example.com", "A") == [
        ("A", "app.example.com", "192.0.2.2"),
        ("A", "app.example.com", "192.0.2.4"),
    ]
    assert state(emulator, "app.example.com", "TXT") == [("TXT", "app.example.com", '"keep me"')]
    counts = [run.outputs[k] for k in ("created", "updated", "deleted", "unchanged")]
    assert counts == ["0", "1", "1", "1"]  # .4 takes over .1's record, .3 goes
    assert mutating(emulator) == [f"POST /zones/{DEMO_ZONE_ID}{BATCH}"]


def test_cname_to_a_and_a_to_cname_in_one_batch(step: RunStep, emulator: Emulator) -> None:
    emulator.state.add_dns_record(DEMO_ZONE_ID, "CNAME", "blue", content="old.example.net")
    emulator.state.add_dns_record(DEMO_ZONE_ID, "A", "green", content="192.0.2.7")
    emulator.state.add_dns_record(DEMO_ZONE_ID, "AAAA", "green", content="2001:db8::7")

    run = dns(
        step,
        """
- {type: A, name: blue, content: 192.0.2.8}
- {type: CNAME, name: green, content: new.example.net}
""",
    )

    assert run.exit_code == 0, run.stdout
    assert state(emulator, "blue.example.com") == [("A", "blue.example.com", "192.0.2.8")]
    assert state(emulator, "green.example.com") == [
        ("CNAME", "green.example.com", "new.example.net")
    ]
    assert mutating(emulator) == [f"POST /zones/{DEMO_ZONE_ID}{BATCH}"]
    assert run.outputs["deleted"] == "3" and run.outputs["created"] == "2"


def test_state_absent_deletes_only_what_it_names(step: RunStep, emulator: Emulator) -> None:
    emulator.state.add_dns_record(DEMO_ZONE_ID, "TXT", "_acme-challenge", content="token-1")
    emulator.state.add_dns_record(DEMO_ZONE_ID, "TXT", "_acme-challenge", content="token-2")
    emulator.state.add_dns_record(DEMO_ZONE_ID, "A", "old", content="192.0.2.9")

    run = dns(
        step,
        """
- {type: TXT, name: _acme-challenge, content: token-1, state: absent}
- {type: A, name: old, state: absent}
""",
    )

    assert run.exit_code == 0, run.stdout
    assert state(emulator, "_acme-challenge.example.com") == [
        ("TXT", "_acme-challenge.example.com", '"token-2"')
    ]
    assert state(emulator, "old.example.com") == []
    assert run.outputs["deleted"] == "2"


def test_a_large_zone_with_a_page_cap_is_read_completely_within_budget(
    step: RunStep, emulator: Emulator
) -> None:
    for i in range(1500):
        emulator.state.add_dns_record(DEMO_ZONE_ID, "A", f"host{i:04d}", content="192.0.2.1")
    emulator.state.dns_page_cap = 100
    names = [f"host{i:04d}" for i in range(0, 1500, 30)]  # 50 names spread over the zone
    records = "\n".join(f"- {{type: A, name: {n}, content: 192.0.2.2}}" for n in names)

    run = dns(step, records, zone=DEMO_ZONE_ID)

    assert run.exit_code == 0, run.stdout
    # 50 groups, 1,500 records in pages of 100: reading the zone (15 calls) beats 50 reads.
    assert reads(emulator) == 15 == min(50, 1500 // 100)
    assert run.outputs["updated"] == "50"
    assert mutating(emulator) == [f"POST /zones/{DEMO_ZONE_ID}{BATCH}"]
    assert all(
        r.content == "192.0.2.2"
        for r in emulator.state.records(DEMO_ZONE_ID)
        if r.name.split(".")[0] in names
    )


def test_few_names_in_a_large_zone_are_read_name_by_name(step: RunStep, emulator: Emulator) -> None:
    for i in range(1500):
        emulator.state.add_dns_record(DEMO_ZONE_ID, "A", f"host{i:04d}", content="192.0.2.1")
    emulator.state.dns_page_cap = 100

    run = dns(
        step,
        "- {type: A, name: host0000, content: 192.0.2.3}\n"
        "- {type: A, name: host0001, content: 192.0.2.3}\n"
        "- {type: A, name: zzz, content: 192.0.2.3}",
    )

    assert run.exit_code == 0, run.stdout
    # The first page of the zone holds host0000 and host0001; zzz is read on its own.
    assert reads(emulator) == 2
    assert run.outputs["updated"] == "2" and run.outputs["created"] == "1"


def test_one_name_costs_one_read_and_one_batch(step: RunStep, emulator: Emulator) -> None:
    run = dns(step, type="A", name="www", content="192.0.2.1", zone="www.example.com")

    assert run.exit_code == 0, run.stdout
    # zone lookup walk (www.example.com, example.com) + 1 read + 1 batch
    assert run.outputs["api_calls"] == "4"
    assert reads(emulator) == 1
    assert emulator.state.records(DEMO_ZONE_ID)[0].name == "www.example.com"


def test_more_changes_than_the_batch_limit_use_several_batches(
    step: RunStep, emulator: Emulator
) -> None:
    records = "\n".join(f"- {{type: A, name: n{i}, content: 192.0.2.1}}" for i in range(25))

    run = dns(step, records, batch_limit="10")

    assert run.exit_code == 0, run.stdout
    assert mutating(emulator) == [f"POST /zones/{DEMO_ZONE_ID}{BATCH}"] * 3
    assert len(emulator.state.records(DEMO_ZONE_ID)) == 25


def test_a_failed_batch_leaves_the_zone_unchanged_and_says_so(
    step: RunStep, emulator: Emulator
) -> None:
    emulator.state.add_dns_record(DEMO_ZONE_ID, "A", "keep", content="192.0.2.1")
    before = state(emulator)
    # The emulator refuses the batch: its zone plan allows 200 operations; send 201.
    records = "\n".join(f"- {{type: A, name: n{i}, content: 192.0.2.1}}" for i in range(201))

    run = dns(step, records + "\n- {type: A, name: keep, content: 192.0.2.5}", batch_limit="3500")

    assert run.exit_code == 1
    assert state(emulator) == before
    titles = [e.properties["title"] for e in run.annotations("error")]
    assert titles[-1] == "DNS changes incomplete"
    assert "202 DNS change(s) were not applied" in run.annotations("error")[-1].data
    assert {r["action"] for r in json.loads(run.outputs["records"])} == {"not applied"}
    assert "❌ not applied" in run.summary


def test_a_lost_answer_after_a_committed_batch_is_not_sent_again(
    step: RunStep, emulator: Emulator
) -> None:
    emulator.faults.add(Fault(kind="lose_answer", method="POST", path="batch"))

    run = dns(step, type="A", name="once", content="192.0.2.1")

    assert run.exit_code == 0, run.stdout
    assert state(emulator, "once.example.com") == [("A", "once.example.com", "192.0.2.1")]
    assert mutating(emulator) == [f"POST /zones/{DEMO_ZONE_ID}{BATCH}"]
    assert any("committed although the answer was lost" in line for line in run.log_lines())


def test_a_batch_that_did_not_commit_is_sent_again(step: RunStep, emulator: Emulator) -> None:
    emulator.faults.add(Fault(kind="status", status=502, method="POST", path="batch"))

    run = dns(step, type="A", name="twice", content="192.0.2.1")

    assert run.exit_code == 0, run.stdout
    assert state(emulator, "twice.example.com") == [("A", "twice.example.com", "192.0.2.1")]
    assert mutating(emulator) == [f"POST /zones/{DEMO_ZONE_ID}{BATCH}"] * 2


def test_dry_run_shows_the_plan_and_changes_nothing(step: RunStep, emulator: Emulator) -> None:
    old = emulator.state.add_dns_record(DEMO_ZONE_ID, "A", "app", content="192.0.2.1", ttl=300)

    run = dns(
        step,
        "- {type: A, name: app, content: 192.0.2.1, ttl: 600}\n"
        "- {type: CNAME, name: shop, content: shops.example.net}",
        dry_run="true",
    )

    assert run.exit_code == 0, run.stdout
    assert mutating(emulator) == []
    assert emulator.state.records(DEMO_ZONE_ID) == [old]
    plan = json.loads(run.outputs["plan"])
    assert [(c["action"], c["fields"]) for c in plan["changes"]] == [
        ("update", ["ttl"]),
        ("create", []),
    ]
    assert run.outputs["updated"] == "1" and run.outputs["created"] == "1"
    assert "would update (ttl)" in run.summary and "would create" in run.summary
    assert "dns · example.com (dry run)" in run.summary


def test_records_can_come_from_a_workspace_file(step: RunStep, emulator: Emulator) -> None:
    emulator.log.clear()
    from cfemu.runner import run_step

    run = run_step(
        {
            "operation": "dns",
            "zone": ZONE,
            "api_token": DEMO_TOKEN,
            "api_base_url": emulator.base_url,
            "records": "infra/dns.yml",
        },
        files={"infra/dns.yml": "records:\n  - {type: A, name: filed, content: 192.0.2.1}\n"},
    )

    assert run.exit_code == 0, run.stdout
    assert state(emulator, "filed.example.com") == [("A", "filed.example.com", "192.0.2.1")]


def test_an_add_mode_cname_beside_a_records_is_refused_before_writing(
    step: RunStep, emulator: Emulator
) -> None:
    emulator.state.add_dns_record(DEMO_ZONE_ID, "A", "mix", content="192.0.2.1")

    run = dns(step, "- {type: CNAME, name: mix, content: x.example.net, mode: add}")

    assert run.exit_code == 1
    assert mutating(emulator) == []
    (error,) = run.annotations("error")
    assert "use mode: replace" in error.data


@pytest.mark.parametrize(
    ("records", "first", "second"),
    [
        (
            "- {type: AAAA, name: v6, content: '2001:db8::1'}\n"
            "- {type: AAAA, name: v6, content: '2001:DB8:0::1'}",
            "records[0] (AAAA v6)",
            "records[1] (AAAA v6)",
        ),
        (
            "- {type: TXT, name: t, content: '\"abc\"'}\n- {type: TXT, name: t, content: abc}",
            "records[0] (TXT t)",
            "records[1] (TXT t)",
        ),
    ],
    ids=["aaaa-written-two-ways", "txt-quoted-and-not"],
)
def test_a_record_written_two_ways_is_an_input_error_before_any_call(
    step: RunStep, emulator: Emulator, records: str, first: str, second: str
) -> None:
    run = dns(step, records)

    assert run.exit_code == 1
    (error,) = run.annotations("error")
    assert error.properties["title"] == "Input records"
    assert error.data == f"records: {second} repeats {first}. List each record once."
    assert list(emulator.log) == []
    assert run.outputs["api_calls"] == "0"


def test_a_twin_only_the_zone_name_reveals_is_the_same_error_after_the_zone_lookup(
    step: RunStep, emulator: Emulator
) -> None:
    run = dns(
        step,
        "- {type: A, name: www, content: 192.0.2.1}\n"
        "- {type: A, name: www.example.com, content: 192.0.2.1}",
    )

    assert run.exit_code == 1
    (error,) = run.annotations("error")
    assert error.properties["title"] == "Input records"
    assert error.data == (
        "records: records[1] (A www.example.com) repeats records[0] (A www) "
        "(www.example.com). List each record once."
    )
    assert [f"{r.method} {r.path}" for r in emulator.log] == ["GET /zones"]
