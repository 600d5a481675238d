#!/usr/bin/env python3
"""Writes the symbol ordering file that packs the code a server runs into as few pages as possible.

Usage: hot-text.py TRACE MAP > journey.order

TRACE is qemu-x86_64's `-d in_asm` log of a `journey` run; MAP is the lld link map of that same binary (`-Map`, with
`--no-demangle`: the ordering file names symbols as the linker sees them).
The kernel maps a binary's code 64 KiB at a time around each page first run ("fault-around"). Functions run at
start-up and on the request path lie scattered over 20 MiB, so an idle server keeps most of its code resident.
Listed first in the order they first ran, they fill about 1.2 MiB instead.

lld orders input sections by a symbol they define, so each section run is named by a symbol. The run is read
from the trace's addresses, not from symbol names, so functions with local, duplicate or no names still count.
A section is left out when it is one of the large `.text` sections of a precompiled library (the Swift standard
library's own, say): moving it would move a megabyte to reach a few functions. Sections without a symbol
(`.text..L*`, Swift's private functions) are gathered by `hot-text.ld` instead.
"""

import bisect
import collections
import re
import sys

QEMU_BASE = 0x4000000000  # where qemu-x86_64 loads a position-independent executable
LARGEST_MOVED = 64 * 1024


def text_sections(map_path):
    """The input sections of the output .text, in address order: (address, size, name, [symbols])."""
    sections = []
    inside = False
    for line in open(map_path, errors="replace"):
        fields = line.split()
        if len(fields) < 5:
            continue
        if fields[4] == ".text" and len(fields) == 5:
            inside = True
            continue
        if not inside:
            continue
        if len(fields) == 5 and fields[4].startswith("."):
            break  # the next output section
        if "(" in fields[4]:
            sections.append((int(fields[0], 16), int(fields[2], 16), fields[4], []))
        elif fields[3] == "1" and sections:
            sections[-1][3].append(" ".join(fields[4:]))
    return sections


def main():
    trace_path, map_path = sys.argv[1], sys.argv[2]
    sections = text_sections(map_path)
    starts = [section[0] for section in sections]
    end = sections[-1][0] + sections[-1][1]
    definitions = collections.Counter(symbol for section in sections for symbol in section[3])
    largest = collections.defaultdict(int)  # the largest section each symbol name is defined in
    for _, size, _, symbols in sections:
        for symbol in symbols:
            largest[symbol] = max(largest[symbol], size)
    address = re.compile(r"^0x([0-9a-f]+):")

    seen = set()  # sections already met in the trace
    for line in open(trace_path, errors="replace"):
        match = address.match(line)
        if not match:
            continue
        offset = int(match.group(1), 16) - QEMU_BASE
        if not starts[0] <= offset < end:
            continue
        index = bisect.bisect_right(starts, offset) - 1
        if index in seen:
            continue
        seen.add(index)
        _, size, name, symbols = sections[index]
        if size > LARGEST_MOVED or "(.text..L" in name or not symbols:
            continue
        # A name defined in several objects (a local helper, say) moves each of its sections: only small ones.
        unique = [symbol for symbol in symbols if definitions[symbol] == 1]
        shared = [symbol for symbol in symbols if largest[symbol] <= LARGEST_MOVED]
        if unique or shared:
            print((unique or shared)[0])


if __name__ == "__main__":
    main()
