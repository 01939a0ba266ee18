"""The test that replays a fuzz target's committed corpus (see replay_main.cc)."""

def fuzz_replay_test(name, deps):
    """`<name>_fuzz_replay`: `<name>_fuzz.cc` over tests/fuzz/corpus/<name>/.

    The corpus is the filegroup //tests/fuzz:<name>_corpus; scripts/fuzz.sh
    fuzzes the same target for real with clang and grows the corpus.

    Args:
      name: the target's name, as in scripts/fuzz.sh.
      deps: what `<name>_fuzz.cc` needs beyond the replaying main().
    """
    native.cc_test(
        name = name + "_fuzz_replay",
        srcs = [name + "_fuzz.cc"],
        args = ["tests/fuzz/corpus/" + name],
        data = ["//tests/fuzz:%s_corpus" % name],
        deps = deps + ["//tests/fuzz:replay_main"],
    )
