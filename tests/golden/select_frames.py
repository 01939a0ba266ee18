#!/usr/bin/env python3
"""Picks the request frames worth committing from one client's recording.

  select_frames.py RAW_DIR DEST_DIR

RAW_DIR holds what the recorder wrote for one client
(<seq>-<ApiName>-v<version>.bin). Every Produce frame is kept (they carry the
record batches the golden test decodes). Of the rest, a frame identical to an
earlier one except for its correlation id is dropped (repeated heartbeats,
idle fetches, metadata refreshes), and at most MAX_PER_API_VERSION frames of
each API and version are kept. Kept files keep their names, so gaps in the
sequence numbers show where frames were dropped. DEST_DIR is emptied first.
"""

import collections
import os
import re
import shutil
import sys

MAX_PER_API_VERSION = 3
NAME = re.compile(r"^(\d{3})-([A-Za-z0-9]+)-v(\d+)\.bin$")


def main():
    raw_dir, dest_dir = sys.argv[1:3]
    if os.path.isdir(dest_dir):
        shutil.rmtree(dest_dir)
    os.makedirs(dest_dir)
    seen = set()
    per_api = collections.Counter()
    kept = dropped = 0
    for name in sorted(os.listdir(raw_dir)):
        m = NAME.match(name)
        if not m:
            raise SystemExit(f"unexpected file {name} in {raw_dir}")
        api = (m.group(2), int(m.group(3)))
        with open(os.path.join(raw_dir, name), "rb") as f:
            payload = f.read()
        if api[0] != "Produce":
            # Bytes 4..7 of a request header are the correlation id.
            normalized = payload[:4] + b"\0\0\0\0" + payload[8:]
            if normalized in seen or per_api[api] >= MAX_PER_API_VERSION:
                dropped += 1
                continue
            seen.add(normalized)
            per_api[api] += 1
        shutil.copyfile(os.path.join(raw_dir, name),
                        os.path.join(dest_dir, name))
        kept += 1
    print(f"{os.path.basename(raw_dir)}: kept {kept} frames, "
          f"dropped {dropped}")


if __name__ == "__main__":
    main()
