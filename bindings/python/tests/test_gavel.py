"""The Python package `gavel`: every call and every error class."""

import concurrent.futures
import datetime
import json
import os
import pathlib
import subprocess
import threading

import pytest

import gavel

SOURCE_DIR = pathlib.Path(os.environ.get("GAVEL_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[3]))
PLAN_PB = os.environ.get("GAVEL_PLAN_PB")

POLICY = """package t
@severity("high")
rule no_delete {
  deny
  for step in plan.steps
  when step.verb == "delete"
  message "step {step.id} deletes {step.resource.name}"
}
rule prod_apply {
  require_approval("sre-oncall", "lead")
  for step in plan.steps
  when context.environment == "prod" && step.verb == "apply"
  message "apply in prod"
}
@severity("low")
rule no_exec {
  warn
  for step in plan.steps
  when step.verb == "exec"
  message "exec in {step.id}"
}
rule big {
  deny
  for step in plan.steps
  when has(step.args.replicas) && step.args.replicas * 4611686018427387904 > 100
  message "too big"
}
rule late {
  deny
  for step in plan.steps
  when has(step.starts_at) && step.starts_at > timestamp("2030-01-01T00:00:00Z")
  message "{step.id} starts too late"
}
rule long {
  warn
  for step in plan.steps
  when has(step.duration) && step.duration > duration("1h")
  message "{step.id} runs long"
}
"""


@pytest.fixture(scope="module")
def policy():
    return gavel.compile({"t.gavel": POLICY})


def test_compile_from_sources_dict_and_list(policy):
    assert policy.rule_count == 6
    assert gavel.compile([POLICY]).rule_count == 6


def test_compile_from_paths():
    p = gavel.compile(paths=[SOURCE_DIR / "policies"])
    assert p.rule_count > 3
    assert gavel.compile(paths=str(SOURCE_DIR / "policies" / "airgap.gavel")).rule_count >= 1


def test_compile_sources_and_paths_as_one_set():
    extra = "package extra\nrule all_exec { deny for step in plan.steps when step.verb == \"exec\" }\n"
    p = gavel.compile({"extra.gavel": extra}, paths=[SOURCE_DIR / "policies"])
    d = p.evaluate({"steps": [{"id": "x", "verb": "exec"}]})
    assert "extra.all_exec" in [v.rule for v in d.violations]


def test_compile_needs_something():
    with pytest.raises(ValueError):
        gavel.compile()
    with pytest.raises(TypeError):
        gavel.compile("package t")


def test_compile_error_carries_every_diagnostic():
    bad = {
        "a.gavel": 'package a\nrule r {\n  deny\n  for step in plan.steps\n  when step.verbb == "x"\n}\n',
        "b.gavel": "package b\nrule s {\n  deny\n  when contxt.airgapped\n}\n",
    }
    with pytest.raises(gavel.CompileError) as info:
        gavel.compile(bad)
    e = info.value
    assert isinstance(e, gavel.GavelError)
    assert (e.file, e.line, e.column, e.code) == ("a.gavel", 5, 13, "unknown_field")
    assert e.message == "`gavel.v1.Step` has no field `verbb` (did you mean `verb`?)"
    assert [(d.file, d.line, d.code) for d in e.errors] == [("a.gavel", 5, "unknown_field"), ("b.gavel", 4, "unknown_name")]
    text = str(e)
    assert text.startswith("a.gavel:5:13: error[unknown_field]: ")
    assert '    when step.verbb == "x"\n' in text or 'when step.verbb == "x"\n' in text
    assert "^~~~~" in text


def test_compile_error_for_missing_path():
    with pytest.raises(gavel.CompileError) as info:
        gavel.compile(paths=["/nonexistent/policies"])
    assert info.value.code == "io_error"
    assert "/nonexistent/policies: no such file or directory" in info.value.message
    with pytest.raises(gavel.CompileError) as info:
        gavel.compile({"x.gavel": "package x"}, paths=["/nonexistent/policies"])
    assert info.value.code == "io_error"


CONFIG = SOURCE_DIR / "examples" / "gavel.yaml"
MAINTENANCE = SOURCE_DIR / "examples" / "plans" / "airgap-maintenance.yaml"


def test_compile_config_environments_and_dryrun():
    staging = gavel.compile(config=CONFIG, env="staging")
    d = staging.evaluate(MAINTENANCE)
    assert d.verdict is gavel.Verdict.ALLOW
    assert d.warnings and all(w.dryrun for w in d.warnings)
    assert {w.effect for w in d.warnings} == {"require_approval"}
    assert d.to_dict()["warnings"][0]["dryrun"] is True
    # The same plan with the defaults: staging is no production, nothing fires.
    assert not gavel.compile(config=str(CONFIG)).evaluate(MAINTENANCE).warnings
    # Sources and paths join the config's policies.
    extra = gavel.compile({"x.gavel": "package x\nrule r {\n  deny\n}\n"}, config=CONFIG, env="prod")
    assert extra.rule_count == staging.rule_count + 1
    assert extra.evaluate(MAINTENANCE).verdict is gavel.Verdict.DENY


def test_compile_config_errors_are_compile_errors(tmp_path):
    with pytest.raises(gavel.CompileError) as info:
        gavel.compile(config=CONFIG, env="qa")
    e = info.value
    assert (e.file, e.line, e.code) == (str(CONFIG), 9, "unknown_name")
    assert e.message == "no environment `qa` in the config; it defines `dev`, `prod`, `staging`"

    bad = tmp_path / "gavel.yaml"
    bad.write_text(f"policies: [{SOURCE_DIR / 'policies'}]\n"
                   "environments:\n"
                   "  prod:\n"
                   "    params:\n"
                   "      namespace_scope.protected_namespaces: [kube-system, 7]\n"
                   "      prod_changes.enviroments: [prod]\n")
    with pytest.raises(gavel.CompileError) as info:
        gavel.compile(config=bad, env="prod")
    assert [(d.line, d.column, d.code) for d in info.value.errors] == [(5, 7, "type_error"), (6, 7, "unknown_name")]
    assert info.value.errors[0].message == (
        "param `namespace_scope.protected_namespaces` is declared `list<string>` but "
        "`namespace_scope.protected_namespaces[1]` is int `7`, not string")
    assert "did you mean `prod_changes.environments`" in info.value.errors[1].message
    assert "      prod_changes.enviroments: [prod]\n" in str(info.value)

    bad.write_text("polices: []\n")
    with pytest.raises(gavel.CompileError) as info:
        gavel.compile(config=bad)
    assert (info.value.line, info.value.code) == (1, "unknown_field")
    assert "(did you mean `policies`?)" in info.value.message

    with pytest.raises(gavel.CompileError) as info:
        gavel.compile(config=tmp_path / "missing.yaml")
    assert info.value.code == "io_error"
    bad.write_text("environments: {}\n")
    with pytest.raises(ValueError):
        gavel.compile(config=bad)
    with pytest.raises(ValueError):
        gavel.compile(paths=["policies"], env="prod")


def test_evaluate_dict_deny_with_every_field(policy):
    d = policy.evaluate({"steps": [{"id": "a", "verb": "get"}, {"id": "b", "verb": "delete", "resource": {"name": "db"}}]})
    assert d.verdict is gavel.Verdict.DENY
    assert not d.allowed
    assert len(d.violations) == 1
    v = d.violations[0]
    assert v == gavel.Violation(rule="t.no_delete", effect="deny", severity="high", step="b", step_index=1,
                                message="step b deletes db", location="t.gavel:3:6", approvers=[])
    assert d.warnings == [] and d.errors == [] and d.approvers == []


def test_evaluate_dict_needs_approval(policy):
    d = policy.evaluate({"context": {"environment": "prod"}, "steps": ({"id": "s", "verb": "apply"}, {"id": "e", "verb": "exec"})})
    assert d.verdict is gavel.Verdict.NEEDS_APPROVAL
    assert d.violations[0].effect == "require_approval"
    assert d.violations[0].approvers == ["sre-oncall", "lead"]
    assert d.approvers == ["lead", "sre-oncall"]
    assert [(w.rule, w.severity, w.message) for w in d.warnings] == [("t.no_exec", "low", "exec in e")]


def test_evaluate_allow(policy):
    d = policy.evaluate({})
    assert d.verdict is gavel.Verdict.ALLOW and d.allowed
    assert "allow" in repr(d)


def test_evaluate_runtime_error_fails_closed(policy):
    d = policy.evaluate({"steps": [{"id": "s", "args": {"replicas": 2}}]})
    assert d.verdict is gavel.Verdict.DENY
    assert d.violations == []
    (e,) = d.errors
    assert (e.rule, e.effect, e.severity, e.step, e.step_index) == ("t.big", "error", "", "s", 0)
    assert "overflow" in e.message


def test_evaluate_json_yaml_and_proto_text(policy):
    j = policy.evaluate('{"steps": [{"id": "x", "verb": "delete"}]}')
    y = policy.evaluate("steps:\n  - {id: x, verb: delete}\n", format="yaml")
    assert j.verdict is y.verdict is gavel.Verdict.DENY
    assert j.to_dict() == y.to_dict()
    if PLAN_PB:
        data = pathlib.Path(PLAN_PB).read_bytes()
        for form in (data, bytearray(data), memoryview(data)):
            p = policy.evaluate(form)
            assert p.verdict is gavel.Verdict.DENY
            assert [(v.rule, v.step) for v in p.violations] == [("t.no_delete", "drop")]
        assert policy.evaluate_file(PLAN_PB).verdict is gavel.Verdict.DENY
    with pytest.raises(ValueError):
        policy.evaluate("{}", format="toml")
    with pytest.raises(ValueError):
        policy.evaluate(b"", format="json")
    with pytest.raises(TypeError):
        policy.evaluate(42)


def test_dict_and_json_give_the_same_decision(policy):
    plan = {
        "id": "p1",
        "labels": {"team": "x", "n": 3, "f": 1.5, "ok": True, "nothing": None, "list": [1, "a", [2]]},
        "context": {"environment": "prod", "airgapped": False, "now": "2026-11-26T10:00:00Z"},
        "steps": [
            {"id": "a", "verb": "apply", "args": {"replicas": 1, "big": 2**63, "nested": {"k": [1, 2]}},
             "starts_at": "2031-01-01T00:00:00Z", "duration": "2h", "network": {"port": 443}},
            {"id": "b", "verb": "delete", "depends_on": ["a"]},
        ],
    }
    from_dict = policy.evaluate(plan)
    from_json = policy.evaluate(json.dumps(plan))
    assert from_dict.to_dict() == from_json.to_dict()
    assert from_dict.verdict is gavel.Verdict.DENY
    rules = [v.rule for v in from_dict.violations]
    assert "t.late" in rules and "t.no_delete" in rules
    assert [w.rule for w in from_dict.warnings] == ["t.long"]


def test_dict_accepts_datetime_and_timedelta(policy):
    d = policy.evaluate({"steps": [{"id": "a", "starts_at": datetime.datetime(2031, 5, 1, tzinfo=datetime.timezone.utc),
                                    "duration": datetime.timedelta(hours=2, microseconds=5)}]})
    assert [v.rule for v in d.violations] == ["t.late"]
    assert [w.rule for w in d.warnings] == ["t.long"]
    d = policy.evaluate({"steps": [{"id": "a", "duration": datetime.timedelta(minutes=5)}]})
    assert d.warnings == []


def test_to_dict_and_to_json_match_the_cli(policy, tmp_path):
    d = policy.evaluate({"steps": [{"id": "b", "verb": "delete"}]})
    assert d.to_dict() == {
        "verdict": "deny",
        "violations": [{"rule": "t.no_delete", "effect": "deny", "severity": "high", "step": "b", "step_index": 0,
                        "message": "step b deletes ", "location": "t.gavel:3:6"}],
        "warnings": [], "errors": [], "approvers": [],
    }
    assert d.to_json("p.json").startswith('{"plan": "p.json", "verdict": "deny"')
    p = gavel.compile(paths=[SOURCE_DIR / "policies"])
    plan = SOURCE_DIR / "examples" / "plans" / "prod-rollout.json"
    gavel_bin = os.environ.get("GAVEL_BIN")
    if gavel_bin:
        out = subprocess.run([gavel_bin, "lint", "--format", "json", str(plan), "--policy", str(SOURCE_DIR / "policies")],
                             capture_output=True, text=True).stdout.strip()
        assert p.evaluate_file(plan).to_json(str(plan)).replace(str(SOURCE_DIR) + "/", "") == out.replace(str(SOURCE_DIR) + "/", "")


def test_example_plans_match_the_readme():
    p = gavel.compile(paths=[SOURCE_DIR / "policies"])
    readme = (SOURCE_DIR / "README.md").read_text()
    table = readme.split("<!-- verdicts:")[1].split("\n\n")[0]
    rows = [line.split("`")[1:3] for line in table.splitlines() if line.startswith("| `")]
    assert rows
    for name, rest in rows:
        want = rest.strip(" |")
        assert p.evaluate(SOURCE_DIR / "examples" / "plans" / name).verdict.value == want, name


def test_plan_errors_name_the_path(policy):
    with pytest.raises(gavel.PlanError) as info:
        policy.evaluate({"steps": [{"id": "a", "verb": 3}]})
    assert info.value.message == "steps[0].verb: expected a string, got a number"
    assert info.value.code == "plan_error"
    assert isinstance(info.value, gavel.GavelError)
    with pytest.raises(gavel.PlanError, match=r"steps\[0\]\.verb: expected a string, got a number"):
        policy.evaluate('{"steps": [{"id": "a", "verb": 3}]}')
    with pytest.raises(gavel.PlanError, match="steps: expected a list, got a dict"):
        policy.evaluate({"steps": {}})
    with pytest.raises(gavel.PlanError, match="unknown field `stepz`"):
        policy.evaluate({"stepz": []})
    with pytest.raises(gavel.PlanError, match="a key must be a string"):
        policy.evaluate({"steps": [{"id": "a", "args": {1: 2}}]})
    with pytest.raises(gavel.PlanError, match="does not fit in int64"):
        policy.evaluate({"steps": [{"id": "a", "index": 2**70}]})
    with pytest.raises(gavel.PlanError, match="expected an integer, got 1.5"):
        policy.evaluate({"steps": [{"id": "a", "index": 1.5}]})
    with pytest.raises(gavel.PlanError, match="expected a boolean"):
        policy.evaluate({"context": {"airgapped": 1}})
    with pytest.raises(gavel.PlanError, match="type `set`"):
        policy.evaluate({"steps": [{"id": "a", "args": {"s": {1}}}]})
    with pytest.raises(gavel.PlanError, match="nesting deeper"):
        deep = {}
        cur = deep
        for _ in range(100):
            cur["x"] = {}
            cur = cur["x"]
        policy.evaluate({"labels": deep})
    with pytest.raises(gavel.PlanError):
        policy.evaluate(b"\xff\xff\xff")
    with pytest.raises(gavel.PlanError):
        policy.evaluate("{")


def test_plan_file_errors(policy, tmp_path):
    with pytest.raises(gavel.PlanError) as info:
        policy.evaluate_file(tmp_path / "missing.json")
    assert info.value.code == "io_error"
    assert info.value.file == str(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"steps": [{"id": "a", "verb": 3}]}')
    with pytest.raises(gavel.PlanError) as info:
        policy.evaluate(bad)
    assert info.value.code == "plan_error"
    assert info.value.message == f"{bad}: steps[0].verb: expected a string, got a number"


def test_a_cyclic_dict_is_an_error_not_a_crash(policy):
    cyc = {}
    cyc["x"] = cyc
    with pytest.raises(gavel.PlanError, match="nesting deeper"):
        policy.evaluate({"labels": cyc})


def test_thread_pool_evaluates_in_parallel(policy):
    plans = [{"steps": [{"id": f"s{i}", "verb": "delete" if i % 2 else "get"}]} for i in range(200)]
    expected = [policy.evaluate(p).verdict for p in plans]
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda p: policy.evaluate(p).verdict, plans))
        got_text = list(pool.map(lambda p: policy.evaluate(json.dumps(p)).verdict, plans))
    assert got == expected == got_text


def test_gil_is_released_during_evaluation(policy):
    # A large plan as JSON text: while one thread decodes and evaluates it,
    # another keeps running Python code.
    plan = json.dumps({"steps": [{"id": f"s{i}", "verb": "get", "args": {"k": list(range(20))}} for i in range(5000)]})
    ticks = 0
    done = threading.Event()

    def count():
        nonlocal ticks
        while not done.is_set():
            ticks += 1

    t = threading.Thread(target=count)
    t.start()
    try:
        for _ in range(3):
            policy.evaluate(plan)
    finally:
        done.set()
        t.join()
    assert ticks > 0


BUNDLE_PLANS = [
    {"steps": [{"id": "a", "verb": "delete", "resource": {"name": "db"}}]},
    {"context": {"environment": "prod"}, "steps": [{"id": "a", "verb": "apply"}, {"id": "b", "verb": "exec"}]},
    {"steps": [{"id": "a", "args": {"replicas": 3}}]},
    {"steps": []},
]


def _decisions(policy):
    return [policy.evaluate(p).to_dict() for p in BUNDLE_PLANS]


def test_bundle_round_trip(policy):
    data = policy.to_bundle()
    assert isinstance(data, bytes) and data.startswith(b"\x89GAVEL")
    for form in (data, bytearray(data), memoryview(data)):
        loaded = gavel.load_bundle(form)
        assert loaded.rule_count == policy.rule_count
        assert _decisions(loaded) == _decisions(policy)
    # Params and dryrun from a config environment travel in the bundle.
    staging = gavel.compile(config=CONFIG, env="staging")
    assert gavel.load_bundle(staging.to_bundle()).evaluate(MAINTENANCE).to_dict() == \
        staging.evaluate(MAINTENANCE).to_dict()


def test_bundle_from_the_cli(tmp_path):
    gavel_bin = os.environ.get("GAVEL_BIN")
    if not gavel_bin:
        pytest.skip("GAVEL_BIN is not set")
    out = tmp_path / "std.bundle"
    subprocess.run([gavel_bin, "compile", "--policy", str(SOURCE_DIR / "policies"), "-o", str(out)], check=True,
                   capture_output=True)
    loaded = gavel.load_bundle(out.read_bytes())
    compiled = gavel.compile(paths=[SOURCE_DIR / "policies"])
    for plan in sorted((SOURCE_DIR / "examples" / "plans").glob("*.[jy]*")):
        assert loaded.evaluate_file(plan).to_dict() == compiled.evaluate_file(plan).to_dict()


def test_signed_bundles(tmp_path, policy):
    unsigned = policy.to_bundle()
    # Without a signature to check, trusted keys need one only when required.
    with pytest.raises(gavel.BundleError, match="not an Ed25519 public key"):
        gavel.load_bundle(unsigned, trusted_keys=["hello"])
    gavel_bin = os.environ.get("GAVEL_BIN")
    if not gavel_bin:
        pytest.skip("GAVEL_BIN is not set")
    run = lambda *args: subprocess.run([gavel_bin, *args], check=True, capture_output=True)
    run("keygen", "-o", str(tmp_path / "ci"))
    run("keygen", "-o", str(tmp_path / "other"))
    run("compile", "--policy", str(SOURCE_DIR / "policies"), "--sign", str(tmp_path / "ci"),
        "-o", str(tmp_path / "signed.bundle"))
    signed = (tmp_path / "signed.bundle").read_bytes()
    ci, other = (tmp_path / "ci.pub").read_text(), (tmp_path / "other.pub").read_bytes()
    rules = gavel.compile(paths=[SOURCE_DIR / "policies"]).rule_count
    assert gavel.load_bundle(signed, trusted_keys=[other, ci]).rule_count == rules
    assert gavel.load_bundle(signed).rule_count == rules  # not checked
    assert gavel.load_bundle(unsigned, trusted_keys=ci, require_signature=False).rule_count == policy.rule_count
    with pytest.raises(gavel.BundleError, match="unsigned bundle"):
        gavel.load_bundle(unsigned, trusted_keys=[ci])
    with pytest.raises(gavel.BundleError, match="which is not a trusted key"):
        gavel.load_bundle(signed, trusted_keys=[other])
    forged = bytearray(signed)
    forged[-1] ^= 1
    with pytest.raises(gavel.BundleError, match="bad signature"):
        gavel.load_bundle(forged, trusted_keys=[ci])


def test_bad_bundles_raise_bundle_error(policy):
    data = policy.to_bundle()
    damaged = bytearray(data)
    damaged[len(data) // 2] ^= 0x40
    with pytest.raises(gavel.BundleError, match=r"^<bundle>: corrupt bundle \(checksum mismatch") as info:
        gavel.load_bundle(damaged)
    assert isinstance(info.value, gavel.GavelError)
    assert info.value.code == "bundle_error"
    with pytest.raises(gavel.BundleError, match="truncated bundle"):
        gavel.load_bundle(data[:-1])
    with pytest.raises(gavel.BundleError, match="not a gavel bundle"):
        gavel.load_bundle(POLICY.encode())
    other = bytearray(data)
    other[8] = 7
    with pytest.raises(gavel.BundleError, match=r"bundle format 7 .*recompile it with `gavel compile`"):
        gavel.load_bundle(other)
    with pytest.raises(TypeError, match="read_bytes"):
        gavel.load_bundle("policy.bundle")


def test_policies_pickle_through_their_bundle(policy):
    import pickle
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        copy = pickle.loads(pickle.dumps(policy, protocol=protocol))
        assert isinstance(copy, gavel.Policy)
        assert _decisions(copy) == _decisions(policy)


def _verdicts_in_worker(policy, plans):
    return [policy.evaluate(p).verdict.value for p in plans]


def test_process_pool_evaluates_a_pickled_policy(policy):
    import multiprocessing
    # spawn, not fork: the worker gets the policy only through pickling.
    ctx = multiprocessing.get_context("spawn")
    chunks = [BUNDLE_PLANS[i:i + 2] for i in range(0, len(BUNDLE_PLANS), 2)]
    with concurrent.futures.ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
        got = list(pool.map(_verdicts_in_worker, [policy] * len(chunks), chunks))
    assert [v for chunk in got for v in chunk] == [policy.evaluate(p).verdict.value for p in BUNDLE_PLANS]


def test_typing_files_ship():
    pkg = pathlib.Path(gavel.__file__).parent
    assert (pkg / "py.typed").exists()
    assert (pkg / "__init__.pyi").exists()
