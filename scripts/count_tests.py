#!/usr/bin/env python3
"""Counts test cases from Bazel's test.xml files and prints "N passed, N failed".

Each GoogleTest case is one test; a target whose XML shows no failed case but
that failed anyway (a crash, a timeout) counts as one more failure. Exits 1 if
anything failed or nothing ran.
"""
import os
import sys
import xml.etree.ElementTree as ET


def main(root):
    passed = failed = 0
    failures = []
    for dirpath, _, files in os.walk(root, followlinks=True):
        if "test.xml" not in files:
            continue
        path = os.path.join(dirpath, "test.xml")
        target = os.path.relpath(dirpath, root)
        try:
            tree = ET.parse(path)
        except ET.ParseError:
            failed += 1
            failures.append(f"{target}: unreadable test.xml")
            continue
        cases = tree.getroot().iter("testcase")
        target_failed = 0
        target_cases = 0
        for case in cases:
            # Skipped cases (GTEST_SKIP) are neither passes nor failures.
            if case.get("result") == "skipped" or case.find("skipped") is not None:
                continue
            target_cases += 1
            if case.find("failure") is not None or case.find("error") is not None:
                target_failed += 1
                failures.append(f"{target}: {case.get('classname')}.{case.get('name')}")
        suites = list(tree.getroot().iter("testsuite"))
        reported = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
        if target_failed == 0 and reported > 0:
            target_failed = 1
            failures.append(f"{target}: failed (crash or timeout)")
        passed += target_cases - min(target_failed, target_cases)
        failed += target_failed
    for f in failures:
        print("FAILED:", f)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "bazel-testlogs"))
