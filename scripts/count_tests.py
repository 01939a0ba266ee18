#!/usr/bin/env python3
"""Prints "N passed, N failed" for one `bazel test` run, from its build events.

Usage: count_tests.py BEP_JSON TARGETS_FILE [EXTRA_FILE]

BEP_JSON is the run's --build_event_json_file; TARGETS_FILE lists every test
target that should have run (from `bazel query 'tests(//...)'`). Each
GoogleTest case of a target's test.xml counts once. A target that Bazel says
did not pass (crash, timeout, sanitizer report, teardown failure) but whose
XML shows no failed case counts as one more failure; a target that did not
build or run at all counts as one failure. Only this run's results count:
stale XML in bazel-testlogs is never read. EXTRA_FILE holds the results of
checks run outside Bazel (scripts/install_test.sh), one per line: "PASSED
name" or "FAILED name: why"; other lines are ignored. Exits 1 if anything
failed or nothing ran.
"""
import json
import sys
import urllib.parse
import xml.etree.ElementTree as ET


def load_events(path):
    results, summaries = {}, {}
    try:
        with open(path) as f:
            for line in f:
                try:
                    event = json.loads(line)
                except json.JSONDecodeError:
                    continue
                event_id = event.get("id", {})
                if "testResult" in event_id:
                    label = event_id["testResult"]["label"]
                    for out in event.get("testResult", {}).get("testActionOutput", []):
                        if out.get("name") == "test.xml":
                            results.setdefault(label, []).append(out["uri"])
                elif "testSummary" in event_id:
                    label = event_id["testSummary"]["label"]
                    summaries[label] = event.get("testSummary", {}).get("overallStatus", "NO_STATUS")
    except FileNotFoundError:
        pass
    return results, summaries


def count_xml(uri):
    """Returns (passed, failed, failed_names) of one test.xml."""
    path = urllib.parse.unquote(urllib.parse.urlparse(uri).path)
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return 0, 0, []
    passed = failed = 0
    names = []
    for case in root.iter("testcase"):
        result = case.get("result", "")
        if result in ("skipped", "suppressed") or case.find("skipped") is not None:
            continue
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
            names.append(f"{case.get('classname')}.{case.get('name')}")
        else:
            passed += 1
    return passed, failed, names


def count_extra(path):
    """Returns (passed, failed) of the checks listed in `path`."""
    passed = failed = 0
    with open(path) as f:
        for line in f:
            if line.startswith("PASSED "):
                passed += 1
            elif line.startswith("FAILED "):
                failed += 1
                print(line.rstrip())
    return passed, failed


def main(bep_path, targets_path, extra_path=None):
    with open(targets_path) as f:
        targets = [t.strip() for t in f if t.strip()]
    results, summaries = load_events(bep_path)
    passed = failed = 0
    for label in targets:
        status = summaries.get(label)
        if status is None or label not in results:
            failed += 1
            print(f"FAILED: {label}: did not build or run")
            continue
        t_passed = t_failed = 0
        for uri in results[label]:
            p, f, names = count_xml(uri)
            t_passed, t_failed = t_passed + p, t_failed + f
            for name in names:
                print(f"FAILED: {label}: {name}")
        if status != "PASSED" and t_failed == 0:
            t_failed = 1
            print(f"FAILED: {label}: {status} (crash, timeout or failure outside a test case)")
        passed += t_passed
        failed += t_failed
    if extra_path:
        p, f = count_extra(extra_path)
        passed, failed = passed + p, failed + f
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        print("usage: count_tests.py BEP_JSON TARGETS_FILE [EXTRA_FILE]", file=sys.stderr)
        print("0 passed, 1 failed")
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
